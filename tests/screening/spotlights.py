"""Screening writers for spotlights: what the drafting form's view calls (a mentor drafts
their own spotlight)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model

from peerpath.accounts.models import User
from peerpath.mentorship.tests.factories import make_mentor
from peerpath.spotlights import services
from peerpath.spotlights.models import Spotlight

QUESTION = "What brought you to listening?"
ANSWER = "A friend who listened to me."


def draft_as(
    mentor: User,
    *,
    title: str = "Meet a mentor",
    intro: str = "",
    answers: list[tuple[str, str]] | None = None,
) -> services.SpotlightSaved:
    """What the drafting page calls when a mentor drafts their own spotlight."""
    return services.draft_spotlight(
        actor=mentor,
        mentor=mentor,
        kind="interview",
        month=None,
        title=title,
        intro=intro,
        answers=answers or [(QUESTION, ANSWER)],
    )


def draft(
    *, title: str = "Meet a mentor", intro: str = "", question: str = QUESTION, answer: str = ANSWER
) -> Spotlight:
    return draft_as(make_mentor(), title=title, intro=intro, answers=[(question, answer)]).spotlight


WRITERS: dict[str, Callable[[str], Model]] = {
    "spotlights.Spotlight.title": lambda text: draft(title=text),
    "spotlights.Spotlight.intro": lambda text: draft(intro=text),
    "spotlights.SpotlightAnswer.question": lambda text: draft(question=text).answers.get(),
    "spotlights.SpotlightAnswer.answer": lambda text: draft(answer=text).answers.get(),
}
