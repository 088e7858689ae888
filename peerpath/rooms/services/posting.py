"""Posting a message: re-checked on every message, stored before the ack (idempotent by
``client_id``), screened for safeguarding (the room's moderators are the responders), and
credited as a group chat for the ladder. Broadcast through ``realtime`` after commit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import User
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import Ref, record_activity
from peerpath.core.aftercommit import after_commit
from peerpath.core.errors import Conflict, Forbidden, RateLimited
from peerpath.core.text import clean_client_id
from peerpath.core.text import clean_text as _clean
from peerpath.rooms import locks, policies, realtime
from peerpath.rooms.models import (
    MESSAGE_MAX_CHARS,
    ModAction,
    Participation,
    Room,
    RoomMessage,
    RoomSession,
    RoomSettings,
)
from peerpath.rooms.policies import Lock, Viewer
from peerpath.rooms.selectors.common import standing as load_standing
from peerpath.rooms.selectors.common import viewer as load_viewer
from peerpath.rooms.selectors.sessions import live_session
from peerpath.rooms.services.common import find_room, log_action, room_space
from peerpath.safety import services as safety
from peerpath.safety.models import SafetyAlert

PARTICIPATION_REF = "rooms.participation"


def slow_mode_wait(seconds: int, last: dt.datetime, now: dt.datetime) -> int:
    """Whole seconds (at least 1) until slow mode lets someone whose last message in the
    room was at ``last`` write again."""
    left = (last + dt.timedelta(seconds=seconds) - now).total_seconds()
    return max(1, math.ceil(left))


@dataclass(slots=True)
class Posted:
    message: RoomMessage
    created: bool
    screening: safety.Screening = safety.NOTHING  # help for the writer, the alert it raised


def post_message(
    *,
    sender: User,
    room_id: int,
    body: Any,
    client_id: Any = "",
    viewer: Viewer | None = None,
    lock: Lock | None = None,
    now: dt.datetime | None = None,
) -> Posted:
    """Store a message (the socket acks only after this returns) and broadcast it on commit.

    Re-checked on every message: the sender's account, band and sanctions, the room's state
    and host presence (``viewer`` and ``lock`` may be passed in by a socket that loaded them a
    moment ago). A crisis phrase never stops a message: the writer gets resources back, the
    room's moderators an alert. The first message in a room per UTC day (or per session)
    credits one group support chat to the ladder.
    """
    now = now or timezone.now()
    client_id = clean_client_id(client_id)
    usable = account_policies.can_use_community(sender, now)
    if not usable:
        raise Forbidden(usable.reason)
    v = viewer or load_viewer(sender, now=now)
    # The account and its age band are always fresh (a socket may pass roles loaded a
    # moment ago); a birthday or a suspension counts from the next message.
    band = sender.age_band_at(now)
    v = dataclasses.replace(v, band=None if band is AgeBand.CHILD else band.value)
    with transaction.atomic():
        room = find_room(v, room_id)
        if lock is None:
            lock = locks.locks_for(sender, [room], now=now)[room.pk]
        standing = load_standing(sender.pk, room, now=now, with_blocks=False)
        Forbidden.unless(policies.can_enter(v, room, lock, standing, now))
        Conflict.unless(policies.can_post(v, room, lock, standing, now))
        text = _clean(body, what="message", max_chars=MESSAGE_MAX_CHARS)
        if client_id:
            existing = RoomMessage.objects.filter(sender=sender, client_id=client_id).first()
            if existing is not None:
                if existing.room_id != room.pk:
                    raise Conflict("That message id was already used in another room.")
                return Posted(existing, False)
        cfg = RoomSettings.current()
        recent = RoomMessage.objects.filter(
            sender=sender,
            created_at__gte=now - dt.timedelta(seconds=cfg.message_rate_seconds),
        ).count()
        if recent >= cfg.message_rate_count:
            raise RateLimited("You're sending messages very fast. Please wait a moment.")
        if room.slow_mode_seconds and not (
            policies.is_moderator(v, room) or policies.is_host(v, room)
        ):
            since = now - dt.timedelta(seconds=room.slow_mode_seconds)
            last = (
                RoomMessage.objects.filter(
                    sender=sender, room=room, created_at__gt=since, deleted_at__isnull=True
                )
                .order_by("-created_at")
                .values_list("created_at", flat=True)
                .first()
            )
            if last is not None:
                wait = slow_mode_wait(room.slow_mode_seconds, last, now)
                raise RateLimited(
                    f"Slow mode is on: one message every {room.slow_mode_seconds} seconds. "
                    f"You can send again in {wait} s."
                )
        session = live_session(room)
        try:
            with transaction.atomic():
                message = RoomMessage.objects.create(
                    room=room,
                    sender=sender,
                    body=text,
                    client_id=client_id,
                    session=session,
                    created_at=now,
                )
        except IntegrityError:
            existing = RoomMessage.objects.filter(sender=sender, client_id=client_id).first()
            if not client_id or existing is None:
                raise
            return Posted(existing, False)
        _credit(sender, room, session, now)
        host = session.host if session is not None else None
        screening = safety.screen(
            writer=sender,
            text=text,
            space=room_space(room, host=host, now=now),
            source=message,
            now=now,
        )
        if screening.alert is not None:
            _alert_moderators(message, room, sender, screening.alert, now)
        name = sender.username
        after_commit(lambda: realtime.broadcast_message(message, name), what="room broadcast")
    return Posted(message, True, screening)


def _credit(sender: User, room: Room, session: RoomSession | None, now: dt.datetime) -> None:
    """One group support chat per room per UTC day, or per session inside a session."""
    day = now.astimezone(dt.UTC).date()
    lookup: dict[str, Any] = {"user": sender, "room": room}
    if session is not None:
        lookup["session"] = session
    else:
        lookup.update(session__isnull=True, day=day)
    if Participation.objects.filter(**lookup).exists():
        return
    try:
        with transaction.atomic():
            p = Participation.objects.create(
                user=sender, room=room, session=session, day=day, created_at=now
            )
    except IntegrityError:
        return  # another socket of the same person credited it a moment ago
    record_activity(
        user=sender, kind=ActivityKind.GROUP_CHAT, occurred_at=now, ref=Ref(PARTICIPATION_REF, p.pk)
    )


def _alert_moderators(
    message: RoomMessage, room: Room, sender: User, alert: SafetyAlert, now: dt.datetime
) -> None:
    """Screening raised ``alert`` about ``message``: mark the message, log it in the room's
    log, and show the moderators in the room a live alert (their bell rings too: ``screen``
    told every responder)."""
    if alert.category != safety.DETECTOR_ERROR:
        message.crisis = True
        message.save(update_fields=["crisis"])
    log_action(
        None,
        ModAction.CRISIS_ALERT,
        room=room,
        target_id=sender.pk,
        message=message,
        now=now,
        category=alert.category,
        severity=alert.severity,
        alert=alert.pk,
    )
    payload = {
        "type": "alert",
        "alert": alert.pk,
        "message_id": message.pk,
        "user": sender.username,
        "user_id": sender.pk,
        "category": alert.category,
        "severity": alert.severity,
        "url": safety.alert_url(alert),
    }
    after_commit(lambda: realtime.alert_moderators(room.pk, payload), what="room broadcast")
