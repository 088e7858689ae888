from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.events.models import RSVP, Event, RotaSlot, RSVPStatus
from peerpath.events.tests.helpers import make_event
from tests.authz import mask_csrf

pytestmark = pytest.mark.django_db


def _local(at: dt.datetime, tz) -> str:
    return timezone.localtime(at, tz).strftime("%Y-%m-%dT%H:%M")


def _form(user, **overrides):
    starts = timezone.now() + dt.timedelta(days=3)
    data = {
        "kind": "ama",
        "title": "Ask the mentors",
        "description": "",
        "band": "adult",
        "starts_at": _local(starts, user.tzinfo),
        "ends_at": _local(starts + dt.timedelta(hours=1), user.tzinfo),
        "video_url": "https://video.example.org/ama",
        "capacity": "20",
        "waitlist": "on",
        "host_slots": "2",
    }
    data.update(overrides)
    return data


def test_the_list_shows_only_the_viewers_band(client, world):
    mine = make_event(band="adult", title="Adults only AMA")
    make_event(band="teen", title="Teens only AMA")
    client.force_login(world.adult_member)

    response = client.get("/events/")

    assert response.status_code == 200
    text = response.content.decode()
    assert mine.title in text
    assert "Teens only AMA" not in text


def test_a_bad_filter_is_400(client, world):
    client.force_login(world.adult_member)
    assert client.get("/events/?kind=party").status_code == 400
    assert client.get("/events/?kind=webinar").status_code == 200
    htmx = client.get("/events/?kind=webinar", headers={"HX-Request": "true"})
    assert htmx.status_code == 200
    assert b"<html" not in htmx.content


def test_another_bands_event_looks_exactly_missing(client, world):
    teen = make_event(band="teen")
    client.force_login(world.adult_member)

    hidden = client.get(f"/events/{teen.pk}/")
    missing = client.get("/events/999999/")

    assert hidden.status_code == missing.status_code == 404
    assert mask_csrf(hidden.content) == mask_csrf(missing.content)
    assert client.get(f"/events/{teen.pk}/event.ics").status_code == 404
    assert client.post(f"/events/{teen.pk}/rsvp/").status_code == 404
    assert RSVP.objects.count() == 0


def test_descriptions_are_shown_as_text_never_markup(client, world):
    event = make_event(description='<script>alert("x")</script> **bold**')
    client.force_login(world.adult_member)

    text = client.get(f"/events/{event.pk}/").content.decode()

    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; **bold**" in text


def test_staff_create_an_event_in_their_own_time_zone(client, world):
    client.force_login(world.staff)
    data = _form(world.staff)

    response = client.post("/events/new/", data)

    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/events/{event.pk}/"
    assert _local(event.starts_at, world.staff.tzinfo) == data["starts_at"]
    assert RotaSlot.objects.filter(event=event).count() == 2


@pytest.mark.parametrize(
    "overrides",
    [
        {"starts_at": "2001-01-01T10:00", "ends_at": "2001-01-01T11:00"},
        {"video_url": "http://insecure.example.org"},
        {"video_url": ""},
        {"capacity": "0"},
        {"capacity": "many"},
        {"kind": "party"},
        {"title": ""},
        {"host_slots": "99"},
        {"band": "child"},
    ],
)
def test_bad_input_is_400_and_nothing_is_saved(client, world, overrides):
    client.force_login(world.staff)

    response = client.post("/events/new/", _form(world.staff, **overrides))

    assert response.status_code == 400
    assert Event.objects.count() == 0
    assert RotaSlot.objects.count() == 0


def test_members_and_plain_mentors_cannot_open_the_form(client, world):
    for person in (world.adult_member, world.mentor):
        client.force_login(person)
        assert client.get("/events/new/").status_code == 403
        assert client.post("/events/new/", _form(person)).status_code == 403
    assert Event.objects.count() == 0


def test_rsvp_then_a_duplicate_is_refused_with_a_reason(client, world):
    event = make_event()
    client.force_login(world.adult_member)

    first = client.post(f"/events/{event.pk}/rsvp/")
    second = client.post(f"/events/{event.pk}/rsvp/")

    assert first.status_code == 302
    assert second.status_code == 409
    assert "already have a place" in second.content.decode()
    assert RSVP.objects.filter(user=world.adult_member, status=RSVPStatus.CONFIRMED).count() == 1
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "You have a place." in page


def test_waitlist_position_is_shown(client, world):
    event = make_event(capacity=1)
    RSVP.objects.create(
        event=event, user=world.adult_listener, status="confirmed", queued_at=timezone.now()
    )
    client.force_login(world.adult_member)
    client.post(f"/events/{event.pk}/rsvp/")
    assert "number 1 on the waitlist" in client.get(f"/events/{event.pk}/").content.decode()


def test_a_mentor_volunteers_from_the_page(client, world):
    event = make_event(slots=1)
    slot = event.slots.get()
    client.force_login(world.mentor)

    assert "Volunteer to host" in client.get(f"/events/{event.pk}/").content.decode()
    response = client.post(f"/events/slots/{slot.pk}/volunteer/")

    assert response.status_code == 302
    assert list(event.hosts.all()) == [world.mentor]
    again = client.post(f"/events/slots/{slot.pk}/volunteer/")
    assert again.status_code == 400
    assert "already hosting" in again.content.decode()


def test_a_host_marks_the_event_held_with_attendance(client, world):
    event = make_event(starts_in=-dt.timedelta(hours=2), hosts=(world.mentor,))
    make_event(starts_in=-dt.timedelta(days=1), title="Someone else's")  # not the mentor's
    client.force_login(world.adult_member)
    assert f"/events/{event.pk}/" not in client.get("/events/").content.decode()
    client.force_login(world.mentor)
    listed = client.get("/events/").content.decode()
    assert 'data-testid="to-close"' in listed
    assert f"/events/{event.pk}/" in listed
    assert "Someone else" not in listed
    for person in (world.adult_member, world.adult_listener):
        RSVP.objects.create(
            event=event, user=person, status="confirmed", queued_at=event.created_at
        )
    client.force_login(world.mentor)

    bad = client.post(f"/events/{event.pk}/held/", {"attended": ["999999"]})
    assert bad.status_code == 400
    response = client.post(f"/events/{event.pk}/held/", {"attended": [world.adult_member.pk]})

    assert response.status_code == 302
    attended = set(RSVP.objects.filter(attended=True).values_list("user_id", flat=True))
    assert attended == {world.adult_member.pk}
    assert 'data-testid="to-close"' not in client.get("/events/").content.decode()


def test_the_rota_page(client, world):
    make_event(slots=1, title="Needs a host")
    client.force_login(world.mentor)
    mentor_page = client.get("/events/rota/")
    assert mentor_page.status_code == 200
    assert 'data-testid="own-status"' in mentor_page.content.decode()
    assert "Needs a host" in mentor_page.content.decode()
    assert 'data-testid="coverage"' not in mentor_page.content.decode()

    client.force_login(world.staff)
    staff_page = client.get("/events/rota/").content.decode()
    assert 'data-testid="coverage"' in staff_page
    assert world.mentor.username in staff_page

    client.force_login(world.adult_member)
    assert client.get("/events/rota/").status_code == 403
