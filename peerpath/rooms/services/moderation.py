"""Moderation: warnings (the n-th active one mutes automatically), mutes that escalate,
kicks, bans, lifting a sanction, deleting a message, slow mode, pausing a room, and
following up the room's safeguarding alerts. Every action writes ``ModerationLog``; the
people concerned hear of it through ``realtime`` after commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.core.aftercommit import after_commit
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.core.text import clean_text as _clean
from peerpath.rooms import policies, realtime
from peerpath.rooms.models import (
    REASON_MAX_CHARS,
    ModAction,
    Room,
    RoomMessage,
    RoomSettings,
    Sanction,
    SanctionKind,
)
from peerpath.rooms.policies import Viewer
from peerpath.rooms.selectors.moderation import room_of_alert
from peerpath.rooms.services.common import actor_viewer, find_person, find_room, log_action
from peerpath.safety import services as safety
from peerpath.safety.models import SafetyAlert

CLOSE_REMOVED = 4403
BAN_SCOPES = ("room", "community", "everywhere")


def _mute_minutes(user_id: int, cfg: RoomSettings, now: dt.datetime) -> int:
    ladder = cfg.mute_ladder()
    earlier = Sanction.objects.filter(
        user_id=user_id,
        kind=SanctionKind.MUTE,
        created_at__gte=now - dt.timedelta(days=cfg.mute_lookback_days),
    ).count()
    return ladder[min(earlier, len(ladder) - 1)]


def warn(
    *, actor: User, room_id: int, target_id: Any, reason: Any, now: dt.datetime | None = None
) -> Sanction:
    """A warning that expires; the n-th active warning (``warnings_before_mute``) mutes the
    person automatically, for the next length on the escalation ladder."""
    now = now or timezone.now()
    v = actor_viewer(actor, now)
    reason_text = _clean(reason, what="reason", max_chars=REASON_MAX_CHARS)
    with transaction.atomic():
        room = find_room(v, room_id)
        target, tv = find_person(v, target_id, now)
        Forbidden.unless(policies.can_warn(v, room, tv))
        cfg = RoomSettings.current()
        warning = Sanction.objects.create(
            user=target,
            kind=SanctionKind.WARN,
            room=room,
            reason=reason_text,
            created_by=actor,
            created_at=now,
            expires_at=now + dt.timedelta(hours=cfg.warning_ttl_hours),
        )
        log_action(
            actor, ModAction.WARN, room=room, target_id=target.pk, reason=reason_text, now=now
        )
        active = Sanction.objects.in_force(now).filter(user=target, kind=SanctionKind.WARN).count()
        frame = {"type": "warning", "reason": reason_text, "active_warnings": active}
        after_commit(lambda: realtime.tell_user(room.pk, target.pk, frame), what="room broadcast")
        if active >= cfg.warnings_before_mute:
            _mute(
                None,
                room,
                target,
                f"{active} warnings: {reason_text}",
                _mute_minutes(target.pk, cfg, now),
                now,
                automatic=True,
            )
    return warning


def _mute(
    actor: User | None,
    room: Room,
    target: User,
    reason: str,
    minutes: int,
    now: dt.datetime,
    *,
    automatic: bool = False,
) -> Sanction:
    until = now + dt.timedelta(minutes=minutes)
    mute = Sanction.objects.create(
        user=target,
        kind=SanctionKind.MUTE,
        room=room,
        reason=reason[:REASON_MAX_CHARS],
        created_by=actor,
        automatic=automatic,
        created_at=now,
        expires_at=until,
    )
    if automatic:
        # The warnings that led to it are spent: the next mute needs three new ones.
        Sanction.objects.in_force(now).filter(user=target, kind=SanctionKind.WARN).update(
            lifted_at=now
        )
    log_action(
        actor,
        ModAction.AUTO_MUTE if automatic else ModAction.MUTE,
        room=room,
        target_id=target.pk,
        reason=reason,
        now=now,
        minutes=minutes,
    )
    frame = {"type": "muted", "until": until.isoformat(), "minutes": minutes, "reason": reason}
    after_commit(lambda: realtime.tell_user(room.pk, target.pk, frame), what="room broadcast")
    return mute


def mute(
    *,
    actor: User,
    room_id: int,
    target_id: Any,
    reason: Any,
    minutes: int | None = None,
    now: dt.datetime | None = None,
) -> Sanction:
    """Mute in this room; without ``minutes`` the length escalates with earlier mutes."""
    now = now or timezone.now()
    v = actor_viewer(actor, now)
    reason_text = _clean(reason, what="reason", max_chars=REASON_MAX_CHARS)
    if minutes is not None and not (1 <= minutes <= 60 * 24 * 30):
        raise Refused("A mute lasts from 1 minute to 30 days.")
    with transaction.atomic():
        room = find_room(v, room_id)
        target, tv = find_person(v, target_id, now)
        Forbidden.unless(policies.can_sanction(v, room, tv))
        cfg = RoomSettings.current()
        length = minutes or _mute_minutes(target.pk, cfg, now)
        return _mute(actor, room, target, reason_text, length, now)


def kick(
    *, actor: User, room_id: int, target_id: Any, reason: Any, now: dt.datetime | None = None
) -> Sanction:
    """Remove from the room now; they may come back after ``kick_minutes``."""
    now = now or timezone.now()
    v = actor_viewer(actor, now)
    reason_text = _clean(reason, what="reason", max_chars=REASON_MAX_CHARS)
    with transaction.atomic():
        room = find_room(v, room_id)
        target, tv = find_person(v, target_id, now)
        Forbidden.unless(policies.can_sanction(v, room, tv))
        cfg = RoomSettings.current()
        until = now + dt.timedelta(minutes=cfg.kick_minutes)
        sanction = Sanction.objects.create(
            user=target,
            kind=SanctionKind.KICK,
            room=room,
            reason=reason_text,
            created_by=actor,
            created_at=now,
            expires_at=until,
        )
        log_action(
            actor, ModAction.KICK, room=room, target_id=target.pk, reason=reason_text, now=now
        )
        words = f"A moderator removed you from this room: {reason_text}"
        after_commit(
            lambda: realtime.close_user(room.pk, target.pk, words, CLOSE_REMOVED),
            what="room broadcast",
        )
    return sanction


def ban(
    *,
    actor: User,
    room_id: int,
    target_id: Any,
    reason: Any,
    scope: str = "room",
    days: int | None = None,
    now: dt.datetime | None = None,
) -> Sanction:
    """Ban from this room, its community of rooms, or every room (that one: staff only);
    ``days`` empty means until lifted."""
    now = now or timezone.now()
    v = actor_viewer(actor, now)
    reason_text = _clean(reason, what="reason", max_chars=REASON_MAX_CHARS)
    if scope not in BAN_SCOPES:
        raise Refused("Choose where the ban applies: room, community or everywhere.")
    if days is not None and not (1 <= days <= 3650):
        raise Refused("A ban lasts from 1 day to 10 years, or until lifted.")
    with transaction.atomic():
        room = find_room(v, room_id)
        target, tv = find_person(v, target_id, now)
        Forbidden.unless(policies.can_sanction(v, room, tv))
        if scope == "everywhere" and not v.is_staff:
            raise Forbidden("Only staff can ban someone from every room.")
        sanction = Sanction.objects.create(
            user=target,
            kind=SanctionKind.BAN,
            room=room if scope == "room" else None,
            community=room.community if scope == "community" else None,
            reason=reason_text,
            created_by=actor,
            created_at=now,
            expires_at=now + dt.timedelta(days=days) if days else None,
        )
        log_action(
            actor,
            ModAction.BAN,
            room=room,
            target_id=target.pk,
            reason=reason_text,
            now=now,
            scope=scope,
            days=days,
        )
        words = f"A moderator banned you from this room: {reason_text}"
        after_commit(
            lambda: realtime.close_user(room.pk, target.pk, words, CLOSE_REMOVED),
            what="room broadcast",
        )
        # Wider bans: the person's sockets in other rooms re-check at once.
        if scope != "room":
            after_commit(lambda: realtime.refresh_user(target.pk), what="room broadcast")
    return sanction


def lift(
    *, actor: User, sanction_id: int, reason: Any = "", now: dt.datetime | None = None
) -> Sanction:
    now = now or timezone.now()
    v = actor_viewer(actor, now)
    reason_text = _clean(reason, what="reason", max_chars=REASON_MAX_CHARS, required=False)
    with transaction.atomic():
        s = Sanction.objects.select_related("room").filter(pk=sanction_id).first()
        if s is None:
            raise NotFound(policies.NO_SUCH_SANCTION)
        room = s.room
        decision = policies.can_lift(v, s)
        if not decision:
            missing = decision.reason == policies.NO_SUCH_SANCTION
            raise (NotFound if missing else Forbidden)(decision.reason)
        if s.lifted_at is not None:
            raise Conflict("This was already lifted.")
        s.lifted_at, s.lifted_by = now, actor
        s.save(update_fields=["lifted_at", "lifted_by"])
        log_action(
            actor,
            ModAction.LIFT,
            room=room,
            target_id=s.user_id,
            reason=reason_text,
            now=now,
            sanction=s.pk,
            kind=s.kind,
        )
        user_id = s.user_id
        after_commit(lambda: realtime.refresh_user(user_id), what="room broadcast")
    return s


def delete_message(
    *, actor: User, message_id: int, reason: Any = "", now: dt.datetime | None = None
) -> RoomMessage:
    """Remove a message for everyone (the row stays, for the log and reports)."""
    now = now or timezone.now()
    v = actor_viewer(actor, now)
    reason_text = _clean(reason, what="reason", max_chars=REASON_MAX_CHARS, required=False)
    with transaction.atomic():
        m = RoomMessage.objects.select_related("room__community").filter(pk=message_id).first()
        if m is None or not policies.can_see_room(v, m.room):
            raise NotFound("No such message.")
        Forbidden.unless(policies.can_manage_room(v, m.room))
        if m.deleted_at is not None:
            return m
        m.deleted_at, m.deleted_by = now, actor
        m.save(update_fields=["deleted_at", "deleted_by"])
        log_action(
            actor,
            ModAction.DELETE_MESSAGE,
            room=m.room,
            target_id=m.sender_id,
            message=m,
            reason=reason_text,
            now=now,
        )
        room_id, mid = m.room_id, m.pk
        after_commit(lambda: realtime.broadcast_deleted(room_id, mid), what="room broadcast")
    return m


def set_slow_mode(
    *, actor: User, room_id: int, seconds: Any, now: dt.datetime | None = None
) -> Room:
    now = now or timezone.now()
    v = actor_viewer(actor, now)
    cfg = RoomSettings.current()
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise Refused("Slow mode is a number of seconds.")
    if not (0 <= seconds <= cfg.max_slow_mode_seconds):
        raise Refused(f"Slow mode is between 0 (off) and {cfg.max_slow_mode_seconds} seconds.")
    with transaction.atomic():
        room = find_room(v, room_id, lock_row=True)
        Forbidden.unless(policies.can_set_slow_mode(v, room))
        room.slow_mode_seconds = seconds
        room.save(update_fields=["slow_mode_seconds", "updated_at"])
        log_action(actor, ModAction.SLOW_MODE, room=room, now=now, seconds=seconds)
        after_commit(
            lambda: realtime.broadcast_room_state(room.pk, slow_mode=seconds), what="room broadcast"
        )
    return room


def lock_room(*, actor: User, room_id: int, reason: Any, now: dt.datetime | None = None) -> Room:
    """Pause a room: everyone can read, only moderators can write."""
    now = now or timezone.now()
    v = actor_viewer(actor, now)
    reason_text = _clean(reason, what="reason", max_chars=REASON_MAX_CHARS)
    with transaction.atomic():
        room = find_room(v, room_id, lock_row=True)
        Forbidden.unless(policies.can_manage_room(v, room))
        room.locked_at, room.locked_reason = now, reason_text
        room.save(update_fields=["locked_at", "locked_reason", "updated_at"])
        log_action(actor, ModAction.LOCK_ROOM, room=room, reason=reason_text, now=now)
        after_commit(
            lambda: realtime.broadcast_room_state(room.pk, paused=True, reason=reason_text),
            what="room broadcast",
        )
    return room


def unlock_room(*, actor: User, room_id: int, now: dt.datetime | None = None) -> Room:
    now = now or timezone.now()
    v = actor_viewer(actor, now)
    with transaction.atomic():
        room = find_room(v, room_id, lock_row=True)
        Forbidden.unless(policies.can_manage_room(v, room))
        room.locked_at, room.locked_reason = None, ""
        room.save(update_fields=["locked_at", "locked_reason", "updated_at"])
        log_action(actor, ModAction.UNLOCK_ROOM, room=room, now=now)
        after_commit(
            lambda: realtime.broadcast_room_state(room.pk, paused=False), what="room broadcast"
        )
    return room


def _room_alert(v: Viewer, alert_id: Any) -> tuple[SafetyAlert, Room]:
    """A safeguarding alert about text in a room this person moderates (else: missing)."""
    if not isinstance(alert_id, int) or isinstance(alert_id, bool):
        raise NotFound("No such alert.")
    alert = SafetyAlert.objects.filter(pk=alert_id).first()
    room = room_of_alert(alert) if alert is not None else None
    if alert is None or room is None or not policies.can_manage_room(v, room):
        raise NotFound("No such alert.")
    return alert, room


def acknowledge_alert(*, actor: User, alert_id: Any, now: dt.datetime | None = None) -> SafetyAlert:
    """A moderator of the room says "I'm on it" (``safety.services.acknowledge``: it stops
    the escalation clock; only the alert's responders and staff may)."""
    now = now or timezone.now()
    v = actor_viewer(actor, now)
    with transaction.atomic():
        alert, _ = _room_alert(v, alert_id)
        return safety.acknowledge(actor=actor, alert_id=alert.pk, now=now)


def handle_alert(
    *,
    actor: User,
    alert_id: Any,
    outcome: Any,
    note: Any,
    now: dt.datetime | None = None,
) -> SafetyAlert:
    """A moderator of the room followed up: the alert is resolved with what happened
    (``safety.services.resolve``) and the room's log keeps a line of it."""
    now = now or timezone.now()
    v = actor_viewer(actor, now)
    note_text = _clean(note, what="note", max_chars=REASON_MAX_CHARS)
    with transaction.atomic():
        alert, room = _room_alert(v, alert_id)
        alert = safety.resolve(
            actor=actor, alert_id=alert.pk, outcome=outcome, note=note_text, now=now
        )
        log_action(
            actor,
            ModAction.CRISIS_HANDLED,
            room=room,
            target_id=alert.writer_id,
            reason=note_text,
            now=now,
            alert=alert.pk,
            outcome=alert.outcome,
        )
    return alert
