"""Mock chat tests: a mentor (or staff member) holds a practice chat with a listener of the
same age band and records the result. A pass is the activity event ``mock_chat_passed`` that
listener milestones require (``occurred_at`` = the day of the chat at 12:00 UTC, capped at
the moment of recording, ``ref = progression.mockchat/<assessment id>``).

One assessment per assessor, listener and day: recording the same chat again is refused, so a
pass is counted once; two different passing chats are two events. The reads are in
``selectors/mock_chats.py``, the rules in ``policies.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from django.db import transaction
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import Ref, record_activity
from peerpath.core.errors import Conflict, Forbidden, Refused
from peerpath.core.text import clean_text
from peerpath.progression import policies
from peerpath.progression.models import MockChatAssessment
from peerpath.progression.services import notices

MOCK_CHAT_REF: Final = "progression.mockchat"
PASS_HOUR_UTC: Final = 12


def event_time(held_on: dt.date, now: dt.datetime) -> dt.datetime:
    """When a pass "happened" in the activity log: noon UTC of the day, never after now."""
    noon = dt.datetime.combine(held_on, dt.time(PASS_HOUR_UTC), tzinfo=dt.UTC)
    return min(noon, now)


@transaction.atomic
def record_mock_chat(
    *,
    assessor: User,
    listener: User,
    held_on: dt.date,
    passed: bool,
    notes: str,
    now: dt.datetime | None = None,
) -> MockChatAssessment:
    """Record an assessment (refused, nothing saved, when the assessor is not a mentor or
    staff (403), the listener is oneself, not a listener, of the other age band or
    suspended, the date is in the future or over 90 days ago, or a fail has no notes).
    A pass writes one ``mock_chat_passed`` event for the listener."""
    now = now or timezone.now()
    Forbidden.unless(policies.may_assess(assessor, now))
    Refused.unless(policies.can_assess(assessor, listener, now))
    today = timezone.localtime(now, assessor.tzinfo).date()
    Refused.unless(policies.check_held_on(held_on, today))
    notes = clean_text(notes, what="notes text", max_chars=policies.NOTES_MAX_CHARS, required=False)
    Refused.unless(policies.check_notes(notes, passed=passed))
    # Serialise recordings for this listener, then refuse a repeat of the same chat.
    list(User.objects.select_for_update().filter(pk=listener.pk).values("pk"))
    if MockChatAssessment.objects.filter(
        assessor=assessor, listener=listener, held_on=held_on
    ).exists():
        raise Conflict(
            f"You already recorded a mock chat with {listener.username} on {held_on:%d %b %Y}."
        )
    assessment = MockChatAssessment(
        assessor=assessor, listener=listener, held_on=held_on, passed=passed, notes=notes
    )
    assessment.full_clean()
    assessment.save()
    notices.send(
        [
            notices.mock_chat_recorded(
                listener.pk,
                assessor=assessor.username,
                held_on=held_on,
                passed=passed,
                notes=notes,
            )
        ]
    )
    if passed:
        record_activity(
            user=listener,
            kind=ActivityKind.MOCK_CHAT_PASSED,
            occurred_at=event_time(held_on, now),
            ref=Ref(MOCK_CHAT_REF, assessment.pk),
        )
    return assessment
