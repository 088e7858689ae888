"""Who may record a mock chat assessment, for whom, and what a valid one says. Pure
functions over objects already loaded (no queries beyond the users' cached roles)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from peerpath.accounts.policies import (
    can_contact_privately,
    can_use_community,
    is_signed_in,
    is_staff_member,
    same_age_band,
)
from peerpath.core.decisions import Decision
from peerpath.mentorship.policies import may_mentor

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
