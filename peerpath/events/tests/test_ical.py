"""Our iCalendar text, parsed back by a real iCalendar library (icalendar)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar
import pytest

from peerpath.events import ical
from peerpath.events.models import RSVP, RSVPStatus
from peerpath.events.tests.helpers import make_event
from peerpath.events.views import feed_token

START = dt.datetime(2030, 3, 5, 18, 0, tzinfo=dt.UTC)


def _one(**kwargs: Any) -> ical.CalendarEvent:
    data: dict[str, Any] = {
        "uid": "event-7@peerpath",
        "summary": "AMA, with mentors; bring questions\\ideas\nand snacks",
        "description": "Line one\nLine two, with a comma; and semicolon " + "é" * 80,
        "location": "Room: Calm, quiet",
        "url": "https://peerpath.example.org/events/7/",
        "starts_at": START,
        "ends_at": START + dt.timedelta(hours=1),
    }
    data.update(kwargs)
    return ical.CalendarEvent(**data)


def test_an_event_parses_back_with_the_same_fields():
    text = ical.calendar([_one()], name="Test, calendar", stamp=START)

    cal = icalendar.Calendar.from_ical(text)
    (event,) = cal.walk("VEVENT")

    assert str(event["SUMMARY"]) == "AMA, with mentors; bring questions\\ideas\nand snacks"
    assert str(event["DESCRIPTION"]).startswith("Line one\nLine two, with a comma; and")
    assert str(event["LOCATION"]) == "Room: Calm, quiet"
    assert str(event["UID"]) == "event-7@peerpath"
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + dt.timedelta(hours=1)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(cal["PRODID"]) == ical.PRODID


def test_lines_end_with_crlf_and_are_folded_at_75_octets():
    text = ical.calendar([_one()], name="n", stamp=START)

    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)  # the long description was folded
    assert "\n" not in text.replace("\r\n", "")
    # folding never splits a UTF-8 character
    for line in lines:
        line.encode().decode("utf-8")


def test_a_cancelled_event_says_so():
    text = ical.calendar([_one(cancelled=True)], name="n", stamp=START)
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"


@pytest.mark.django_db
def test_the_event_and_feed_routes_serve_parseable_calendars(world, client):
    event = make_event(title="Webinar: sleep, stress; and you")
    hosted = make_event(title="Hosted one", hosts=(world.adult_member,))
    make_event(title="Not mine")
    RSVP.objects.create(
        event=event, user=world.adult_member, status=RSVPStatus.CONFIRMED, queued_at=START
    )
    client.force_login(world.adult_member)

    single = client.get(f"/events/{event.pk}/event.ics")
    assert single.status_code == 200
    assert single["Content-Type"].startswith("text/calendar")
    (vevent,) = icalendar.Calendar.from_ical(single.content).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Webinar: sleep, stress; and you"
    assert vevent.decoded("DTSTART") == event.starts_at.replace(microsecond=0)

    client.logout()
    feed = client.get(f"/events/feed/{feed_token(world.adult_member)}.ics")
    assert feed.status_code == 200
    summaries = sorted(
        str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    )
    assert summaries == sorted([event.title, hosted.title])

    bad = client.get(f"/events/feed/{feed_token(world.adult_member)}x.ics")
    assert bad.status_code == 404
    assert bad["Content-Type"].startswith("text/plain")
