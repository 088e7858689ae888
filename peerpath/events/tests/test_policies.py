from __future__ import annotations

import datetime as dt

import pytest

from peerpath.events import policies
from peerpath.events.models import EventStatus
from peerpath.events.tests.helpers import make_event

pytestmark = pytest.mark.django_db


def test_an_event_is_seen_by_its_band_and_staff_only(world):
    adult_event = make_event(band="adult")
    teen_event = make_event(band="teen")

    assert policies.can_see_event(world.adult_member, adult_event)
    assert not policies.can_see_event(world.teen_member, adult_event)
    assert policies.can_see_event(world.teen_member, teen_event)
    assert not policies.can_see_event(world.adult_member, teen_event)
    assert policies.can_see_event(world.staff, teen_event)
    assert policies.can_see_event(world.staff, adult_event)
    assert policies.can_see_event(world.adult_member, teen_event).reason == policies.NOT_FOUND


def test_suspended_people_cannot_see_events(world):
    assert not policies.can_see_event(world.suspended, make_event(band="adult"))


def test_rsvp_needs_the_band_a_coming_event_and_not_being_a_host(world):
    event = make_event(band="adult")
    assert policies.can_rsvp(world.adult_member, event, frozenset())
    # staff see teen events but never take a seat among teens
    assert not policies.can_rsvp(world.staff, make_event(band="teen"), frozenset())
    hosting = policies.can_rsvp(world.adult_member, event, frozenset({world.adult_member.pk}))
    assert not hosting
    assert "hosting" in hosting.reason
    past = make_event(starts_in=-dt.timedelta(hours=1))
    assert "started" in policies.can_rsvp(world.adult_member, past, frozenset()).reason
    cancelled = make_event(status=EventStatus.CANCELLED)
    assert "cancelled" in policies.can_rsvp(world.adult_member, cancelled, frozenset()).reason


def test_only_mentors_of_the_band_volunteer(world):
    event = make_event(band="adult", slots=1)
    assert policies.can_volunteer(world.mentor, event, frozenset())
    assert not policies.can_volunteer(world.adult_listener, event, frozenset())
    assert not policies.can_volunteer(world.mentor, event, frozenset({world.mentor.pk}))
    teen_event = make_event(band="teen", slots=1)
    assert not policies.can_volunteer(world.mentor, teen_event, frozenset())


def test_hosts_creators_and_staff_run_an_event(world):
    event = make_event(created_by=world.moderator)
    assert policies.can_run_event(world.staff, event, frozenset())
    assert policies.can_run_event(world.moderator, event, frozenset())
    assert policies.can_run_event(world.mentor, event, frozenset({world.mentor.pk}))
    assert not policies.can_run_event(world.adult_member, event, frozenset())


def test_staff_and_mentor_leaders_organise(world):
    assert policies.can_organise(world.staff, frozenset())
    assert not policies.can_organise(world.mentor, frozenset())
    assert policies.can_organise(world.mentor, frozenset({"mentor-leader"}))
    assert policies.can_organise_for(world.mentor, "adult", frozenset({"mentor-leader"}))
    teen = policies.can_organise_for(world.mentor, "teen", frozenset({"mentor-leader"}))
    assert not teen
    assert policies.can_organise_for(world.staff, "teen", frozenset())


def test_the_rota_is_for_mentors_and_staff(world):
    assert policies.can_view_rota(world.mentor)
    assert policies.can_view_rota(world.staff)
    assert not policies.can_view_rota(world.adult_listener)


def test_the_organiser_and_staff_cancel_a_coming_event_hosts_do_not(world):
    event = make_event(created_by=world.moderator)
    assert policies.can_cancel_event(world.staff, event)
    assert policies.can_cancel_event(world.moderator, event)
    # a host (e.g. a mentor who just volunteered) runs the event but does not call it off
    assert policies.can_run_event(world.mentor, event, frozenset({world.mentor.pk}))
    refused = policies.can_cancel_event(world.mentor, event)
    assert refused.reason == "Only the event's organiser and staff can cancel it."
    assert not policies.can_cancel_event(world.adult_member, event)
    started = make_event(created_by=world.moderator, starts_in=-dt.timedelta(minutes=5))
    assert policies.can_cancel_event(world.staff, started).reason == policies.STARTED
    gone = make_event(created_by=world.moderator, status=EventStatus.CANCELLED)
    assert policies.can_cancel_event(world.staff, gone).reason == policies.ALREADY_CANCELLED


def test_a_mentor_releases_only_their_own_slot_of_a_coming_event(world):
    event = make_event()
    assert policies.can_release_slot(world.mentor, world.mentor.pk, event)
    assert not policies.can_release_slot(world.mentor, None, event)
    assert not policies.can_release_slot(world.mentor, world.staff.pk, event)
    started = make_event(starts_in=-dt.timedelta(minutes=5))
    assert not policies.can_release_slot(world.mentor, world.mentor.pk, started)
