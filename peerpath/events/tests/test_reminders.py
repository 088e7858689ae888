"""The event reminder is a nudge rule ("event-reminder", trigger ``event_tomorrow``): the
engine sends it within 24 hours of the start, once per person and event."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.events.models import RSVP, EventStatus, RSVPStatus
from peerpath.events.tests.helpers import make_event
from peerpath.notifications.models import Notification
from peerpath.nudges import engine
from peerpath.nudges.models import NudgeRule

pytestmark = pytest.mark.django_db


def _run(at):
    engine.run(now=at, rules=[NudgeRule.objects.get(slug="event-reminder")])


def _reminders(user):
    return list(
        Notification.objects.filter(recipient=user, category="events").values_list(
            "title", "body", "url"
        )
    )


def test_a_reminder_fires_within_24_hours_not_before_and_not_twice(world):
    now = timezone.now()
    event = make_event(starts_in=dt.timedelta(days=3), title="Sleep webinar")
    for person, status in (
        (world.adult_member, RSVPStatus.CONFIRMED),
        (world.adult_listener, RSVPStatus.WAITLISTED),
        (world.moderator, RSVPStatus.CANCELLED),
    ):
        RSVP.objects.create(event=event, user=person, status=status, queued_at=now)

    _run(now + dt.timedelta(days=1))  # two days before: nothing
    assert _reminders(world.adult_member) == []

    _run(event.starts_at - dt.timedelta(hours=23))
    (reminder,) = _reminders(world.adult_member)
    starts = event.starts_at.astimezone(dt.UTC)
    assert reminder[0] == "Reminder: Sleep webinar"
    assert f"{starts:%a} {starts.day} {starts:%b, %H:%M} UTC" in reminder[1]
    assert "https://video.example.org/room" in reminder[1]
    assert reminder[2] == f"/events/{event.pk}/"

    _run(event.starts_at - dt.timedelta(hours=1))  # again, later: not twice
    assert len(_reminders(world.adult_member)) == 1
    assert _reminders(world.adult_listener) == []
    assert _reminders(world.moderator) == []


def test_no_reminder_for_cancelled_or_started_events(world):
    now = timezone.now()
    cancelled = make_event(starts_in=dt.timedelta(hours=5), status=EventStatus.CANCELLED)
    started = make_event(starts_in=dt.timedelta(hours=1))
    for event in (cancelled, started):
        RSVP.objects.create(
            event=event, user=world.adult_member, status=RSVPStatus.CONFIRMED, queued_at=now
        )

    _run(now + dt.timedelta(hours=2))

    assert _reminders(world.adult_member) == []
