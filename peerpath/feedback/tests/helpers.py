"""Setup helpers: eligible interactions written directly (the services under test read them)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.feedback import services
from peerpath.feedback.models import Feedback
from peerpath.mentorship.models import Mentorship, Message
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.rooms.models import Participation, RoomSession, SessionKind
from peerpath.rooms.tests.helpers import make_room

_seq = itertools.count(1)


def chat(mentorship: Mentorship, *, at: dt.datetime | None = None) -> None:
    """Both parties write one message in the mentorship chat."""
    at = at or timezone.now() - dt.timedelta(days=1)
    for sender_id in (mentorship.mentee_id, mentorship.mentor_id):
        Message.objects.create(
            mentorship=mentorship, sender_id=sender_id, body="Hello!", created_at=at
        )


def mentee_who_chatted(mentor: User, **kwargs: Any) -> User:
    mentee = make_listener(teen=mentor.is_teen, **kwargs)
    chat(make_mentorship(mentor, mentee))
    return mentee


def session_participant(host: User, *, at: dt.datetime | None = None, **kwargs: Any) -> User:
    """A person who took part in a group session the host hosted."""
    at = at or timezone.now() - dt.timedelta(hours=2)
    person = make_listener(teen=host.is_teen, **kwargs)
    room = make_room(band="teen" if host.is_teen else "adult")
    session = RoomSession.objects.create(
        room=room,
        kind=SessionKind.SUPPORT_SESSION,
        title=f"Evening support {next(_seq)}",
        host=host,
        starts_at=at - dt.timedelta(minutes=30),
        ends_at=at + dt.timedelta(minutes=30),
    )
    Participation.objects.create(
        user=person, room=room, session=session, day=at.date(), created_at=at
    )
    return person


def mentor_with_feedback(n: int, *, comment: str = "Kind and patient.") -> tuple[User, list[User]]:
    """A mentor and ``n`` mentees who each left feedback (rating 5, 4, 3, 5, 4, …)."""
    mentor = make_mentor(capacity=20)
    authors = []
    for i in range(n):
        author = mentee_who_chatted(mentor) if i == 0 else session_participant(mentor)
        services.give_feedback(
            author=author, listener=mentor, rating=(5, 4, 3)[i % 3], comment=f"{comment} #{i}"
        )
        authors.append(author)
    return mentor, authors


def feedback_count() -> int:
    return Feedback.objects.count()
