"""Scheduling sessions in the viewer's time zone, starting, ending and cancelling them,
the room page's session buttons and feedback offers, and hosting time."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.progression.models import Achievement, AwardSource
from peerpath.progression.services.awards import grant_award
from peerpath.rooms.models import (
    HostingQuota,
    Participation,
    Room,
    RoomSession,
    RoomStaff,
    RoomStaffKind,
    SessionKind,
)
from peerpath.rooms.tests.pages import JSON, XSS, moderator, person, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_our_rooms")]


def local(days: int, hour: int, tz: str = "Europe/London") -> dt.datetime:
    day = (timezone.now() + dt.timedelta(days=days)).astimezone(zoneinfo.ZoneInfo(tz)).date()
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(tz))


def session_data(**overrides: Any) -> dict[str, str]:
    start = local(10, 18)
    data = {
        "kind": SessionKind.SHARING_CIRCLE.value,
        "title": "Evening circle",
        "description": "Come as you are.",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "host": "",
    }
    data.update(overrides)
    return data


def test_schedule_a_session_in_the_viewers_time_zone(login, rooms) -> None:
    mod = moderator()
    mod.timezone = "America/New_York"
    mod.save(update_fields=["timezone"])
    c = login(mod)
    assert c.get("/rooms/evening-room/sessions/new/").status_code == 200
    start = local(10, 18, "America/New_York")
    data = session_data(
        starts_at=start.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(start + dt.timedelta(minutes=90)).strftime("%Y-%m-%dT%H:%M"),
    )
    response = c.post("/rooms/evening-room/sessions/new/", data)
    assert response.status_code == 302, text(response)
    s = RoomSession.objects.get()
    assert s.starts_at == start
    assert s.ends_at - s.starts_at == dt.timedelta(minutes=90)
    assert (s.host, s.created_by, s.room) == (mod, mod, rooms["adult"])


def test_schedule_with_a_named_host(login, rooms) -> None:
    host = moderator(username="host-hana")
    response = login(moderator()).post(
        "/rooms/evening-room/sessions/new/", session_data(host="HOST-hana")
    )
    assert response.status_code == 302
    assert RoomSession.objects.get().host == host


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Please give the session a title."),
        ({"title": "x" * 121}, "at most 120 characters"),
        ({"kind": "party"}, "from the list"),
        ({"starts_at": "tomorrow"}, "Enter a date and time"),
        ({"starts_at": "2001-01-01T10:00"}, "cannot start in the past"),
        ({"starts_at": "2999-01-01T10:00", "ends_at": "2999-01-01T11:00"}, "up to a year"),
        ({"ends_at": "{start}"}, "must end after it starts"),
        ({"ends_at": "{start-1h}"}, "must end after it starts"),
        ({"ends_at": "{start+5h}"}, "at most 4 hours"),
        ({"host": "nobody-at-all"}, "There is no one with that username."),
        ({"host": "{teen}"}, "There is no one with that username."),
        ({"host": "{member}"}, "hosting role"),
        ({"description": XSS * 100}, "at most 2000 characters"),
    ],
)
def test_bad_session_input_is_a_400(login, rooms, overrides, message) -> None:
    start = local(10, 18)
    fmt = "%Y-%m-%dT%H:%M"
    swaps = {
        "{start}": start.strftime(fmt),
        "{start-1h}": (start - dt.timedelta(hours=1)).strftime(fmt),
        "{start+5h}": (start + dt.timedelta(hours=5)).strftime(fmt),
        "{teen}": person(teen=True, listener=True, username="teen-host").username,
        "{member}": person(username="plain-member").username,
    }
    data = session_data(**{k: swaps.get(v, v) for k, v in overrides.items()})
    response = login(moderator()).post("/rooms/evening-room/sessions/new/", data)
    assert response.status_code == 400
    assert message in text(response)
    assert not RoomSession.objects.exists()


def test_session_clash_is_a_409(login, rooms) -> None:
    c = login(moderator())
    assert c.post("/rooms/evening-room/sessions/new/", session_data()).status_code == 302
    again = c.post("/rooms/evening-room/sessions/new/", session_data(title="Second"))
    assert again.status_code == 409
    assert "Another session is scheduled" in text(again)
    assert RoomSession.objects.count() == 1


def test_only_hosts_and_moderators_schedule(login, rooms) -> None:
    member = login(person())
    assert member.get("/rooms/evening-room/sessions/new/").status_code == 403
    assert member.post("/rooms/evening-room/sessions/new/", session_data()).status_code == 403
    assert login(moderator()).get("/rooms/teen-lounge/sessions/new/").status_code == 404
    host = person(listener=True)
    RoomStaff.objects.create(user=host, kind=RoomStaffKind.HOST, room=rooms["adult"])
    assert login(host).post("/rooms/evening-room/sessions/new/", session_data()).status_code == 302
    assert not RoomSession.objects.exclude(host=host).exists()


def make_session(room: Room, host: User, *, starts_in: dt.timedelta) -> RoomSession:
    now = timezone.now()
    s: RoomSession = RoomSession.objects.create(
        room=room,
        kind=SessionKind.SUPPORT_SESSION,
        title="Support hour",
        host=host,
        starts_at=now + starts_in,
        ends_at=now + starts_in + dt.timedelta(hours=1),
    )
    return s


def test_start_end_and_cancel_sessions(login, rooms) -> None:
    host = moderator()
    s = make_session(rooms["adult"], host, starts_in=dt.timedelta(minutes=5))
    member = login(person())
    assert member.post(f"/rooms/sessions/{s.pk}/start/", **JSON).status_code == 403
    assert login(moderator(teen=True)).post(f"/rooms/sessions/{s.pk}/start/").status_code == 404
    c = login(host)
    assert c.post(f"/rooms/sessions/{s.pk}/end/", **JSON).status_code == 409  # not started
    assert c.post(f"/rooms/sessions/{s.pk}/start/", **JSON).status_code == 200
    s.refresh_from_db()
    assert s.started_at is not None
    assert c.post(f"/rooms/sessions/{s.pk}/start/", **JSON).status_code == 409
    assert c.post(f"/rooms/sessions/{s.pk}/cancel/", **JSON).status_code == 409
    response = c.post(f"/rooms/sessions/{s.pk}/end/", {"next": "/rooms/evening-room/"})
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.ended_at is not None
    later = make_session(rooms["adult"], host, starts_in=dt.timedelta(days=2))
    too_early = c.post(f"/rooms/sessions/{later.pk}/start/", **JSON)
    assert too_early.status_code == 400
    assert "15 minutes before" in too_early.json()["error"]
    assert c.post(f"/rooms/sessions/{later.pk}/cancel/", **JSON).status_code == 200
    later.refresh_from_db()
    assert later.cancelled_at is not None
    assert c.post("/rooms/sessions/999999/start/").status_code == 404


def test_room_page_shows_session_buttons_to_its_host(login, rooms) -> None:
    host = moderator()
    s = make_session(rooms["adult"], host, starts_in=dt.timedelta(minutes=5))
    assert f"/rooms/sessions/{s.pk}/start/" in text(login(host).get("/rooms/evening-room/"))
    assert f"/rooms/sessions/{s.pk}/start/" not in text(login(person()).get("/rooms/evening-room/"))


def test_start_is_offered_only_once_the_session_can_be_started(login, rooms) -> None:
    # issue 19: "Start" showed days early and led to "can be started from 15 minutes before"
    host = moderator()
    host.timezone = "Europe/London"
    host.save(update_fields=["timezone"])
    later = make_session(rooms["adult"], host, starts_in=dt.timedelta(days=2))
    page = text(login(host).get("/rooms/evening-room/"))
    assert f"/rooms/sessions/{later.pk}/start/" not in page
    assert f"/rooms/sessions/{later.pk}/cancel/" in page  # it can still be cancelled
    opens = timezone.localtime(
        later.starts_at - dt.timedelta(minutes=15), zoneinfo.ZoneInfo("Europe/London")
    )
    assert f'You can start it from <time datetime="{opens.isoformat()}">' in page
    assert opens.strftime("%H:%M") in page


def test_room_page_offers_feedback_for_a_session_one_joined(login, rooms) -> None:
    host = moderator()
    s = make_session(rooms["adult"], host, starts_in=dt.timedelta(hours=-2))
    s.started_at = s.starts_at
    s.ended_at = s.ends_at
    s.save()
    guest, bystander = person(), person()
    Participation.objects.create(
        user=guest, room=rooms["adult"], session=s, day=s.starts_at.date(), created_at=s.starts_at
    )
    link = f"/feedback/give/{host.username}/"
    assert link in text(login(guest).get("/rooms/evening-room/"))
    assert link not in text(login(bystander).get("/rooms/evening-room/"))
    assert link not in text(login(host).get("/rooms/evening-room/"))  # not for one's own session
    # The link leads to a form the feedback app accepts for this guest.
    assert login(guest).get(link).status_code == 200


def hosted(room: Room, host: User, minutes: int) -> RoomSession:
    start = timezone.now() - dt.timedelta(hours=3)
    s: RoomSession = RoomSession.objects.create(
        room=room,
        kind=SessionKind.SHARING_CIRCLE,
        title="Circle",
        host=host,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes),
        started_at=start,
        ended_at=start + dt.timedelta(minutes=minutes),
    )
    return s


def test_hosting_page_permissions(login, rooms) -> None:
    host_a = person(listener=True, username="host-amy")
    host_b = person(listener=True, username="host-ben")
    teen_host = person(teen=True, listener=True, username="teen-host-tom")
    hosted(rooms["adult"], host_a, 60)
    hosted(rooms["adult"], host_b, 45)
    hosted(rooms["teen"], teen_host, 30)
    assert login(person()).get("/rooms/hosting/").status_code == 404
    staff_page = text(login(person(roles=[Role.STAFF])).get("/rooms/hosting/"))
    assert "host-amy" in staff_page
    assert "teen-host-tom" in staff_page
    mod_page = text(login(moderator()).get("/rooms/hosting/"))
    assert "host-amy" in mod_page
    assert "host-ben" in mod_page
    assert "teen-host-tom" not in mod_page  # another band
    own = login(host_a).get("/rooms/hosting/")
    assert own.status_code == 200
    assert "host-amy" in text(own)
    assert "host-ben" not in text(own)
    assert "60" in text(own)


def test_hosting_shows_quota_met_or_not(login, rooms) -> None:
    HostingQuota.objects.update_or_create(
        role_slug="sharing-circle-host", defaults={"minutes_per_month": 120}
    )
    host = person(listener=True, username="host-amy")
    grant_award(
        user=host,
        achievement=Achievement.objects.get(slug="sharing-circle-host"),
        source=AwardSource.STAFF,
        reasons="test",
    )
    hosted(rooms["adult"], host, 60)
    page = text(login(moderator()).get("/rooms/hosting/"))
    assert "120 min" in page
    assert "Not met" in page
