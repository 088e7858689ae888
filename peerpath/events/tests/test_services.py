from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.events import selectors, services
from peerpath.events.models import RSVP, Event, EventStatus, RotaSlot, RSVPStatus
from peerpath.events.tests.helpers import make_event
from peerpath.notifications.models import Notification
from peerpath.rooms.tests.helpers import make_room
from tests.screening.events import create_as

pytestmark = pytest.mark.django_db


def _create(actor, **overrides):
    return create_as(actor, **{"band": "adult", "host_slots": 2, **overrides}).event


# --- Creating ------------------------------------------------------------------------------


def test_staff_create_an_event_with_open_host_slots(world):
    event = _create(world.staff)

    assert event.created_by == world.staff
    slots = RotaSlot.objects.filter(event=event)
    assert list(slots.values_list("position", flat=True)) == [1, 2]
    assert not slots.filter(mentor__isnull=False).exists()


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"starts_at": timezone.now() - dt.timedelta(hours=1)}, "in the past"),
        ({"ends_at": timezone.now() + dt.timedelta(days=1)}, "end after it starts"),
        ({"capacity": 0}, "capacity"),
        ({"video_url": "http://video.example.org/x"}, "https://"),
        ({"video_url": "javascript:alert(1)"}, "https://"),
        ({"video_url": ""}, "one place"),
        ({"kind": "party"}, "kind"),
        ({"title": "  "}, "title"),
        ({"host_slots": 11}, "host slots"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_saved(world, overrides, reason):
    with pytest.raises(Refused) as exc:
        _create(world.staff, **overrides)

    assert reason in exc.value.message
    assert Event.objects.count() == 0
    assert RotaSlot.objects.count() == 0


def test_a_room_must_be_of_the_events_band(world):
    teen_room = make_room(band="teen")
    with pytest.raises(Refused, match="room of the event's age group"):
        _create(world.staff, video_url="", room_id=teen_room.pk)
    adult_room = make_room(band="adult")
    event = _create(world.staff, video_url="", room_id=adult_room.pk)
    assert event.room == adult_room


def test_members_and_plain_mentors_cannot_create_events(world):
    for person in (world.adult_member, world.mentor):
        with pytest.raises(Forbidden):
            _create(person)
    assert Event.objects.count() == 0


# --- RSVPs ---------------------------------------------------------------------------------


def test_rsvp_confirms_and_tells_the_person(world):
    event = make_event(capacity=2)

    row = services.rsvp(user=world.adult_member, event_id=event.pk)

    assert row.status == RSVPStatus.CONFIRMED
    note = Notification.objects.get(recipient=world.adult_member)
    assert note.category == "events"
    assert event.title in note.title


def test_a_second_rsvp_is_refused_and_nothing_changes(world):
    event = make_event()
    services.rsvp(user=world.adult_member, event_id=event.pk)
    before = list(RSVP.objects.values_list("pk", "status", "queued_at"))

    with pytest.raises(Conflict, match="already have a place"):
        services.rsvp(user=world.adult_member, event_id=event.pk)

    assert list(RSVP.objects.values_list("pk", "status", "queued_at")) == before


def test_over_capacity_goes_to_the_waitlist_in_order(world):
    event = make_event(capacity=1)
    services.rsvp(user=world.adult_member, event_id=event.pk)
    second = services.rsvp(user=world.adult_listener, event_id=event.pk)
    third = services.rsvp(user=world.moderator, event_id=event.pk)

    assert (second.status, third.status) == (RSVPStatus.WAITLISTED, RSVPStatus.WAITLISTED)
    assert selectors.waitlist_position(event, world.adult_listener) == 1
    assert selectors.waitlist_position(event, world.moderator) == 2
    with pytest.raises(Conflict, match="already on the waitlist"):
        services.rsvp(user=world.moderator, event_id=event.pk)


def test_over_capacity_without_a_waitlist_is_refused(world):
    event = make_event(capacity=1, waitlist=False)
    services.rsvp(user=world.adult_member, event_id=event.pk)

    with pytest.raises(Conflict, match="full"):
        services.rsvp(user=world.adult_listener, event_id=event.pk)

    assert not RSVP.objects.filter(user=world.adult_listener).exists()


def test_cancelling_promotes_the_first_waitlisted_person_who_is_told(world):
    event = make_event(capacity=1)
    services.rsvp(user=world.adult_member, event_id=event.pk)
    services.rsvp(user=world.adult_listener, event_id=event.pk)
    services.rsvp(user=world.moderator, event_id=event.pk)

    services.cancel_rsvp(user=world.adult_member, event_id=event.pk)

    statuses = dict(RSVP.objects.values_list("user__username", "status"))
    assert statuses == {
        world.adult_member.username: RSVPStatus.CANCELLED,
        world.adult_listener.username: RSVPStatus.CONFIRMED,
        world.moderator.username: RSVPStatus.WAITLISTED,
    }
    assert Notification.objects.filter(
        recipient=world.adult_listener, title__startswith="A place freed up"
    ).exists()
    # renewing a cancelled RSVP re-uses the row and joins the end of the queue
    again = services.rsvp(user=world.adult_member, event_id=event.pk)
    assert again.status == RSVPStatus.WAITLISTED
    assert selectors.waitlist_position(event, world.adult_member) == 2


def test_an_event_in_the_past_is_refused(world):
    event = make_event(starts_in=-dt.timedelta(minutes=5))
    with pytest.raises(Refused, match="already started"):
        services.rsvp(user=world.adult_member, event_id=event.pk)
    assert RSVP.objects.count() == 0


def test_the_other_band_cannot_rsvp_and_learns_nothing(world):
    event = make_event(band="teen")
    with pytest.raises(NotFound):
        services.rsvp(user=world.adult_member, event_id=event.pk)
    with pytest.raises(NotFound):
        services.rsvp(user=world.adult_member, event_id=999_999)
    assert RSVP.objects.count() == 0


# --- The rota ------------------------------------------------------------------------------


def test_a_mentor_volunteers_and_becomes_a_host(world):
    event = make_event(slots=2)
    slot = event.slots.get(position=1)

    taken = services.volunteer(mentor=world.mentor, slot_id=slot.pk)

    assert taken.mentor == world.mentor
    assert taken.taken_at is not None
    assert list(event.hosts.all()) == [world.mentor]


def test_a_slot_taken_twice_is_refused(world):
    event = make_event(slots=1)
    slot = event.slots.get()
    other = UserFactory.create(username="other-mentor", listener=True, roles=[Role.MENTOR])
    services.volunteer(mentor=world.mentor, slot_id=slot.pk)

    with pytest.raises(Conflict, match="just taken"):
        services.volunteer(mentor=other, slot_id=slot.pk)

    assert list(event.hosts.all()) == [world.mentor]
    assert RotaSlot.objects.get(pk=slot.pk).mentor == world.mentor


def test_the_conditional_update_decides_a_race_for_the_last_slot(world, monkeypatch):
    """Both mentors pass the policy check (the slot looked open to each); the second's
    conditional UPDATE finds the slot taken and nothing of theirs is written."""
    event = make_event(slots=1)
    slot = event.slots.get()
    other = UserFactory.create(username="racing-mentor", listener=True, roles=[Role.MENTOR])
    real_host_ids = selectors.host_ids

    def racing_host_ids(ev):
        # the rival commits between our checks and our UPDATE
        if not RotaSlot.objects.filter(pk=slot.pk, mentor__isnull=False).exists():
            RotaSlot.objects.filter(pk=slot.pk).update(mentor=other, taken_at=timezone.now())
        return real_host_ids(ev)

    monkeypatch.setattr(selectors, "host_ids", racing_host_ids)
    with pytest.raises(Conflict, match="just taken"):
        services.volunteer(mentor=world.mentor, slot_id=slot.pk)

    # (the simulated rival wrote on our connection, so the refusal rolled it back too)
    assert not event.hosts.filter(pk=world.mentor.pk).exists()
    assert not RotaSlot.objects.filter(mentor=world.mentor).exists()


def test_one_mentor_takes_one_slot_per_event(world):
    event = make_event(slots=2)
    first, second = event.slots.order_by("position")
    services.volunteer(mentor=world.mentor, slot_id=first.pk)

    with pytest.raises(Refused, match="already hosting"):
        services.volunteer(mentor=world.mentor, slot_id=second.pk)

    assert RotaSlot.objects.get(pk=second.pk).mentor is None


def test_non_mentors_cannot_volunteer(world):
    event = make_event(slots=1)
    with pytest.raises(Refused, match="for mentors"):
        services.volunteer(mentor=world.adult_listener, slot_id=event.slots.get().pk)
    assert event.slots.get().mentor is None


def test_marking_held_records_hosting_and_attendance(world):
    event = make_event(
        starts_in=-dt.timedelta(hours=2), hosts=(world.mentor,), created_by=world.staff
    )
    for person in (world.adult_member, world.adult_listener):
        RSVP.objects.create(
            event=event, user=person, status=RSVPStatus.CONFIRMED, queued_at=timezone.now()
        )

    services.mark_held(actor=world.mentor, event_id=event.pk, attended_ids=[world.adult_member.pk])

    event.refresh_from_db()
    assert event.status == EventStatus.HELD
    kinds = set(
        ActivityEvent.objects.filter(ref_type="events.event", ref_id=event.pk).values_list(
            "user__username", "kind"
        )
    )
    assert kinds == {
        (world.mentor.username, ActivityKind.EVENT_HOSTED),
        (world.adult_member.username, ActivityKind.EVENT_ATTENDED),
    }
    with pytest.raises(Conflict):
        services.mark_held(actor=world.mentor, event_id=event.pk)


def test_marking_held_before_the_start_or_by_strangers_is_refused(world):
    event = make_event(hosts=(world.mentor,))
    with pytest.raises(Refused, match="once it has started"):
        services.mark_held(actor=world.mentor, event_id=event.pk)
    started = make_event(starts_in=-dt.timedelta(hours=1), hosts=(world.mentor,))
    with pytest.raises(Forbidden):
        services.mark_held(actor=world.adult_member, event_id=started.pk)
    assert not ActivityEvent.objects.filter(ref_type="events.event").exists()


def test_cancelling_an_event_tells_everyone_with_a_place(world):
    event = make_event(capacity=1, created_by=world.staff)
    services.rsvp(user=world.adult_member, event_id=event.pk)
    services.rsvp(user=world.adult_listener, event_id=event.pk)

    services.cancel_event(actor=world.staff, event_id=event.pk)

    told = set(
        Notification.objects.filter(title__startswith="Cancelled").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {world.adult_member.username, world.adult_listener.username}


def test_places_taken_is_one_count_for_the_list_and_the_page(world):
    # issue 19: the list joined RSVPs with host slots and counted each place once per slot
    event = make_event(capacity=30, slots=3, created_by=world.staff)
    services.rsvp(user=world.adult_member, event_id=event.pk)
    services.rsvp(user=world.adult_listener, event_id=event.pk)
    listed = {e.pk: getattr(e, "places_taken", None) for e in selectors.upcoming_for(world.staff)}
    assert listed[event.pk] == selectors.places_taken(event) == 2


def test_a_host_cannot_cancel_an_event_they_did_not_organise(world):
    event = make_event(slots=1, created_by=world.staff)
    services.rsvp(user=world.adult_member, event_id=event.pk)
    slot = RotaSlot.objects.get(event=event)
    services.volunteer(mentor=world.mentor, slot_id=slot.pk)
    with pytest.raises(Forbidden, match="organiser and staff"):
        services.cancel_event(actor=world.mentor, event_id=event.pk)
    assert Event.objects.get(pk=event.pk).status == EventStatus.SCHEDULED
    services.cancel_event(actor=world.staff, event_id=event.pk)
    with pytest.raises(Conflict, match="already cancelled"):
        services.cancel_event(actor=world.staff, event_id=event.pk)
