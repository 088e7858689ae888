from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.events import selectors
from peerpath.events.demo import seed_events
from peerpath.events.models import RSVP, Event, EventStatus

pytestmark = pytest.mark.django_db


def test_seed_events_writes_both_bands_with_varied_rota_statuses():
    now = timezone.now()
    make = UserFactory.create
    mentors = [make(username=f"dm-{i}", listener=True, roles=[Role.MENTOR]) for i in range(4)]
    teens = [make(username=f"dt-{i}", teen=True, listener=True) for i in range(3)]
    adults = [make(username=f"da-{i}") for i in range(5)]
    User.objects.filter(pk__in=[u.pk for u in mentors + teens + adults]).update(
        date_joined=now - dt.timedelta(days=400)
    )

    summary = seed_events(seed=1, anchor=now)

    assert summary.events == Event.objects.count() > 0
    assert set(Event.objects.values_list("band", flat=True)) == {"adult", "teen"}
    for rsvp in RSVP.objects.select_related("event", "user"):
        assert rsvp.user.age_band.value == rsvp.event.band
    held = Event.objects.filter(status=EventStatus.HELD)
    assert all(e.starts_at < now for e in held)
    assert ActivityEvent.objects.filter(kind=ActivityKind.EVENT_HOSTED).count() == held.count()
    statuses = {s.on_track for s in selectors.rota_statuses(now=now)}
    assert statuses == {True, False}
    assert "events" in summary.line()
    # A drop-in is on now, hosted by a mentor and not yet held: the host can mark it held.
    from peerpath.events.services import mark_held

    on_now = Event.objects.get(title="Drop-in: meet the mentors", band="adult")
    assert on_now.starts_at < now < on_now.ends_at
    assert on_now.status != EventStatus.HELD
    host = on_now.hosts.get()
    came = list(on_now.rsvps.values_list("user_id", flat=True))
    assert came
    mark_held(actor=host, event_id=on_now.pk, attended_ids=came[:1], now=now)
    assert Event.objects.get(pk=on_now.pk).status == EventStatus.HELD
