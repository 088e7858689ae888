"""The private chat of an active mentorship: messages (stored before the ack, broadcast
on commit), read markers, and the day both sides wrote counted as one conversation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.core.aftercommit import after_commit
from peerpath.core.errors import Conflict, NotFound, RateLimited, Refused
from peerpath.core.text import clean_client_id, clean_text
from peerpath.mentorship import policies, realtime, screening
from peerpath.mentorship.models import (
    MESSAGE_MAX_CHARS,
    Conversation,
    ConversationKind,
    Mentorship,
    Message,
)
from peerpath.mentorship.screening import NOTHING, Screening
from peerpath.mentorship.selectors import common as reads
from peerpath.mentorship.services import common


@dataclass(frozen=True, slots=True)
class Posted:
    """A chat message as stored, whether this call stored it, and the help for its writer."""

    message: Message
    created: bool
    screening: Screening = NOTHING


def post_message(*, sender: User, mentorship_id: int, body: str, client_id: str = "") -> Posted:
    """Persist a chat message (the caller acks only after this returns) and broadcast it on
    commit. Resending the same ``client_id`` returns the stored message, created=False.
    The text is screened in the same transaction: a mentee's crisis alerts their mentor and
    the safeguarding team, a mentor's the safeguarding team; the message is always stored."""
    now = timezone.now()
    client_id = clean_client_id(client_id)
    with transaction.atomic():
        m = Mentorship.objects.select_related("mentor", "mentee").filter(pk=mentorship_id).first()
        if m is None or not policies.is_party(sender, m):
            raise NotFound("No such mentorship.")
        Refused.unless(policies.can_chat(sender, m, now), status=403)
        # After the party check: a non-party learns nothing, not even that the text is bad.
        body = clean_text(body, what="message", max_chars=MESSAGE_MAX_CHARS, required=True)
        if client_id:
            existing = _resent(sender, client_id, m.pk)
            if existing is not None:
                return _posted_again(sender, existing, now)
        cfg = reads.community_settings()
        recent = Message.objects.filter(
            sender=sender, created_at__gte=now - dt.timedelta(minutes=1)
        ).count()
        if recent >= cfg.messages_per_minute:
            raise RateLimited("You're sending messages very fast. Please wait a moment.")
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    mentorship=m, sender=sender, body=body, client_id=client_id, created_at=now
                )
        except IntegrityError:
            # The same client id arrived through another process a moment ago.
            existing = _resent(sender, client_id, m.pk) if client_id else None
            if existing is None:
                raise
            return _posted_again(sender, existing, now)
        field = "mentor_last_read" if sender.pk == m.mentor_id else "mentee_last_read"
        Mentorship.objects.filter(pk=m.pk).update(**{field: message.pk})
        if sender.pk == m.mentor_id:
            common.touch_mentor(sender.pk, now)
        _count_chat_day(m, now)
        found = screening.screen(writer=sender, source=message, field="body", at=now, m=m)
        sender_name = sender.profile.shown_name  # the one display rule (accounts)
        after_commit(
            lambda: realtime.broadcast_message(message, sender_name),
            what="mentorship chat broadcast",
        )
    return Posted(message, True, found)


def _posted_again(sender: User, message: Message, now: dt.datetime) -> Posted:
    return Posted(
        message, False, screening.replay(writer=sender, text=message.body, source=message, at=now)
    )


def _resent(sender: User, client_id: str, mentorship_id: int) -> Message | None:
    """The message this sender already stored under ``client_id`` (a resend), if any."""
    existing = Message.objects.filter(sender=sender, client_id=client_id).first()
    if existing is not None and existing.mentorship_id != mentorship_id:
        raise Conflict("That message id was already used in another conversation.")
    return existing


def _count_chat_day(m: Mentorship, now: dt.datetime) -> None:
    """A (UTC) day on which both people wrote is one conversation, recorded once."""
    day = now.astimezone(dt.UTC).date()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    senders = set(
        Message.objects.filter(mentorship=m, created_at__gte=start, created_at__lte=now)
        .values_list("sender_id", flat=True)
        .distinct()
    )
    if not {m.mentor_id, m.mentee_id} <= senders:
        return
    if Conversation.objects.filter(mentorship=m, day=day, kind=ConversationKind.CHAT).exists():
        return
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                mentorship=m, kind=ConversationKind.CHAT, day=day, created_at=now
            )
    except IntegrityError:
        return  # the other side's message counted it a moment ago
    common.record_conversation(m, conversation, now)


@transaction.atomic
def mark_read(*, user: User, mentorship_id: int, up_to: int) -> int:
    """Move the user's read marker forward (never back, never past the last message)."""
    m = Mentorship.objects.select_for_update().filter(pk=mentorship_id).first()
    if m is None or not policies.is_party(user, m):
        raise NotFound("No such mentorship.")
    last_id = (
        Message.objects.filter(mentorship=m, id__lte=max(up_to, 0))
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )
    field = "mentor_last_read" if user.pk == m.mentor_id else "mentee_last_read"
    current = getattr(m, field)
    if last_id > current:
        setattr(m, field, last_id)
        m.save(update_fields=[field])
        after_commit(
            lambda: realtime.broadcast_read(m.pk, user.pk, last_id),
            what="mentorship chat broadcast",
        )
        return last_id
    return int(current)
