"""Writes of the events app: creating and cancelling events, RSVPs with a race-safe waitlist,
volunteering for host slots (the mentor rota) and marking an event held (which records the
hosting and attendance activities the ladder and the rota count).

Every function is atomic and raises ``core.errors.Refused`` (or a subclass) with a sentence
for the person; nothing is written when it refuses. Seats are counted under a row lock on the
event (``SELECT … FOR UPDATE``; SQLite's IMMEDIATE transactions serialise writers), and a
host slot is taken with a conditional UPDATE, so two people never get the last seat or the
same slot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import Ref, record_activity
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.core.text import clean_text as _text
from peerpath.events import policies, selectors
from peerpath.events.models import (
    DESCRIPTION_MAX_CHARS,
    MAX_CAPACITY,
    MAX_HOST_SLOTS,
    RSVP,
    TITLE_MAX_CHARS,
    VIDEO_URL_MAX_CHARS,
    Event,
    EventBand,
    EventKind,
    EventStatus,
    RotaSlot,
    RSVPStatus,
)
from peerpath.notifications.services import notify
from peerpath.rooms.models import Room
from peerpath.safety import services as safety
from peerpath.safety.models import Channel

EVENT_REF: Final = "events.event"
CATEGORY: Final = "events"
MAX_LENGTH: Final = dt.timedelta(hours=8)
MAX_AHEAD: Final = dt.timedelta(days=366)
PAST_GRACE: Final = dt.timedelta(minutes=1)
_https = URLValidator(schemes=["https"])


def _event(user: User, event_id: int, *, lock: bool = False, now: dt.datetime) -> Event:
    qs = Event.objects.select_related("room")
    if lock:
        qs = qs.select_for_update(of=("self",))
    event = qs.filter(pk=event_id).first()
    if event is None or not policies.can_see_event(user, event, now):
        raise NotFound(policies.NOT_FOUND)
    return event


def _when(at: dt.datetime, user: User) -> str:
    return timezone.localtime(at, user.tzinfo).strftime("%a %d %b %Y, %H:%M")


# --- Events ----------------------------------------------------------------------------------

TEXT_FIELDS: Final = ("title", "description")


@dataclass(frozen=True, slots=True)
class EventSaved:
    event: Event
    screening: safety.Screening  # help for the writer when the texts hold crisis language


def screen_event(
    *, writer: User, event: Event, fields: Sequence[str] = TEXT_FIELDS
) -> safety.Screening:
    """Screen the event's texts that ``writer`` just saved (``fields``: those that changed).
    Everyone coming reads them; nobody but staff answers for them, so a hit goes to the staff
    queue (the hosts are not responders for someone else's text). The page and the admin
    both call this, inside their transaction."""
    space = safety.Space(
        channel=Channel.EVENT, where=f"Event “{event.title}”", url=event.get_absolute_url()
    )
    texts = [str(getattr(event, f)) for f in TEXT_FIELDS if f in fields]
    return safety.screen(writer=writer, text=texts, space=space, source=event)


def create_event(
    *,
    actor: User,
    kind: Any,
    title: Any,
    band: Any,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: Any,
    description: Any = "",
    room_id: int | None = None,
    video_url: Any = "",
    waitlist: bool = True,
    host_slots: Any = 0,
    now: dt.datetime | None = None,
) -> EventSaved:
    """Staff (either band) and Mentor Leaders (their own band) create an event, with
    ``host_slots`` open places for mentors to volunteer for. Its texts are screened."""
    now = now or timezone.now()
    from peerpath.progression.selectors.awards import held_slugs

    if band not in EventBand.values:
        raise Refused("Choose who the event is for: teens or adults.")
    Forbidden.unless(policies.can_organise_for(actor, band, held_slugs(actor), now))
    if kind not in EventKind.values:
        raise Refused("Choose the kind of event.")
    title_text = _text(title, what="title", max_chars=TITLE_MAX_CHARS)
    desc = _text(description, what="description", max_chars=DESCRIPTION_MAX_CHARS, required=False)
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise Refused("Give the times with a time zone.")
    if starts_at < now - PAST_GRACE:
        raise Refused("An event cannot start in the past.")
    if starts_at > now + MAX_AHEAD:
        raise Refused("Events can be planned up to a year ahead.")
    if ends_at <= starts_at:
        raise Refused("An event must end after it starts.")
    if ends_at - starts_at > MAX_LENGTH:
        raise Refused("An event lasts at most 8 hours.")
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise Refused("The capacity must be a whole number.")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise Refused(f"The capacity is between 1 and {MAX_CAPACITY} people.")
    if isinstance(host_slots, bool) or not isinstance(host_slots, int):
        raise Refused("The number of host slots must be a whole number.")
    if not 0 <= host_slots <= MAX_HOST_SLOTS:
        raise Refused(f"An event has between 0 and {MAX_HOST_SLOTS} host slots.")
    link = _text(video_url, what="video link", max_chars=VIDEO_URL_MAX_CHARS, required=False)
    if (room_id is None) == (not link):
        raise Refused("Give the event one place: a room or a video link.")
    room = None
    if room_id is not None:
        room = Room.objects.filter(pk=room_id, is_active=True).first()
        if room is None or room.band != band:
            raise Refused("Choose a room of the event's age group.")
    else:
        try:
            _https(link)
        except ValidationError as exc:
            raise Refused("The video link must be a full https:// address.") from exc
    with transaction.atomic():
        event = Event(
            kind=kind,
            title=title_text,
            description=desc,
            band=band,
            starts_at=starts_at,
            ends_at=ends_at,
            room=room,
            video_url=link,
            capacity=capacity,
            waitlist=bool(waitlist),
            created_by=actor,
        )
        event.full_clean()
        event.save()
        RotaSlot.objects.bulk_create(
            RotaSlot(event=event, position=n) for n in range(1, host_slots + 1)
        )
        screening = screen_event(writer=actor, event=event)
    return EventSaved(event, screening)


def cancel_event(*, actor: User, event_id: int, now: dt.datetime | None = None) -> Event:
    """The creator and staff cancel a coming event (``policies.can_cancel_event``);
    everyone with a place (or on the waitlist) and every host is told."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _event(actor, event_id, lock=True, now=now)
        decision = policies.can_cancel_event(actor, event, now)
        if decision.reason == policies.ALREADY_CANCELLED:
            raise Conflict(decision.reason)
        if decision.reason == policies.STARTED:
            raise Refused(decision.reason)
        Forbidden.unless(decision)
        event.status = EventStatus.CANCELLED
        event.cancelled_at = now
        event.full_clean()
        event.save(update_fields=["status", "cancelled_at", "updated_at"])
        told = set(
            event.rsvps.exclude(status=RSVPStatus.CANCELLED).values_list("user_id", flat=True)
        ) | set(selectors.host_ids(event))
        told.discard(actor.pk)
        notify(
            sorted(told),
            CATEGORY,
            f"Cancelled: {event.title}",
            f"“{event.title}” has been cancelled. We're sorry for the change of plans.",
            url=event.get_absolute_url(),
            source=f"{EVENT_REF}:{event.pk}",
        )
    return event


def mark_held(
    *,
    actor: User,
    event_id: int,
    attended_ids: Iterable[int] | None = None,
    now: dt.datetime | None = None,
) -> Event:
    """After the start, a host (or the creator, or staff) marks the event held: every host
    gets an ``event_hosted`` activity and every confirmed person ticked (all of them when
    ``attended_ids`` is None) an ``event_attended`` one. Idempotent activities (by reference)."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _event(actor, event_id, lock=True, now=now)
        hosts = selectors.host_ids(event)
        Forbidden.unless(policies.can_run_event(actor, event, hosts))
        if event.status == EventStatus.CANCELLED:
            raise Conflict("This event was cancelled.")
        if event.status == EventStatus.HELD:
            raise Conflict("This event is already marked as held.")
        if now < event.starts_at:
            raise Refused("An event can be marked as held once it has started.")
        confirmed = dict(
            event.rsvps.filter(status=RSVPStatus.CONFIRMED).values_list("user_id", "pk")
        )
        if attended_ids is None:
            present = set(confirmed)
        else:
            present = set(attended_ids)
            strangers = present - set(confirmed)
            if strangers:
                raise Refused("Only people with a confirmed place can be marked as attended.")
        event.status = EventStatus.HELD
        event.held_at = now
        event.full_clean()
        event.save(update_fields=["status", "held_at", "updated_at"])
        RSVP.objects.filter(pk__in=[confirmed[uid] for uid in present]).update(attended=True)
        ref = Ref(EVENT_REF, event.pk)
        occurred = min(event.starts_at, now)
        for user in User.objects.filter(pk__in=hosts).order_by("pk"):
            record_activity(
                user=user, kind=ActivityKind.EVENT_HOSTED, occurred_at=occurred, ref=ref
            )
        for user in User.objects.filter(pk__in=present).order_by("pk"):
            record_activity(
                user=user, kind=ActivityKind.EVENT_ATTENDED, occurred_at=occurred, ref=ref
            )
    return event


# --- RSVPs -----------------------------------------------------------------------------------


def rsvp(*, user: User, event_id: int, now: dt.datetime | None = None) -> RSVP:
    """A place if one is free, else the waitlist (or a refusal when the event has none).
    A second RSVP is refused; a cancelled one can be renewed (it joins the end of the queue)."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _event(user, event_id, lock=True, now=now)
        Refused.unless(policies.can_rsvp(user, event, selectors.host_ids(event), now))
        existing = RSVP.objects.filter(event=event, user=user).first()
        if existing is not None and existing.status == RSVPStatus.CONFIRMED:
            raise Conflict("You already have a place at this event.")
        if existing is not None and existing.status == RSVPStatus.WAITLISTED:
            raise Conflict("You are already on the waitlist for this event.")
        taken = selectors.places_taken(event)
        if taken < event.capacity:
            status = RSVPStatus.CONFIRMED
        elif event.waitlist:
            status = RSVPStatus.WAITLISTED
        else:
            raise Conflict("This event is full, and it has no waitlist.")
        row = existing or RSVP(event=event, user=user)
        row.status = status
        row.queued_at = now
        row.full_clean(validate_constraints=False)
        row.save()
        when = _when(event.starts_at, user)
        if status == RSVPStatus.CONFIRMED:
            title = f"You have a place: {event.title}"
            body = f"See you on {when}. You can cancel on the event page if plans change."
        else:
            title = f"You're on the waitlist: {event.title}"
            body = f"The event on {when} is full. We'll tell you as soon as a place frees up."
        notify([user], CATEGORY, title, body, url=event.get_absolute_url(), source=EVENT_REF)
    return row


def cancel_rsvp(*, user: User, event_id: int, now: dt.datetime | None = None) -> RSVP:
    """Give up a place (or leave the waitlist). A freed place goes to the first person on the
    waitlist, who is told."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _event(user, event_id, lock=True, now=now)
        row = (
            RSVP.objects.filter(event=event, user=user).exclude(status=RSVPStatus.CANCELLED).first()
        )
        if row is None:
            raise Refused("You have no place at this event to cancel.")
        if event.status == EventStatus.HELD or event.starts_at <= now:
            raise Refused(policies.STARTED)
        was_confirmed = row.status == RSVPStatus.CONFIRMED
        row.status = RSVPStatus.CANCELLED
        row.save(update_fields=["status", "updated_at"])
        if was_confirmed and event.status == EventStatus.SCHEDULED:
            _promote(event, now)
    return row


def _promote(event: Event, now: dt.datetime) -> None:
    taken = selectors.places_taken(event)
    free = event.capacity - taken
    if free <= 0:
        return
    lucky = list(
        RSVP.objects.filter(event=event, status=RSVPStatus.WAITLISTED)
        .select_related("user")
        .order_by("queued_at", "pk")[:free]
    )
    for row in lucky:
        row.status = RSVPStatus.CONFIRMED
        row.save(update_fields=["status", "updated_at"])
        notify(
            [row.user],
            CATEGORY,
            f"A place freed up: {event.title}",
            f"You're in! You moved up from the waitlist for {_when(event.starts_at, row.user)}.",
            url=event.get_absolute_url(),
            source=EVENT_REF,
        )


# --- The mentor rota -------------------------------------------------------------------------


def volunteer(*, mentor: User, slot_id: int, now: dt.datetime | None = None) -> RotaSlot:
    """A mentor takes an open host slot and becomes a host of the event. The slot is taken
    with a conditional UPDATE: of two mentors racing for it, exactly one wins."""
    now = now or timezone.now()
    with transaction.atomic():
        slot = RotaSlot.objects.filter(pk=slot_id).first()
        if slot is None:
            raise NotFound("No such host slot.")
        event = _event(mentor, slot.event_id, lock=True, now=now)
        Refused.unless(policies.can_volunteer(mentor, event, selectors.host_ids(event), now))
        try:
            with transaction.atomic():
                won = RotaSlot.objects.filter(pk=slot.pk, mentor__isnull=True).update(
                    mentor=mentor, taken_at=now, updated_at=now
                )
        except IntegrityError as exc:  # already holds another slot of this event
            raise Conflict("You already have a host slot at this event.") from exc
        if not won:
            raise Conflict("Someone has just taken this host slot.")
        event.hosts.add(mentor)
        # A host does not also hold a seat: their RSVP (if any) frees its place.
        row = RSVP.objects.filter(event=event, user=mentor).first()
        if row is not None and row.status != RSVPStatus.CANCELLED:
            was_confirmed = row.status == RSVPStatus.CONFIRMED
            row.status = RSVPStatus.CANCELLED
            row.save(update_fields=["status", "updated_at"])
            if was_confirmed:
                _promote(event, now)
        slot.refresh_from_db()
    return slot


def release_slot(*, mentor: User, slot_id: int, now: dt.datetime | None = None) -> RotaSlot:
    """A mentor gives their host slot back (before the event starts)."""
    now = now or timezone.now()
    with transaction.atomic():
        slot = RotaSlot.objects.filter(pk=slot_id).first()
        if slot is None:
            raise NotFound("No such host slot.")
        event = _event(mentor, slot.event_id, lock=True, now=now)
        Refused.unless(policies.can_release_slot(mentor, slot.mentor_id, event, now))
        RotaSlot.objects.filter(pk=slot.pk).update(mentor=None, taken_at=None, updated_at=now)
        event.hosts.remove(mentor)
        slot.refresh_from_db()
    return slot
