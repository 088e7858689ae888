"""Screening writers for feedback: what the feedback form's view calls (a teen mentee who
chatted with their mentor)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model

from peerpath.feedback import services
from peerpath.feedback.tests.helpers import mentee_who_chatted
from peerpath.mentorship.tests.factories import make_mentor


def give_feedback(text: str) -> Model:
    mentor = make_mentor(teen=True)
    author = mentee_who_chatted(mentor)
    return services.give_feedback(author=author, listener=mentor, rating=4, comment=text).feedback


WRITERS: dict[str, Callable[[str], Model]] = {
    "feedback.Feedback.comment": give_feedback,
}
