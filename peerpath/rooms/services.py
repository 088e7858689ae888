"""Writes of the rooms app: posting (screened for safeguarding, with group-chat credit),
moderation, reports, sessions and presence. Every function is atomic, raises
``core.errors.Refused`` with a sentence for the person, and broadcasts through ``realtime``
only after commit. Text people write here (messages, report notes, session titles and
descriptions) goes through ``safety.services.screen`` inside the same transaction: the
room's moderators are the responders (``selectors.responders``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts import services as account_services
from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import User
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import Ref, record_activity
from peerpath.core.aftercommit import after_commit
from peerpath.core.errors import Conflict, Forbidden, NotFound, RateLimited, Refused
from peerpath.core.idempotency import once
from peerpath.core.text import clean_client_id
from peerpath.core.text import clean_text as _clean
from peerpath.rooms import locks, policies, realtime, selectors
from peerpath.rooms.models import (
    MESSAGE_MAX_CHARS,
    REASON_MAX_CHARS,
    ModAction,
    ModerationLog,
    Participation,
    Presence,
    Report,
    ReportReason,
    ReportStatus,
    Room,
    RoomMessage,
    RoomSession,
    RoomSettings,
    Sanction,
    SanctionKind,
    ServerHeartbeat,
    SessionKind,
)
from peerpath.rooms.policies import Lock, Viewer
from peerpath.safety import services as safety
from peerpath.safety.models import Channel, SafetyAlert

PARTICIPATION_REF = "rooms.participation"
SESSION_REF = "rooms.session"
CLOSE_REMOVED = 4403
MAX_SESSION = dt.timedelta(hours=4)
NOT_FOUND = "No such room."


def _room(v: Viewer, room_id: int, *, lock_row: bool = False) -> Room:
    qs = Room.objects.select_related("community")
    if lock_row:
        qs = qs.select_for_update(of=("self",))
    room = qs.filter(pk=room_id).first()
    if room is None or not policies.can_see_room(v, room):
        raise NotFound(NOT_FOUND)
    return room


def _log(
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


# --- Posting ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Posted:
    message: RoomMessage
    created: bool
    screening: safety.Screening = safety.NOTHING  # help for the writer, the alert it raised


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
        responders=selectors.responders(room, host=host, now=now),
        language=room.language or None,
    )


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
    v = viewer or selectors.viewer(sender, now=now)
    # The account and its age band are always fresh (a socket may pass roles loaded a
    # moment ago); a birthday or a suspension counts from the next message.
    band = sender.age_band_at(now)
    v = dataclasses.replace(v, band=None if band is AgeBand.CHILD else band.value)
    with transaction.atomic():
        room = _room(v, room_id)
        if lock is None:
            lock = locks.locks_for(sender, [room], now=now)[room.pk]
        standing = selectors.standing(sender.pk, room, now=now, with_blocks=False)
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
            if RoomMessage.objects.filter(
                sender=sender, room=room, created_at__gt=since, deleted_at__isnull=True
            ).exists():
                raise RateLimited(
                    f"Slow mode is on: one message every {room.slow_mode_seconds} seconds."
                )
        session = selectors.live_session(room)
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
    _log(
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


# --- Moderation ------------------------------------------------------------------------------


def _target(v: Viewer, target_id: Any, now: dt.datetime) -> tuple[User, Viewer]:
    if not isinstance(target_id, int) or isinstance(target_id, bool):
        raise NotFound("No such person.")
    target = User.objects.filter(pk=target_id, is_active=True).first()
    if target is None:
        raise NotFound("No such person.")
    return target, selectors.viewer(target, now=now)


def _actor(actor: User, now: dt.datetime) -> Viewer:
    v = selectors.viewer(actor, now=now)
    if v.suspended:
        raise Forbidden(v.suspended)
    return v


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
    v = _actor(actor, now)
    reason_text = _clean(reason, what="reason", max_chars=REASON_MAX_CHARS)
    with transaction.atomic():
        room = _room(v, room_id)
        target, tv = _target(v, target_id, now)
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
        _log(actor, ModAction.WARN, room=room, target_id=target.pk, reason=reason_text, now=now)
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
    _log(
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
    v = _actor(actor, now)
    reason_text = _clean(reason, what="reason", max_chars=REASON_MAX_CHARS)
    if minutes is not None and not (1 <= minutes <= 60 * 24 * 30):
        raise Refused("A mute lasts from 1 minute to 30 days.")
    with transaction.atomic():
        room = _room(v, room_id)
        target, tv = _target(v, target_id, now)
        Forbidden.unless(policies.can_sanction(v, room, tv))
        cfg = RoomSettings.current()
        length = minutes or _mute_minutes(target.pk, cfg, now)
        return _mute(actor, room, target, reason_text, length, now)


def kick(
    *, actor: User, room_id: int, target_id: Any, reason: Any, now: dt.datetime | None = None
) -> Sanction:
    """Remove from the room now; they may come back after ``kick_minutes``."""
    now = now or timezone.now()
    v = _actor(actor, now)
    reason_text = _clean(reason, what="reason", max_chars=REASON_MAX_CHARS)
    with transaction.atomic():
        room = _room(v, room_id)
        target, tv = _target(v, target_id, now)
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
        _log(actor, ModAction.KICK, room=room, target_id=target.pk, reason=reason_text, now=now)
        words = f"A moderator removed you from this room: {reason_text}"
        after_commit(
            lambda: realtime.close_user(room.pk, target.pk, words, CLOSE_REMOVED),
            what="room broadcast",
        )
    return sanction


BAN_SCOPES = ("room", "community", "everywhere")


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
    v = _actor(actor, now)
    reason_text = _clean(reason, what="reason", max_chars=REASON_MAX_CHARS)
    if scope not in BAN_SCOPES:
        raise Refused("Choose where the ban applies: room, community or everywhere.")
    if days is not None and not (1 <= days <= 3650):
        raise Refused("A ban lasts from 1 day to 10 years, or until lifted.")
    with transaction.atomic():
        room = _room(v, room_id)
        target, tv = _target(v, target_id, now)
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
        _log(
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
    v = _actor(actor, now)
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
        _log(
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
    v = _actor(actor, now)
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
        _log(
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
    v = _actor(actor, now)
    cfg = RoomSettings.current()
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise Refused("Slow mode is a number of seconds.")
    if not (0 <= seconds <= cfg.max_slow_mode_seconds):
        raise Refused(f"Slow mode is between 0 (off) and {cfg.max_slow_mode_seconds} seconds.")
    with transaction.atomic():
        room = _room(v, room_id, lock_row=True)
        Forbidden.unless(policies.can_set_slow_mode(v, room))
        room.slow_mode_seconds = seconds
        room.save(update_fields=["slow_mode_seconds", "updated_at"])
        _log(actor, ModAction.SLOW_MODE, room=room, now=now, seconds=seconds)
        after_commit(
            lambda: realtime.broadcast_room_state(room.pk, slow_mode=seconds), what="room broadcast"
        )
    return room


def lock_room(*, actor: User, room_id: int, reason: Any, now: dt.datetime | None = None) -> Room:
    """Pause a room: everyone can read, only moderators can write."""
    now = now or timezone.now()
    v = _actor(actor, now)
    reason_text = _clean(reason, what="reason", max_chars=REASON_MAX_CHARS)
    with transaction.atomic():
        room = _room(v, room_id, lock_row=True)
        Forbidden.unless(policies.can_manage_room(v, room))
        room.locked_at, room.locked_reason = now, reason_text
        room.save(update_fields=["locked_at", "locked_reason", "updated_at"])
        _log(actor, ModAction.LOCK_ROOM, room=room, reason=reason_text, now=now)
        after_commit(
            lambda: realtime.broadcast_room_state(room.pk, paused=True, reason=reason_text),
            what="room broadcast",
        )
    return room


def unlock_room(*, actor: User, room_id: int, now: dt.datetime | None = None) -> Room:
    now = now or timezone.now()
    v = _actor(actor, now)
    with transaction.atomic():
        room = _room(v, room_id, lock_row=True)
        Forbidden.unless(policies.can_manage_room(v, room))
        room.locked_at, room.locked_reason = None, ""
        room.save(update_fields=["locked_at", "locked_reason", "updated_at"])
        _log(actor, ModAction.UNLOCK_ROOM, room=room, now=now)
        after_commit(
            lambda: realtime.broadcast_room_state(room.pk, paused=False), what="room broadcast"
        )
    return room


# --- Reports and alerts ----------------------------------------------------------------------


@dataclass(slots=True)
class Reported:
    report: Report
    screening: safety.Screening = safety.NOTHING  # the reporter's note, screened


def report_message(
    *,
    reporter: User,
    message_id: Any,
    reason: Any,
    note: Any = "",
    key: str = "",
    now: dt.datetime | None = None,
) -> Reported:
    """Report a message (once; a resent form with the same ``key`` answers the same report).
    The reporter's note is screened: the room's moderators are told if it says someone may
    not be safe, and the reporter gets help if it concerns them."""
    now = now or timezone.now()
    v = selectors.viewer(reporter, now=now)
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise NotFound("No such message.")
    if reason not in ReportReason.values:
        raise Refused("Choose a reason for the report.")
    note_text = _clean(note, what="note", max_chars=REASON_MAX_CHARS, required=False)
    with transaction.atomic():
        m = RoomMessage.objects.select_related("room").filter(pk=message_id).first()
        if m is None or not policies.can_see_room(v, m.room):
            raise NotFound("No such message.")
        Forbidden.unless(policies.can_report(v, m.room, m.sender_id))
        try:
            report, created = once(
                Report,
                author_field="reporter",
                author=reporter,
                key=key,
                create=lambda: Report.objects.create(
                    message=m,
                    reporter=reporter,
                    reason=reason,
                    note=note_text,
                    created_at=now,
                    idempotency_key=key,
                ),
            )
        except IntegrityError:
            raise Conflict(
                "You already reported this message; moderators will look at it."
            ) from None
        screening = safety.NOTHING
        if created:
            space = room_space(
                m.room,
                channel=Channel.REPORT,
                what="A report",
                url=f"{reverse('rooms:moderation')}#report-{report.pk}",
                now=now,
            )
            screening = safety.screen(
                writer=reporter, text=note_text, space=space, source=report, now=now
            )
    return Reported(report, screening)


def resolve_report(
    *,
    actor: User,
    report_id: int,
    status: Any,
    outcome: Any,
    now: dt.datetime | None = None,
) -> Report:
    now = now or timezone.now()
    v = _actor(actor, now)
    if status not in (ReportStatus.ACTIONED, ReportStatus.DISMISSED):
        raise Refused("Choose an outcome: action taken or no action needed.")
    outcome_text = _clean(outcome, what="outcome", max_chars=REASON_MAX_CHARS)
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("message__room")
            .filter(pk=report_id)
            .first()
        )
        if report is None or not policies.is_moderator(v, report.message.room):
            raise NotFound("No such report.")
        if report.status != ReportStatus.OPEN:
            raise Conflict("Someone already handled this report.")
        report.status, report.outcome = status, outcome_text
        report.handled_by, report.handled_at = actor, now
        report.save(update_fields=["status", "outcome", "handled_by", "handled_at"])
        _log(
            actor,
            ModAction.REPORT_RESOLVED,
            room=report.message.room,
            target_id=report.message.sender_id,
            message=report.message,
            reason=outcome_text,
            now=now,
            status=status,
            report=report.pk,
        )
    return report


def _room_alert(v: Viewer, alert_id: Any) -> tuple[SafetyAlert, Room]:
    """A safeguarding alert about text in a room this person moderates (else: missing)."""
    if not isinstance(alert_id, int) or isinstance(alert_id, bool):
        raise NotFound("No such alert.")
    alert = SafetyAlert.objects.filter(pk=alert_id).first()
    room = selectors.room_of_alert(alert) if alert is not None else None
    if alert is None or room is None or not policies.can_manage_room(v, room):
        raise NotFound("No such alert.")
    return alert, room


def acknowledge_alert(*, actor: User, alert_id: Any, now: dt.datetime | None = None) -> SafetyAlert:
    """A moderator of the room says "I'm on it" (``safety.services.acknowledge``: it stops
    the escalation clock; only the alert's responders and staff may)."""
    now = now or timezone.now()
    v = _actor(actor, now)
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
    v = _actor(actor, now)
    note_text = _clean(note, what="note", max_chars=REASON_MAX_CHARS)
    with transaction.atomic():
        alert, room = _room_alert(v, alert_id)
        alert = safety.resolve(
            actor=actor, alert_id=alert.pk, outcome=outcome, note=note_text, now=now
        )
        _log(
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


def block(*, blocker: User, blocked_id: Any) -> None:
    """Block someone from a room: they disappear from the blocker's rooms (both ways) at
    once, and everywhere else the accounts block applies."""
    if not isinstance(blocked_id, int) or isinstance(blocked_id, bool):
        raise NotFound("No such person.")
    blocked = User.objects.filter(pk=blocked_id, is_active=True).first()
    if blocked is None:
        raise NotFound("No such person.")
    if blocked.pk == blocker.pk:
        raise Refused("You cannot block yourself.")
    with transaction.atomic():
        account_services.block_user(blocker=blocker, blocked=blocked)
        after_commit(lambda: realtime.refresh_user(blocker.pk), what="room broadcast")
        after_commit(lambda: realtime.refresh_user(blocked.pk), what="room broadcast")


# --- Sessions --------------------------------------------------------------------------------


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
    v = _actor(actor, now)
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
        room = _room(v, room_id, lock_row=True)
        Forbidden.unless(policies.can_schedule(v, room))
        host = actor
        hv = v
        if host_id is not None and host_id != actor.pk:
            host, hv = _target(v, host_id, now)
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
    v = _actor(actor, now)
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
    v = _actor(actor, now)
    with transaction.atomic():
        s = _session(v, session_id)
        Forbidden.unless(policies.can_run_session(v, s.room, s.host_id))
        if s.cancelled_at is not None:
            raise Conflict("This session was cancelled.")
        if s.started_at is not None:
            raise Conflict("This session has already started.")
        if now < s.starts_at - selectors.SESSION_EARLY or now >= s.ends_at:
            raise Refused("A session can be started from 15 minutes before its start to its end.")
        s.started_at = now
        s.save(update_fields=["started_at", "updated_at"])
        _log(actor, ModAction.SESSION_STARTED, room=s.room, now=now, session=s.pk)
        payload = {"session": s.pk, "title": s.title, "live": True}
        after_commit(
            lambda: realtime.broadcast_room_state(s.room_id, **payload), what="room broadcast"
        )
    return s


def end_session(
    *, actor: User | None, session_id: int, now: dt.datetime | None = None
) -> RoomSession:
    """Close the session; its hosting time is credited (``selectors.credited_minutes``) and
    the host gets a ``session_hosted`` activity. ``actor`` None: the upkeep job."""
    now = now or timezone.now()
    with transaction.atomic():
        if actor is None:
            s = (
                RoomSession.objects.select_for_update(of=("self",))
                .select_related("room")
                .get(pk=session_id)
            )
        else:
            v = _actor(actor, now)
            s = _session(v, session_id)
            Forbidden.unless(policies.can_run_session(v, s.room, s.host_id))
        if s.started_at is None:
            raise Conflict("This session has not started.")
        if s.ended_at is not None:
            return s
        s.ended_at = min(now, s.ends_at + selectors.SESSION_LATE)
        s.save(update_fields=["ended_at", "updated_at"])
        minutes = selectors.credited_minutes(s, now=now)
        _log(actor, ModAction.SESSION_ENDED, room=s.room, now=now, session=s.pk, minutes=minutes)
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
            ends_at__lt=now - selectors.SESSION_LATE,
        ).values_list("pk", flat=True)
    )
    for session_id in ids:
        end_session(actor=None, session_id=session_id, now=now)
    return len(ids)


# --- Presence --------------------------------------------------------------------------------


def join_presence(*, room_id: int, user_id: int, server: str, channel: str) -> None:
    Presence.objects.update_or_create(
        channel=channel,
        defaults={"room_id": room_id, "user_id": user_id, "server": server},
    )


def leave_presence(*, channel: str) -> None:
    Presence.objects.filter(channel=channel).delete()


def heartbeat(*, server: str, now: dt.datetime | None = None) -> None:
    ServerHeartbeat.objects.update_or_create(
        server=server, defaults={"seen_at": now or timezone.now()}
    )


def sweep_presence(*, now: dt.datetime | None = None) -> int:
    """Forget sockets of server processes that stopped heart-beating."""
    now = now or timezone.now()
    stale = ServerHeartbeat.objects.filter(seen_at__lt=now - selectors.STALE_AFTER)
    servers = list(stale.values_list("server", flat=True))
    deleted, _ = Presence.objects.filter(
        Q(server__in=servers) | ~Q(server__in=ServerHeartbeat.objects.values("server"))
    ).delete()
    stale.delete()
    return deleted
