"""What the rooms writes share: the room and the person acted on (if the actor may see
them at all), the acting person's facts (refused while suspended), a line of the
moderation log, and a room as a safeguarding space (its responders)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from peerpath.accounts.models import User
from peerpath.core.errors import Forbidden, NotFound
from peerpath.rooms import policies
from peerpath.rooms.models import REASON_MAX_CHARS, ModAction, ModerationLog, Room, RoomMessage
from peerpath.rooms.policies import Viewer
from peerpath.rooms.selectors.common import viewer as load_viewer
from peerpath.rooms.selectors.moderation import responders
from peerpath.safety import services as safety
from peerpath.safety.models import Channel

NOT_FOUND = "No such room."


def find_room(v: Viewer, room_id: int, *, lock_row: bool = False) -> Room:
    qs = Room.objects.select_related("community")
    if lock_row:
        qs = qs.select_for_update(of=("self",))
    room = qs.filter(pk=room_id).first()
    if room is None or not policies.can_see_room(v, room):
        raise NotFound(NOT_FOUND)
    return room


def log_action(
    actor: User | None,
    action: ModAction,
    *,
    room: Room | None = None,
    target_id: int | None = None,
    message: RoomMessage | None = None,
    reason: str = "",
    now: dt.datetime,
    **details: Any,
) -> ModerationLog:
    return ModerationLog.objects.create(
        actor=actor,
        action=action,
        room=room,
        target_id=target_id,
        message=message,
        reason=reason[:REASON_MAX_CHARS],
        details=details,
        created_at=now,
    )


def find_person(v: Viewer, target_id: Any, now: dt.datetime) -> tuple[User, Viewer]:
    if not isinstance(target_id, int) or isinstance(target_id, bool):
        raise NotFound("No such person.")
    target = User.objects.filter(pk=target_id, is_active=True).first()
    if target is None:
        raise NotFound("No such person.")
    return target, load_viewer(target, now=now)


def actor_viewer(actor: User, now: dt.datetime) -> Viewer:
    v = load_viewer(actor, now=now)
    if v.suspended:
        raise Forbidden(v.suspended)
    return v


def room_space(
    room: Room,
    *,
    channel: Channel = Channel.ROOM,
    what: str = "",
    host: User | None = None,
    url: str = "",
    now: dt.datetime | None = None,
) -> safety.Space:
    """The room as a safeguarding space: its moderators (and ``host``, a live session's
    host) respond; help lines follow the room's language. ``what``: the kind of text when
    it is not a message ("A report", "A session")."""
    return safety.Space(
        channel=channel,
        where=f"{what} in room “{room.name}”" if what else f"Room “{room.name}”",
        url=url or reverse("rooms:room", args=[room.slug]),
        responders=responders(room, host=host, now=now),
        language=room.language or None,
    )
