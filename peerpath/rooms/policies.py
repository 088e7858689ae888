"""Who may see, enter, post in and moderate a room. Pure functions over small facts objects
(``Viewer``, ``Standing``) that ``selectors`` load, so the list page, the room page, the
socket (on connect and on every message), the API and tests share one set of rules.

Safeguarding: a room belongs to one age band. Teens never see adult rooms and adults never
see teen rooms — not listed, not joinable, and answered like a missing room. Only program
staff cross bands (to moderate); global moderators moderate rooms of their own band.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from peerpath.core.decisions import Decision
from peerpath.progression import ladder_roles
from peerpath.rooms.models import Room, RoomAudience, RoomCategory, RoomSession, Sanction

NO_SUCH_SANCTION = "No such sanction."

# A host may open a session this long before its scheduled start; hosting time is credited
# up to SESSION_LATE after its scheduled end (and the upkeep job ends it then).
SESSION_EARLY = dt.timedelta(minutes=15)
SESSION_LATE = dt.timedelta(minutes=30)

SUPPORTER_SLUG = ladder_roles.ROOM_SUPPORTER
HOST_SLUG = ladder_roles.SHARING_CIRCLE_HOST
MODERATOR_SLUG = ladder_roles.CHATROOM_MODERATOR
# Listeners with these roles support members in member rooms.
SUPPORTER_ROLES = frozenset(
    {SUPPORTER_SLUG, HOST_SLUG, MODERATOR_SLUG, ladder_roles.GROUP_SUPPORT_MENTOR}
)


@dataclass(frozen=True, slots=True)
class Viewer:
    """What the room rules need to know about a person (``selectors.common.viewer``)."""

    user_id: int
    band: str | None  # "teen" | "adult" | None (not signed in / under 13)
    account_type: str  # "member" | "listener"
    is_staff: bool = False
    is_global_moderator: bool = False  # the Moderator role (Chatroom Moderators hold it)
    suspended: str = ""  # the refusal sentence when suspended
    held: frozenset[str] = frozenset()
    moderates_communities: frozenset[int] = frozenset()
    moderates_rooms: frozenset[int] = frozenset()
    hosts_communities: frozenset[int] = frozenset()
    hosts_rooms: frozenset[int] = frozenset()

    @property
    def is_listener(self) -> bool:
        return self.account_type == "listener"


@dataclass(frozen=True, slots=True)
class Lock:
    """A room's badge lock for one person: open, or the unmet criteria in words."""

    open: bool
    reasons: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        return " · ".join(self.reasons)


OPEN = Lock(True)


@dataclass(frozen=True, slots=True)
class Standing:
    """A person's sanctions in force for one room, and the room's live state."""

    banned: str = ""  # reason, when banned
    banned_until: dt.datetime | None = None
    kicked_until: dt.datetime | None = None
    muted_until: dt.datetime | None = None
    mute_reason: str = ""
    host_present: bool = False
    blocked_ids: frozenset[int] = field(default_factory=frozenset)


