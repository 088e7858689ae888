"""The conversation log and check-ins."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.core.errors import Conflict, NotFound, Refused
from peerpath.mentorship.models import (
    CheckIn,
    Conversation,
    EndReason,
)
from peerpath.mentorship.services import (
    lifecycle,
    logs,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship

pytestmark = pytest.mark.django_db


def test_logging_a_call_counts_a_conversation_for_both():
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    today = timezone.localdate(timezone=mentee.tzinfo)
    c = logs.log_conversation(
        user=mentee, mentorship_id=m.pk, kind="call", day=today, note="20 minutes on the phone"
    ).obj
    assert c.logged_by_id == mentee.pk
    events = ActivityEvent.objects.filter(kind=ActivityKind.MENTOR_CONVERSATION)
    assert sorted(events.values_list("user_id", flat=True)) == sorted([mentor.pk, mentee.pk])
    assert set(events.values_list("ref_id", flat=True)) == {c.pk}


@pytest.mark.parametrize(
    ("kind", "day_offset", "message"),
    [
        ("chat", 0, "counted automatically"),
        ("carrier-pigeon", 0, "Choose call"),
        ("call", 2, "future"),
        ("call", -30, "before this mentorship"),
        ("call", -1, "before this mentorship"),  # issue 19: the day before it started
    ],
)
def test_bad_conversation_logs_are_refused(kind, day_offset, message):
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    day = timezone.localdate(timezone=mentee.tzinfo) + dt.timedelta(days=day_offset)
    with pytest.raises(Refused, match=message):
        logs.log_conversation(user=mentee, mentorship_id=m.pk, kind=kind, day=day)
    assert Conversation.objects.count() == 0
    assert not ActivityEvent.objects.exists()


def test_check_ins_from_each_side():
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    logs.check_in(user=mentee, mentorship_id=m.pk, rating=4, note="Going well")
    logs.check_in(user=mentor, mentorship_id=m.pk, rating=5)
    assert sorted(CheckIn.objects.values_list("author_id", "rating")) == sorted(
        [(mentee.pk, 4), (mentor.pk, 5)]
    )
    assert ActivityEvent.objects.filter(kind=ActivityKind.MENTOR_CHECK_IN).count() == 2
    for bad in (0, 6, -1):
        with pytest.raises(Refused, match="1 to 5"):
            logs.check_in(user=mentee, mentorship_id=m.pk, rating=bad)
    with pytest.raises(NotFound):
        logs.check_in(user=make_listener(), mentorship_id=m.pk, rating=3)
    lifecycle.end_mentorship(actor=mentee, mentorship_id=m.pk, reason=EndReason.COMPLETED)
    with pytest.raises(Conflict):
        logs.check_in(user=mentee, mentorship_id=m.pk, rating=3)
    assert CheckIn.objects.count() == 2
