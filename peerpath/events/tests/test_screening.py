"""Screening of event texts: on the "new event" page and when staff correct them in the
admin. The event is always saved; the writer sees help; the staff queue gets the alert (a
host is not a responder for someone else's text)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.errors import Refused
from peerpath.events.models import Event
from peerpath.safety.models import SafetyAlert
from tests.screening.admin_forms import change_form_data
from tests.screening.events import create_as

pytestmark = pytest.mark.django_db

CRISIS = "honestly i want to end my life tonight"
HELP = 'data-testid="crisis-help"'


def test_a_crisis_description_is_saved_queued_and_answered_with_help(world) -> None:
    saved = create_as(world.staff, description=f"Come along. {CRISIS}")

    assert saved.event.pk is not None  # never blocked
    assert saved.screening.resources
    alert = SafetyAlert.objects.get(source="events.Event", source_id=saved.event.pk)
    assert (alert.channel, alert.writer, alert.url) == (
        "event",
        world.staff,
        saved.event.get_absolute_url(),
    )
    assert alert.queued
    assert not alert.responders.exists()


def test_ordinary_texts_raise_nothing(world) -> None:
    saved = create_as(world.staff, description="Bring your questions about exams and stress.")
    assert saved.screening.alert is None
    assert not SafetyAlert.objects.exists()


def test_refused_input_screens_nothing(world) -> None:
    with pytest.raises(Refused):
        create_as(world.staff, title=CRISIS, capacity=0)
    assert not Event.objects.exists()
    assert not SafetyAlert.objects.exists()


def _local(at: dt.datetime, tz) -> str:
    return timezone.localtime(at, tz).strftime("%Y-%m-%dT%H:%M")


def test_the_event_page_shows_the_help_after_creating(client: Client, world) -> None:
    client.force_login(world.staff)
    starts = timezone.now() + dt.timedelta(days=3)
    data = {
        "kind": "ama",
        "title": CRISIS,
        "description": "",
        "band": "adult",
        "starts_at": _local(starts, world.staff.tzinfo),
        "ends_at": _local(starts + dt.timedelta(hours=1), world.staff.tzinfo),
        "video_url": "https://video.example.org/ama",
        "capacity": "20",
        "waitlist": "on",
        "host_slots": "0",
    }

    response = client.post("/events/new/", data, follow=True)

    event = Event.objects.get()
    assert response.redirect_chain[-1][0] == event.get_absolute_url()
    assert HELP in response.content.decode()
    assert SafetyAlert.objects.filter(source="events.Event", source_id=event.pk).exists()
    assert HELP not in client.get(event.get_absolute_url()).content.decode()


def test_bad_input_on_the_page_is_400_and_screens_nothing(client: Client, world) -> None:
    client.force_login(world.staff)
    response = client.post("/events/new/", {"title": CRISIS, "kind": "party"})
    assert response.status_code == 400
    assert HELP not in response.content.decode()
    assert not SafetyAlert.objects.exists()


def test_a_title_corrected_in_the_admin_is_screened(client: Client) -> None:
    staff = UserFactory.create(roles=[Role.STAFF])
    event = create_as(staff).event
    client.force_login(staff)
    url = f"/admin/events/event/{event.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200

    response = client.post(url, change_form_data(page, title=CRISIS))

    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert event.title == CRISIS
    alert = SafetyAlert.objects.get(source="events.Event", source_id=event.pk)
    assert alert.writer == staff
    # Saving again without touching the texts raises nothing new.
    client.post(url, change_form_data(client.get(url), capacity="30"))
    assert SafetyAlert.objects.count() == 1
