"""The pair's log: conversations the chat can't see (call, video, other) and check-ins."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import Ref, record_activity
from peerpath.core.errors import Invalid, Refused
from peerpath.core.idempotency import once
from peerpath.core.text import clean_text
from peerpath.mentorship import policies, screening
from peerpath.mentorship.models import (
    NOTE_MAX_CHARS,
    CheckIn,
    Conversation,
    ConversationKind,
)
from peerpath.mentorship.screening import Written
from peerpath.mentorship.services import common


@transaction.atomic
def log_conversation(
    *, user: User, mentorship_id: int, kind: str, day: dt.date, note: str = "", key: str = ""
) -> Written[Conversation]:
    """Either side logs a call, video or other conversation the chat can't see (once per
    form ``key``)."""
    m = common.party_mentorship(user, mentorship_id)
    if kind not in (ConversationKind.CALL, ConversationKind.VIDEO, ConversationKind.OTHER):
        raise Refused("Choose call, video or other. Chat days are counted automatically.")
    now = timezone.now()
    decision = policies.can_log_day(m, day, user.tzinfo, now)
    if not decision:
        raise Invalid(decision.reason, fields={"day": [decision.reason]})
    note = clean_text(note, what="note", max_chars=500, required=False)
    conversation, created = once(
        Conversation,
        author_field="logged_by",
        author=user,
        key=key,
        create=lambda: Conversation.objects.create(
            mentorship=m,
            kind=kind,
            day=day,
            note=note,
            logged_by=user,
            created_at=now,
            idempotency_key=key,
        ),
    )
    if not created:
        return Written(
            conversation,
            screening.replay(writer=user, text=conversation.note, source=conversation, at=now),
        )
    at = min(dt.datetime.combine(day, dt.time(12), tzinfo=user.tzinfo), now)
    common.record_conversation(m, conversation, at)
    found = screening.screen(writer=user, source=conversation, field="note", at=now, m=m)
    return Written(conversation, found)


@transaction.atomic
def check_in(
    *, user: User, mentorship_id: int, rating: int, note: str = "", key: str = ""
) -> Written[CheckIn]:
    """A party's check-in (once per form ``key``)."""
    m = common.party_mentorship(user, mentorship_id)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise Refused("Choose how it's going on a scale of 1 to 5.")
    note = clean_text(note, what="note", max_chars=NOTE_MAX_CHARS, required=False)
    now = timezone.now()
    item, created = once(
        CheckIn,
        author_field="author",
        author=user,
        key=key,
        create=lambda: CheckIn.objects.create(
            mentorship=m, author=user, rating=rating, note=note, created_at=now, idempotency_key=key
        ),
    )
    if not created:
        return Written(item, screening.replay(writer=user, text=item.note, source=item, at=now))
    record_activity(
        user=user,
        kind=ActivityKind.MENTOR_CHECK_IN,
        occurred_at=now,
        ref=Ref("mentorship.checkin", item.pk),
    )
    if user.pk == m.mentor_id:
        common.touch_mentor(user.pk, now)
    found = screening.screen(writer=user, source=item, field="note", at=now, m=m)
    return Written(item, found)
