"""What a member does about someone: report a message (once; the note is screened for
safeguarding), which a moderator of the room resolves, or block the person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts import services as account_services
from peerpath.accounts.models import User
from peerpath.core.aftercommit import after_commit
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.core.idempotency import once
from peerpath.core.text import clean_text as _clean
from peerpath.rooms import policies, realtime
from peerpath.rooms.models import (
    REASON_MAX_CHARS,
    ModAction,
    Report,
    ReportReason,
    ReportStatus,
    RoomMessage,
)
from peerpath.rooms.selectors.common import viewer as load_viewer
from peerpath.rooms.services.common import actor_viewer, log_action, room_space
from peerpath.safety import services as safety
from peerpath.safety.models import Channel


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
    v = load_viewer(reporter, now=now)
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
    v = actor_viewer(actor, now)
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
        log_action(
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
