"""Screening writers for rooms: a message over the room socket's service, a report's note,
and a session's title and description (what the room page's forms call). Teen rooms, so the
coverage test also sees that a teen's alert reaches only teen-band moderators (or staff)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Model
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.rooms.models import Room, RoomBand, RoomMessage
from peerpath.rooms.services import posting, reports, sessions
from peerpath.rooms.tests.helpers import make_room


def _teen_room_with_moderators() -> Room:
    """A teen room with a teen moderator and an adult one (who must never be told)."""
    room = make_room(band=RoomBand.TEEN)
    UserFactory.create(teen=True, listener=True, roles=[Role.MODERATOR])
    UserFactory.create(listener=True, roles=[Role.MODERATOR])
    return room


def _teen() -> User:
    user: User = UserFactory.create(teen=True)
    return user


def message(text: str) -> Model:
    room = _teen_room_with_moderators()
    return posting.post_message(sender=_teen(), room_id=room.pk, body=text).message


def report_note(text: str) -> Model:
    room = _teen_room_with_moderators()
    reported: RoomMessage = RoomMessage.objects.create(room=room, sender=_teen(), body="hey")
    return reports.report_message(
        reporter=_teen(), message_id=reported.pk, reason="safety", note=text
    ).report


def _session(*, title: str, description: str = "") -> Model:
    room = _teen_room_with_moderators()
    host = UserFactory.create(teen=True, listener=True, roles=[Role.MODERATOR])
    start = timezone.now() + dt.timedelta(hours=2)
    return sessions.schedule_session(
        actor=host,
        room_id=room.pk,
        kind="sharing_circle",
        title=title,
        description=description,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    ).session


WRITERS: dict[str, Callable[[str], Model]] = {
    "rooms.RoomMessage.body": message,
    "rooms.Report.note": report_note,
    "rooms.RoomSession.title": lambda text: _session(title=text[:120]),
    "rooms.RoomSession.description": lambda text: _session(title="Circle", description=text),
}
