"""Who may do what with events and the rota. Pure functions over the objects (and facts the
caller loads, such as the ladder roles someone holds); no queries.

Safeguarding: every event is for teens or for adults. People of the other band never see it
(the views answer exactly like a missing event) and cannot RSVP; hosts are of the event's
band. Staff see and run every event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.utils import timezone

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.policies import (
    age_band_of,
    can_use_community,
    is_signed_in,
    is_staff_member,
)
from peerpath.accounts.roles import Role
from peerpath.core.decisions import Decision
from peerpath.events.models import Event, EventBand, EventStatus
from peerpath.progression import ladder_roles

NOT_FOUND: Final = "No such event."
STARTED: Final = "This event has already started."
ALREADY_CANCELLED: Final = "This event is already cancelled."
ORGANISER_ROLES: Final = frozenset({ladder_roles.MENTOR_LEADER})


def band_of(user: Any, at: dt.datetime | None = None) -> str | None:
    """The event band a person belongs to (None for children and visitors)."""
    band = age_band_of(user, at)
    if band is AgeBand.TEEN:
        return EventBand.TEEN.value
    if band is AgeBand.ADULT:
        return EventBand.ADULT.value
    return None


def is_mentor(user: Any) -> bool:
    return is_signed_in(user) and bool(user.has_role(Role.MENTOR))


def can_see_event(user: Any, event: Event, at: dt.datetime | None = None) -> Decision:
    """Signed-in people of the event's band, and staff; everyone else: as if it were missing."""
    if not is_signed_in(user):
        return Decision.deny("Please log in.")
    if is_staff_member(user):
        return Decision.allow()
    usable = can_use_community(user, at)
    if not usable:
        return usable
    if band_of(user, at) != event.band:
        return Decision.deny(NOT_FOUND)
    return Decision.allow()


def is_host(user: Any, host_ids: frozenset[int]) -> bool:
    return bool(getattr(user, "pk", None)) and user.pk in host_ids


def can_rsvp(
    user: Any, event: Event, host_ids: frozenset[int], at: dt.datetime | None = None
) -> Decision:
    at = at or timezone.now()
    seen = can_see_event(user, event, at)
    if not seen:
        return seen
    if band_of(user, at) != event.band:
        return Decision.deny("This event is for another age group.")
    if event.status == EventStatus.CANCELLED:
        return Decision.deny("This event was cancelled.")
    if event.status == EventStatus.HELD or event.starts_at <= at:
        return Decision.deny(STARTED)
    if is_host(user, host_ids):
        return Decision.deny("You are hosting this event: your place is kept.")
    return Decision.allow()


def can_organise(user: Any, held_slugs: frozenset[str]) -> Decision:
    """Staff and Mentor Leaders (the ladder role) create events."""
    if not is_signed_in(user):
        return Decision.deny("Please log in.")
    if is_staff_member(user):
        return Decision.allow()
    usable = can_use_community(user)
    if not usable:
        return usable
    if not held_slugs & ORGANISER_ROLES:
        return Decision.deny("Events are created by staff and Mentor Leaders.")
    return Decision.allow()


def can_organise_for(
    user: Any, band: str, held_slugs: frozenset[str], at: dt.datetime | None = None
) -> Decision:
    """Mentor Leaders create events for their own band only; staff for either."""
    allowed = can_organise(user, held_slugs)
    if not allowed:
        return allowed
    if not is_staff_member(user) and band_of(user, at) != band:
        return Decision.deny("You can create events for your own age group only.")
    return Decision.allow()


def can_volunteer(
    user: Any, event: Event, host_ids: frozenset[int], at: dt.datetime | None = None
) -> Decision:
    """Mentors of the event's band volunteer for an open host slot of a coming event."""
    at = at or timezone.now()
    seen = can_see_event(user, event, at)
    if not seen:
        return seen
    if not is_mentor(user):
        return Decision.deny("Host slots are for mentors.")
    if band_of(user, at) != event.band:
        return Decision.deny("Hosts are of the event's age group.")
    if event.status != EventStatus.SCHEDULED:
        return Decision.deny("This event is no longer scheduled.")
    if event.starts_at <= at:
        return Decision.deny(STARTED)
    if is_host(user, host_ids):
        return Decision.deny("You are already hosting this event.")
    return Decision.allow()


def can_run_event(user: Any, event: Event, host_ids: frozenset[int]) -> Decision:
    """Staff, the event's hosts and its creator cancel it or mark it held."""
    if not is_signed_in(user):
        return Decision.deny("Please log in.")
    if is_staff_member(user):
        return Decision.allow()
    usable = can_use_community(user)
    if not usable:
        return usable
    if is_host(user, host_ids) or event.created_by_id == user.pk:
        return Decision.allow()
    return Decision.deny("Only the event's hosts and staff can do that.")


def can_cancel_event(user: Any, event: Event, at: dt.datetime | None = None) -> Decision:
    """Staff and the event's creator call off a coming event (everyone with a place is told).
    A host runs the event (marks it held) and can give their slot back, but does not cancel
    an event someone else organised and people have joined."""
    if not is_signed_in(user):
        return Decision.deny("Please log in.")
    if not is_staff_member(user):
        usable = can_use_community(user)
        if not usable:
            return usable
        if event.created_by_id != user.pk:
            return Decision.deny("Only the event's organiser and staff can cancel it.")
    if event.status == EventStatus.CANCELLED:
        return Decision.deny(ALREADY_CANCELLED)
    if event.status == EventStatus.HELD or event.starts_at <= (at or timezone.now()):
        return Decision.deny(STARTED)
    return Decision.allow()


def can_release_slot(
    user: Any, slot_mentor_id: int | None, event: Event, at: dt.datetime | None = None
) -> Decision:
    """A mentor gives their own host slot back while the event is still coming."""
    if not is_signed_in(user) or slot_mentor_id != user.pk:
        return Decision.deny("This is not your host slot.")
    if event.status != EventStatus.SCHEDULED or event.starts_at <= (at or timezone.now()):
        return Decision.deny("This event is no longer coming up.")
    return Decision.allow()


def can_view_rota(user: Any) -> Decision:
    """The rota page: a mentor's own status; staff see everyone's and the coverage."""
    if not is_signed_in(user):
        return Decision.deny("Please log in.")
    if is_staff_member(user):
        return Decision.allow()
    usable = can_use_community(user)
    if not usable:
        return usable
    if not is_mentor(user):
        return Decision.deny("The rota is for mentors and staff.")
    return Decision.allow()
