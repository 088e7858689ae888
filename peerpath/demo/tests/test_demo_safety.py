"""The demo's safeguarding history: written through the safety services, across channels and
weeks, handled by the safeguarding team, with two new alerts for their responders."""

from __future__ import annotations

import datetime as dt

import pytest

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.demo.generator import Size, seed_demo
from peerpath.demo.safety import HISTORY, seed_safety
from peerpath.notifications.models import Notification
from peerpath.safety import selectors
from peerpath.safety.models import AccessKind, AlertAccess, SafetyAlert

ANCHOR = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(0), tzinfo=dt.UTC)
SIZE = Size(users=600, events_per_user=2.0)


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True


@pytest.fixture
def seeded(db, django_capture_on_commit_callbacks):
    seed_demo(SIZE, seed=5, anchor=ANCHOR)
    with django_capture_on_commit_callbacks(execute=True):  # the notices, as after a commit
        return seed_safety(seed=5, anchor=ANCHOR)


def test_history_through_the_services(seeded):
    staff = User.objects.get(username="demo-staff")
    assert staff.has_role(Role.SAFEGUARDING)
    alerts = SafetyAlert.objects.all()
    assert seeded.alerts == alerts.count() == len(HISTORY) + 2
    assert seeded.open == 3
    assert {a.status for a in alerts} == {"new", "acknowledged", "resolved"}
    assert alerts.filter(resolved_at__isnull=False).count() == len(HISTORY) - 1
    assert len(set(alerts.values_list("channel", flat=True))) >= 6
    assert all(a.created_at < ANCHOR for a in alerts)
    weeks = {(ANCHOR - a.created_at).days // 7 for a in alerts}
    assert len(weeks) >= 6
    # Writers are generated people of the band the alert records, at the time.
    for alert in alerts.select_related("writer"):
        assert not alert.writer.username.startswith("demo-") or alert.channel == "mentorship_chat"
        band = alert.writer.age_band_at(alert.created_at)
        assert alert.writer_band == ("adult" if band is AgeBand.ADULT else "teen")
    assert alerts.filter(writer_band="teen").count() == 2
    # Handled with realistic times, all audited.
    for alert in alerts.filter(acknowledged_at__isnull=False):
        assert alert.acknowledged_at is not None
        assert dt.timedelta(0) < alert.acknowledged_at - alert.created_at <= dt.timedelta(hours=1)
        assert alert.acknowledged_by == staff
    assert AlertAccess.objects.filter(kind=AccessKind.RESOLVE).count() == len(HISTORY) - 1


def test_new_alerts_reach_their_responders_and_the_triage(seeded):
    moderator = User.objects.get(username="demo-moderator")
    mentor = User.objects.get(username="demo-mentor")
    staff = User.objects.get(username="demo-staff")
    assert selectors.for_responder(moderator).count() == 1
    assert selectors.for_responder(mentor).count() == 1
    assert selectors.for_responder(staff).count() == 1  # the private chat's safeguarding team
    # Nobody is notified today of what was handled weeks ago.
    told = set(Notification.objects.filter(category="safety").values_list("recipient", flat=True))
    assert told == {moderator.pk, mentor.pk, staff.pk}
    figures = selectors.triage(now=ANCHOR + dt.timedelta(hours=1))
    assert figures.unacknowledged_now == 2
    assert figures.open_now == 3
    assert figures.ack_p50_minutes is not None
    assert sum(sum(v) for v in figures.by_channel.values()) == len(HISTORY) + 2
    assert selectors.queue(status="new").count() == 2


def test_seeding_twice_adds_nothing(seeded):
    count = SafetyAlert.objects.count()
    again = seed_safety(seed=5, anchor=ANCHOR)
    assert again.alerts == 0
    assert SafetyAlert.objects.count() == count
