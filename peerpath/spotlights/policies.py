"""Who may see, draft, edit and publish spotlights (pure).

A spotlight of the other age band answers exactly like a missing one (``NOT_FOUND``), except
for staff, who see both bands, and the mentor and the person who drafted it.
"""

from __future__ import annotations

from typing import Any, Final

from peerpath.accounts.policies import is_signed_in, is_staff_member
from peerpath.accounts.roles import Role
from peerpath.core.decisions import Decision
from peerpath.spotlights.models import Spotlight, SpotlightBand, SpotlightStatus

NOT_FOUND: Final = "There is no such spotlight."


def band_of(user: Any) -> str:
    return SpotlightBand.TEEN if user.is_teen else SpotlightBand.ADULT


def is_mentor(user: Any) -> bool:
    return is_signed_in(user) and bool(user.has_role(Role.MENTOR))


def can_draft(user: Any) -> Decision:
    """May open the drafting form at all: mentors (for themselves) and staff (anyone)."""
    if is_staff_member(user) or is_mentor(user):
        return Decision.allow()
    return Decision.deny("Only mentors and staff can draft spotlights.")


def can_draft_for(user: Any, mentor: Any) -> Decision:
    decision = can_draft(user)
    if not decision:
        return decision
    if not is_mentor(mentor):
        return Decision.deny(f"{mentor.username} is not a mentor.")
    if is_staff_member(user) or user.pk == mentor.pk:
        return Decision.allow()
    return Decision.deny("Mentors draft spotlights about themselves only.")


def can_see_spotlight(user: Any, spotlight: Spotlight) -> Decision:
    if not is_signed_in(user):
        return Decision.deny(NOT_FOUND)
    if is_staff_member(user) or user.pk in (spotlight.mentor_id, spotlight.drafted_by_id):
        return Decision.allow()
    if spotlight.status != SpotlightStatus.PUBLISHED or spotlight.band != band_of(user):
        return Decision.deny(NOT_FOUND)
    return Decision.allow()


def can_edit_spotlight(user: Any, spotlight: Spotlight) -> Decision:
    if is_staff_member(user):
        return Decision.allow()
    if user.pk in (spotlight.mentor_id, spotlight.drafted_by_id):
        if spotlight.status == SpotlightStatus.PUBLISHED:
            return Decision.deny("This spotlight is published: only staff can change it now.")
        return Decision.allow()
    return Decision.deny("Only the mentor and staff can edit this spotlight.")


def can_publish_spotlight(user: Any, spotlight: Spotlight) -> Decision:
    if not is_staff_member(user):
        return Decision.deny("Only staff can publish spotlights.")
    if spotlight.status == SpotlightStatus.PUBLISHED:
        return Decision.deny("This spotlight is already published.")
    return Decision.allow()