def _when(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%d %b %H:%M")


# --- Roles in a room ------------------------------------------------------------------------


def band_matches(viewer: Viewer, room: Room) -> bool:
    return viewer.band is not None and viewer.band == room.band


def is_moderator(viewer: Viewer, room: Room) -> bool:
    """Staff everywhere; global moderators in their own band; community or room moderators
    where appointed (and only in their band)."""
    if viewer.is_staff:
        return True
    if not band_matches(viewer, room):
        return False
    return (
        viewer.is_global_moderator
        or room.community_id in viewer.moderates_communities
        or room.pk in viewer.moderates_rooms
    )


def is_host(viewer: Viewer, room: Room) -> bool:
    """Appointed hosts of the room or its community; Sharing Circle Hosts in sharing circles."""
    if not band_matches(viewer, room):
        return False
    if room.pk in viewer.hosts_rooms or room.community_id in viewer.hosts_communities:
        return True
    return room.category == RoomCategory.SHARING_CIRCLE and HOST_SLUG in viewer.held


def is_supporter(viewer: Viewer, room: Room) -> bool:
    return band_matches(viewer, room) and SUPPORTER_SLUG in viewer.held


def can_moderate_anywhere(viewer: Viewer) -> bool:
    """May open the moderation queue (it shows only rooms they moderate)."""
    return (
        viewer.is_staff
        or viewer.is_global_moderator
        or bool(viewer.moderates_communities or viewer.moderates_rooms)
    )


# --- Seeing, entering, posting ---------------------------------------------------------------


def can_see_room(viewer: Viewer, room: Room) -> Decision:
    """Listed and addressable at all. A refusal here must look like a missing room."""
    if viewer.band is None:
        return Decision.deny("Please log in.")
    if not room.is_active:
        return Decision.deny("No such room.")
    if viewer.is_staff or band_matches(viewer, room):
        return Decision.allow()
    return Decision.deny("No such room.")


def audience_allows(viewer: Viewer, room: Room) -> Decision:
    if is_moderator(viewer, room):
        return Decision.allow()
    if room.audience == RoomAudience.LISTENERS and not viewer.is_listener:
        return Decision.deny("This room is for listeners.")
    if (
        room.audience == RoomAudience.MEMBERS
        and viewer.is_listener
        and not (SUPPORTER_ROLES & viewer.held)
    ):
        return Decision.deny(
            "This room is for members; listeners join it as Room Supporters or moderators."
        )
    return Decision.allow()


def can_enter(
    viewer: Viewer, room: Room, lock: Lock, standing: Standing, at: dt.datetime | None = None
) -> Decision:
    """May join the room (read it live and see its history)."""
    at = at or timezone.now()
    seen = can_see_room(viewer, room)
    if not seen:
        return seen
    if viewer.suspended:
        return Decision.deny(viewer.suspended)
    audience = audience_allows(viewer, room)
    if not audience:
        return audience
    moderator = is_moderator(viewer, room)
    if standing.banned and not moderator:
        until = f" until {_when(standing.banned_until)}" if standing.banned_until else ""
        return Decision.deny(f"You are banned from this room{until}. Reason: {standing.banned}")
    if standing.kicked_until and standing.kicked_until > at and not moderator:
        return Decision.deny(
            f"You were removed from this room; you can come back at {_when(standing.kicked_until)}."
        )
    if not lock.open and not moderator:
        return Decision.deny(f"This room is locked: {lock.summary}.")
    return Decision.allow()


def can_post(
    viewer: Viewer, room: Room, lock: Lock, standing: Standing, at: dt.datetime | None = None
) -> Decision:
    """May send a message now (checked again on every message)."""
    at = at or timezone.now()
    entry = can_enter(viewer, room, lock, standing, at)
    if not entry:
        return entry
    moderator = is_moderator(viewer, room)
    if standing.muted_until and standing.muted_until > at and not moderator:
        reason = f" Reason: {standing.mute_reason}" if standing.mute_reason else ""
        return Decision.deny(f"You are muted until {_when(standing.muted_until)}.{reason}")
    if room.locked_at and not moderator:
        why = f": {room.locked_reason}" if room.locked_reason else ""
        return Decision.deny(f"A moderator has paused this room{why}.")
    if not room.in_window(at) and not moderator:
        return Decision.deny("This pop-up room is closed right now.")
    if (
        room.host_required
        and not standing.host_present
        and not moderator
        and not is_host(viewer, room)
    ):
        return Decision.deny("This room opens when a host is here.")
    return Decision.allow()


# --- Moderation ------------------------------------------------------------------------------


def _target_ok(viewer: Viewer, target: Viewer, room: Room) -> Decision:
    if viewer.user_id == target.user_id:
        return Decision.deny("You cannot moderate yourself.")
    if not band_matches(target, room) and not target.is_staff:
        return Decision.deny("No such person in this room.")
    if target.is_staff:
        return Decision.deny("Staff cannot be sanctioned in rooms.")
    if is_moderator(target, room) and not viewer.is_staff:
        return Decision.deny("Only staff can sanction another moderator.")
    return Decision.allow()


def can_warn(viewer: Viewer, room: Room, target: Viewer | None = None) -> Decision:
    """Moderators, Room Supporters and hosts of the room may warn; without a ``target``,
    whether they may warn anyone there (the room page's "warn" control)."""
    if not (is_moderator(viewer, room) or is_supporter(viewer, room) or is_host(viewer, room)):
        return Decision.deny("Only moderators, Room Supporters and hosts can warn.")
    return Decision.allow() if target is None else _target_ok(viewer, target, room)


def can_sanction(viewer: Viewer, room: Room, target: Viewer) -> Decision:
    """Mute, kick and ban: moderators only."""
    if not is_moderator(viewer, room):
        return Decision.deny("Only moderators can do that.")
    return _target_ok(viewer, target, room)


def can_lift(viewer: Viewer, sanction: Sanction) -> Decision:
    """Lift a sanction: staff, a moderator of its room, or of its community (global
    moderators too); a sanction on every room, staff only. To anyone else it does not exist
    (``NO_SUCH_SANCTION``); nobody but staff lifts one on themselves."""
    room = sanction.room
    allowed = viewer.is_staff or (room is not None and is_moderator(viewer, room))
    if not allowed and sanction.community_id is not None:
        allowed = (
            sanction.community_id in viewer.moderates_communities or viewer.is_global_moderator
        )
    if not allowed:
        return Decision.deny(NO_SUCH_SANCTION)
    if sanction.user_id == viewer.user_id and not viewer.is_staff:
        return Decision.deny("You cannot lift a sanction on yourself.")
    return Decision.allow()


def can_manage_room(viewer: Viewer, room: Room) -> Decision:
    """Delete messages, lock/unlock, slow mode, handle reports and alerts: moderators."""
    if not is_moderator(viewer, room):
        return Decision.deny("Only moderators can do that.")
    return Decision.allow()


def can_set_slow_mode(viewer: Viewer, room: Room) -> Decision:
    if is_moderator(viewer, room) or is_host(viewer, room):
        return Decision.allow()
    return Decision.deny("Only moderators and hosts can change slow mode.")


def can_report(viewer: Viewer, room: Room, sender_id: int) -> Decision:
    seen = can_see_room(viewer, room)
    if not seen:
        return seen
    if viewer.suspended:
        return Decision.deny(viewer.suspended)
    if sender_id == viewer.user_id:
        return Decision.deny("You cannot report your own message.")
    return Decision.allow()


# --- Sessions --------------------------------------------------------------------------------


def can_schedule(viewer: Viewer, room: Room) -> Decision:
    if viewer.suspended:
        return Decision.deny(viewer.suspended)
    if is_moderator(viewer, room) or is_host(viewer, room):
        return Decision.allow()
    return Decision.deny("Only hosts and moderators of this room can schedule sessions.")


def can_host_session(viewer: Viewer, room: Room) -> Decision:
    """May be named the host of a session in this room (same band, a host or moderator)."""
    if not band_matches(viewer, room):
        return Decision.deny("A host must be in the room's age band.")
    if is_moderator(viewer, room) or is_host(viewer, room):
        return Decision.allow()
    return Decision.deny("The host needs a hosting role for this room.")


def can_run_session(viewer: Viewer, room: Room, host_id: int) -> Decision:
    """Start or end a session: its host, or a moderator of the room."""
    if viewer.user_id == host_id or is_moderator(viewer, room):
        return Decision.allow()
    return Decision.deny("Only the session's host or a moderator can do that.")


def session_opens_at(session: RoomSession) -> dt.datetime:
    """The first moment a session may be started (``SESSION_EARLY`` before its start)."""
    return session.starts_at - SESSION_EARLY


def can_start_session(session: RoomSession, now: dt.datetime) -> Decision:
    """The session's time allows starting it: from ``SESSION_EARLY`` before its start to its
    end. Who may start it is ``can_run_session``; the room page offers "Start" only when both
    allow it, and the service refuses with this reason otherwise."""
    if session_opens_at(session) <= now < session.ends_at:
        return Decision.allow()
    return Decision.deny("A session can be started from 15 minutes before its start to its end.")
