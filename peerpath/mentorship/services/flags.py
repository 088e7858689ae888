"""Flags: a party's concern about the mentorship, and staff resolving it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.models import User
from peerpath.core.errors import Forbidden, NotFound, Refused
from peerpath.core.idempotency import once
from peerpath.core.text import clean_text
from peerpath.mentorship import notify, screening
from peerpath.mentorship.models import (
    NOTE_MAX_CHARS,
    Flag,
    FlagPriority,
)
from peerpath.mentorship.screening import Written
from peerpath.mentorship.services import common
from peerpath.resources.models import FlagTopic


@transaction.atomic
def raise_flag(
    *, user: User, mentorship_id: int, topic: str, priority: str, note: str = "", key: str = ""
) -> Written[Flag]:
    """A concern about the mentorship. Immediate flags e-mail every staff member at once.
    A resent form (same ``key``) answers the flag already raised and tells nobody twice."""
    m = common.party_mentorship(user, mentorship_id, active=False)
    if topic not in FlagTopic.values:
        raise Refused("Choose what the concern is about.")
    if priority not in FlagPriority.values:
        raise Refused("Choose whether this needs attention now or can wait.")
    note = clean_text(note, what="note", max_chars=NOTE_MAX_CHARS, required=False)
    flag, created = once(
        Flag,
        author_field="raised_by",
        author=user,
        key=key,
        create=lambda: Flag.objects.create(
            mentorship=m,
            raised_by=user,
            topic=topic,
            priority=priority,
            note=note,
            idempotency_key=key,
        ),
    )
    if not created:
        return Written(
            flag, screening.replay(writer=user, text=flag.note, source=flag, at=timezone.now())
        )
    if priority == FlagPriority.IMMEDIATE:
        notify.notify_staff(
            f"IMMEDIATE flag #{flag.pk}: {flag.get_topic_display()}",
            f"{user.username} raised an immediate concern on mentorship #{m.pk}. "
            "Open the flag now.",
            url=notify.staff_flag_url(flag.pk),
        )
    # Addressed to staff (often about the other person): never told to the other party.
    found = screening.screen(writer=user, source=flag, field="note", at=timezone.now(), m=m)
    return Written(flag, found)


@transaction.atomic
def resolve_flag(*, actor: User, flag_id: int) -> Flag:
    if not account_policies.is_staff_member(actor):
        raise Forbidden("Only staff can resolve flags.")
    flag = Flag.objects.select_for_update().filter(pk=flag_id).first()
    if flag is None:
        raise NotFound("No such flag.")
    if flag.resolved_at is None:
        flag.resolved_at = timezone.now()
        flag.resolved_by = actor
        flag.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
    return flag
