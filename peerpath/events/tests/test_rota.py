from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import Ref, record_activity
from peerpath.events import selectors
from peerpath.events.models import RotaSettings
from peerpath.events.tests.helpers import make_event

pytestmark = pytest.mark.django_db


def _mentor(name):
    return UserFactory.create(username=name, listener=True, roles=[Role.MENTOR])


def _hosted(user, at, ref_id):
    record_activity(
        user=user, kind=ActivityKind.EVENT_HOSTED, occurred_at=at, ref=Ref("events.event", ref_id)
    )


def _status(mentor, now):
    (status,) = selectors.rota_statuses(mentor_ids=[mentor.pk], now=now)
    return status


def test_hosted_seven_months_ago_is_due_and_two_months_ago_on_track():
    now = timezone.now()
    lapsed, active = _mentor("lapsed-mentor"), _mentor("active-mentor")
    _hosted(lapsed, selectors.add_months(now, -7), 1)
    _hosted(active, selectors.add_months(now, -2), 2)

    late, fine = _status(lapsed, now), _status(active, now)

    assert not late.on_track
    assert late.overdue
    assert late.due_by == selectors.add_months(selectors.add_months(now, -7), 6)
    assert late.label.startswith("overdue: host 1 event")
    assert fine.on_track
    assert fine.label == "on track"
    assert fine.hosted == 1


def test_time_travel_an_on_track_mentor_falls_due_six_months_after_hosting():
    now = timezone.now()
    mentor = _mentor("travelling-mentor")
    hosted_at = now - dt.timedelta(days=10)
    _hosted(mentor, hosted_at, 3)
    due = selectors.add_months(hosted_at, 6)

    assert _status(mentor, now).on_track
    assert _status(mentor, due - dt.timedelta(days=1)).on_track
    later = _status(mentor, due + dt.timedelta(days=1))
    assert not later.on_track
    assert later.due_by == due
    assert later.overdue
    # the past never sees the future: before hosting they were due from becoming a mentor
    before = _status(mentor, hosted_at - dt.timedelta(days=1))
    assert before.hosted == 0
    assert not before.on_track


def test_a_new_mentor_is_due_six_months_after_becoming_one():
    now = timezone.now()
    mentor = _mentor("new-mentor")

    status = _status(mentor, now)

    assert not status.overdue
    assert status.due_by == selectors.add_months(mentor.date_joined, 6)
    assert status.label.startswith("due: host 1 event by ")


def test_the_commitment_is_configurable():
    now = timezone.now()
    mentor = _mentor("busy-mentor")
    _hosted(mentor, now - dt.timedelta(days=30), 4)
    cfg = RotaSettings.load()
    cfg.commitment_events = 2
    cfg.save()

    status = _status(mentor, now)

    assert not status.on_track
    assert status.label.startswith("due: host 1 event by")


def test_add_months_clamps_to_the_months_last_day():
    at = dt.datetime(2025, 8, 31, 12, tzinfo=dt.UTC)
    assert selectors.add_months(at, 6) == dt.datetime(2026, 2, 28, 12, tzinfo=dt.UTC)
    assert selectors.add_months(at, -6) == dt.datetime(2025, 2, 28, 12, tzinfo=dt.UTC)


def test_coverage_counts_events_and_open_slots_per_week():
    now = dt.datetime(2030, 1, 2, 12, tzinfo=dt.UTC)  # a Wednesday
    make_event(now=now, starts_in=dt.timedelta(days=1), slots=0)  # week 0: covered
    make_event(now=now, starts_in=dt.timedelta(days=8), slots=2)  # week 1: 2 open

    weeks = selectors.coverage(weeks=3, now=now)

    assert [(w.starts, w.events, w.open_slots, w.covered) for w in weeks] == [
        (dt.date(2029, 12, 31), 1, 0, True),
        (dt.date(2030, 1, 7), 1, 2, False),
        (dt.date(2030, 1, 14), 0, 0, False),
    ]
    assert weeks[2].label == "no events"
