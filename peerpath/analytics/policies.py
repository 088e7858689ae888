"""Who may see the partner dashboard: program staff and Ambassadors (pure functions)."""

from __future__ import annotations

from typing import Any

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.policies import age_band_of, is_ambassador, is_staff_member
from peerpath.core.decisions import Decision


def can_view_dashboard(user: Any) -> Decision:
    """Figures, charts and the mentorships table: staff and Ambassadors only."""
    if is_staff_member(user) or is_ambassador(user):
        return Decision.allow()
    return Decision.deny("The partner dashboard is for program staff and Ambassadors.")


def visible_band(user: Any) -> AgeBand | None:
    """The age band whose pairs a viewer may list and message; None means every band.

    Staff see everyone. An Ambassador (not staff) sees and messages only pairs of their own
    band: pseudonyms of teens are not listed to adults, nor the other way round.
    """
    if is_staff_member(user):
        return None
    return age_band_of(user)


def can_view_band(user: Any, requested: str) -> Decision:
    """Figures of one band (``requested`` "teen"/"adult"; "" for everyone's): staff any, an
    Ambassador who is not staff only their own band (everyone's means theirs)."""
    own = visible_band(user)
    if own is None or not requested or requested == own.value:
        return Decision.allow()
    return Decision.deny("Ambassadors see the figures of their own age band only.")


def band_shown(user: Any, requested: str) -> str:
    """The band whose figures a viewer gets for ``requested`` (after ``can_view_band``)."""
    own = visible_band(user)
    if own is not None:
        return own.value
    return requested or "all"
