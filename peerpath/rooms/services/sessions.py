"""Sessions: scheduling (no overlaps, at most 4 hours, not in the past; the title and
description screened), starting, ending (hosting time credited to the ladder) and
cancelling, and ending the sessions hosts forgot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import Ref, record_activity
from peerpath.core.aftercommit import after_commit
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.core.text import clean_text as _clean
from peerpath.rooms import policies, realtime
from peerpath.rooms.models import ModAction, RoomSession, SessionKind
from peerpath.rooms.policies import SESSION_LATE, Viewer
from peerpath.rooms.selectors.sessions import credited_minutes
from peerpath.rooms.services.common import (
    actor_viewer,
    find_person,
    find_room,
    log_action,
    room_space,
)
from peerpath.safety import services as safety

SESSION_REF = "rooms.session"
MAX_SESSION = dt.timedelta(hours=4)


@dataclass(slots=True)
class Scheduled:
    session: RoomSession
    screening: safety.Screening = safety.NOTHING  # the title and description, screened


def schedule_session(
    *,
    actor: User,
    room_id: int,
    kind: Any,
    title: Any,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    host_id: int | None = None,
    description: Any = "",
    now: dt.datetime | None = None,
) -> Scheduled:
    """A session in the room. Its title and description (written by a host or moderator) are
    screened: the room's other moderators are told if they say someone may not be safe."""
    now = now or timezone.now()
    v = actor_viewer(actor, now)
    if kind not in SessionKind.values:
        raise Refused("Choose the kind of session.")
    title_text = _clean(title, what="title", max_chars=120)
    desc = _clean(description, what="description", max_chars=2000, required=False)
    if ends_at <= starts_at:
        raise Refused("A session must end after it starts.")
    if ends_at - starts_at > MAX_SESSION:
        raise Refused("A session lasts at most 4 hours.")
    if starts_at < now - dt.timedelta(minutes=5):
        raise Refused("A session cannot start in the past.")
    with transaction.atomic():
        room = find_room(v, room_id, lock_row=True)
        Forbidden.unless(policies.can_schedule(v, room))
        host = actor
        hv = v
        if host_id is not None and host_id != actor.pk:
            host, hv = find_person(v, host_id, now)
        Refused.unless(policies.can_host_session(hv, room))
        clash = RoomSession.objects.filter(
            room=room, cancelled_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).exists()
        if clash:
            raise Conflict("Another session is scheduled in this room at that time.")
        session = RoomSession(
            room=room,
            kind=kind,
            title=title_text,
            description=desc,
            host=host,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=actor,
        )
        session.full_clean()
        session.save()
        space = room_space(room, what="A session", now=now)
        screening = safety.screen(
            writer=actor, text=[title_text, desc], space=space, source=session, now=now
        )
    return Scheduled(session, screening)


def _session(v: Viewer, session_id: int) -> RoomSession:
    s = (
        RoomSession.objects.select_for_update(of=("self",))
        .select_related("room__community")
        .filter(pk=session_id)
        .first()
    )
    if s is None or not policies.can_see_room(v, s.room):
        raise NotFound("No such session.")
    return s


def cancel_session(*, actor: User, session_id: int, now: dt.datetime | None = None) -> RoomSession:
    now = now or timezone.now()
    v = actor_viewer(actor, now)
    with transaction.atomic():
        s = _session(v, session_id)
        Forbidden.unless(policies.can_run_session(v, s.room, s.host_id))
        if s.started_at is not None:
            raise Conflict("This session has already started; end it instead.")
        if s.cancelled_at is None:
            s.cancelled_at = now
            s.save(update_fields=["cancelled_at", "updated_at"])
    return s


def start_session(*, actor: User, session_id: int, now: dt.datetime | None = None) -> RoomSession:
    """The host opens the session (from 15 minutes before its start until its end)."""
    now = now or timezone.now()
    v = actor_viewer(actor, now)
    with transaction.atomic():
        s = _session(v, session_id)
        Forbidden.unless(policies.can_run_session(v, s.room, s.host_id))
        if s.cancelled_at is not None:
            raise Conflict("This session was cancelled.")
        if s.started_at is not None:
            raise Conflict("This session has already started.")
        Refused.unless(policies.can_start_session(s, now))
        s.started_at = now
        s.save(update_fields=["started_at", "updated_at"])
        log_action(actor, ModAction.SESSION_STARTED, room=s.room, now=now, session=s.pk)
        payload = {"session": s.pk, "title": s.title, "live": True}
        after_commit(
            lambda: realtime.broadcast_room_state(s.room_id, **payload), what="room broadcast"
        )
    return s


def end_session(
    *, actor: User | None, session_id: int, now: dt.datetime | None = None
) -> RoomSession:
    """Close the session; its hosting time is credited
    (``selectors.sessions.credited_minutes``) and the host gets a ``session_hosted``
    activity. ``actor`` None: the upkeep job."""
    now = now or timezone.now()
    with transaction.atomic():
        if actor is None:
            s = (
                RoomSession.objects.select_for_update(of=("self",))
                .select_related("room")
                .get(pk=session_id)
            )
        else:
            v = actor_viewer(actor, now)
            s = _session(v, session_id)
            Forbidden.unless(policies.can_run_session(v, s.room, s.host_id))
        if s.started_at is None:
            raise Conflict("This session has not started.")
        if s.ended_at is not None:
            return s
        s.ended_at = min(now, s.ends_at + SESSION_LATE)
        s.save(update_fields=["ended_at", "updated_at"])
        minutes = credited_minutes(s, now=now)
        log_action(
            actor, ModAction.SESSION_ENDED, room=s.room, now=now, session=s.pk, minutes=minutes
        )
        record_activity(
            user=s.host,
            kind=ActivityKind.SESSION_HOSTED,
            occurred_at=min(s.ended_at, now),
            ref=Ref(SESSION_REF, s.pk),
        )
        after_commit(
            lambda: realtime.broadcast_room_state(s.room_id, session=s.pk, live=False),
            what="room broadcast",
        )
    return s


def end_overdue_sessions(*, now: dt.datetime | None = None) -> int:
    """Sessions whose host forgot to end them close 30 minutes after their schedule."""
    now = now or timezone.now()
    ids = list(
        RoomSession.objects.filter(
            started_at__isnull=False,
            ended_at__isnull=True,
            ends_at__lt=now - SESSION_LATE,
        ).values_list("pk", flat=True)
    )
    for session_id in ids:
        end_session(actor=None, session_id=session_id, now=now)
    return len(ids)
