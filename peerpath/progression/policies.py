"""Who may do what on the ladder. Pure functions over objects already loaded."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.policies import (
    can_contact_privately,
    can_use_community,
    is_ambassador,
    is_signed_in,
    is_staff_member,
    same_age_band,
)
from peerpath.core.decisions import Decision
from peerpath.mentorship.policies import may_mentor
from peerpath.progression import ladder_roles
from peerpath.progression.models import AchievementKind, Audience, GrantMode
from peerpath.progression.selectors.awards import PathItem, held_slugs

if TYPE_CHECKING:
    from peerpath.progression.models import Achievement, Application

NOT_FOUND: Final = "No such application."
# Roles whose holders review applications (with staff).
REVIEWER_ROLES: Final = frozenset({ladder_roles.MENTOR_LEADER, ladder_roles.AMBASSADOR})


def band_allows(user: Any, audience: str) -> bool:
    band = user.age_band
    if audience == Audience.ADULTS:
        return band is AgeBand.ADULT
    if audience == Audience.TEENS:
        return band is AgeBand.TEEN
    return band in (AgeBand.ADULT, AgeBand.TEEN)


def can_apply(user: Any, achievement: Achievement, item: PathItem | None) -> Decision:
    """An eligible person of the role's band may apply for a role given by application."""
    gate = can_use_community(user)
    if not gate:
        return gate
    if achievement.kind != AchievementKind.ROLE or achievement.grant_mode != GrantMode.APPLICATION:
        return Decision.deny(f"{achievement.name} is not a role you apply for.")
    if not achievement.active:
        return Decision.deny(f"{achievement.name} is not open at the moment.")
    hold = can_hold(user, achievement)
    if not hold:
        return hold
    if item is None:
        return Decision.deny("This role is not on your path.")
    if item.held:
        return Decision.deny(f"You already hold {item.name}.")
    if item.pending_training:
        return Decision.deny(f"You hold {item.name}; finish the required training to resume it.")
    if item.revocation_stands and item.revoked_at and item.revocation_ends:
        return Decision.deny(
            f"{item.name} was revoked on {item.revoked_at:%d %B %Y}; you can apply again "
            f"from {item.revocation_ends:%d %B %Y}."
        )
    if not item.eligible:
        missing = "; ".join(line.text for line in item.lines if not line.met and not line.group)
        return Decision.deny(f"Not yet: {missing}.")
    return Decision.allow()


def is_reviewer(user: Any, held_slugs: frozenset[str]) -> bool:
    """Staff, Ambassadors (the staff-granted role or the ladder's) and Mentor Leaders."""
    return is_staff_member(user) or is_ambassador(user) or bool(held_slugs & REVIEWER_ROLES)


def can_review_queue(user: Any, held_slugs: frozenset[str]) -> Decision:
    if not is_signed_in(user):
        return Decision.deny("Please log in.")
    if not is_reviewer(user, held_slugs):
        return Decision.deny("Applications are reviewed by Mentor Leaders, Ambassadors and staff.")
    return can_use_community(user) if not is_staff_member(user) else Decision.allow()


def can_review(reviewer: Any, application: Application) -> Decision:
    """Staff review every application; Mentor Leaders and Ambassadors review those of their
    own age band. Nobody reviews their own."""
    if not is_signed_in(reviewer):
        return Decision.deny("Please log in.")
    if application.user_id == reviewer.pk:
        return Decision.deny("You cannot review your own application.")
    if is_staff_member(reviewer):
        return Decision.allow()
    held = getattr(reviewer, "_progression_held", None)
    if held is None:
        held = held_slugs(reviewer)
    if not is_reviewer(reviewer, held):
        return Decision.deny("Applications are reviewed by Mentor Leaders, Ambassadors and staff.")
    if reviewer.age_band is not application.user.age_band:
        return Decision.deny(NOT_FOUND)
    return Decision.allow()


def can_hold(user: Any, achievement: Achievement) -> Decision:
    """Whether ``user`` may hold ``achievement`` at all (its audience: adults-only roles are
    never given to a teen, by hand or otherwise)."""
    if not band_allows(user, achievement.audience):
        who = "adults" if achievement.audience == Audience.ADULTS else "teens"
        kind = "a role" if achievement.kind == AchievementKind.ROLE else "an achievement"
        return Decision.deny(f"{achievement.name} is {kind} for {who}.")
    return Decision.allow()


def can_manage_awards(user: Any) -> Decision:
    if not is_staff_member(user):
        return Decision.deny("Only staff grant or revoke awards by hand.")
    return Decision.allow()


def can_be_buddies(newcomer: Any, buddy: Any) -> Decision:
    """A buddy pair is a private space: same age band only (and never oneself)."""
    return can_contact_privately(newcomer, buddy)


# --- Mock chats ----------------------------------------------------------------------------


NOTES_MAX_CHARS: Final = 2000
MAX_AGE_DAYS: Final = 90
NOT_ASSESSOR: Final = "Mock chats are assessed by mentors and staff."
NO_LISTENER: Final = "No listener with that pseudonym."
CROSS_BAND: Final = (
    "A mock chat is a private one-to-one chat, and teens and adults never share a private "
    "space on peerpath. Ask a mentor of the listener's own age band to assess it."
)


def may_assess(user: Any, at: dt.datetime | None = None) -> Decision:
    """Mentors (the staff-granted Mentor role) and staff record mock chat assessments."""
    if not is_signed_in(user):
        return Decision.deny("Please log in.")
    gate = can_use_community(user, at)
    if not gate:
        return gate
    if is_staff_member(user) or may_mentor(user, at):
        return Decision.allow()
    return Decision.deny(NOT_ASSESSOR)


def can_assess(assessor: Any, listener: Any, at: dt.datetime | None = None) -> Decision:
    """An assessor may assess another person's mock chat when that person is an active
    listener of the assessor's own age band (never across bands, whatever the roles)."""
    decision = may_assess(assessor, at)
    if not decision:
        return decision
    if assessor.pk == listener.pk:
        return Decision.deny("You cannot assess your own mock chat.")
    if not listener.is_active:
        return Decision.deny(NO_LISTENER)
    if not listener.is_listener:
        return Decision.deny(
            f"{listener.username} has a member account: mock chats are for listeners."
        )
    if not same_age_band(assessor, listener, at):
        return Decision.deny(CROSS_BAND)
    return can_contact_privately(assessor, listener, at)


def check_held_on(held_on: dt.date, today: dt.date) -> Decision:
    """The chat happened: not in the future, and recently enough to remember it well."""
    if held_on > today:
        return Decision.deny("The date of the mock chat cannot be in the future.")
    if held_on < today - dt.timedelta(days=MAX_AGE_DAYS):
        return Decision.deny(
            f"Record a mock chat within {MAX_AGE_DAYS} days of holding it; "
            "this date is too long ago."
        )
    return Decision.allow()


def check_notes(notes: str, *, passed: bool) -> Decision:
    """Notes are optional on a pass and required on a fail (what to practise)."""
    if len(notes) > NOTES_MAX_CHARS:
        return Decision.deny(f"Keep the notes under {NOTES_MAX_CHARS:,} characters.")
    if "\x00" in notes:
        return Decision.deny("The notes contain characters that are not allowed.")
    if not passed and not notes.strip():
        return Decision.deny(
            "When a mock chat is not passed yet, say what to practise in the notes."
        )
    return Decision.allow()
