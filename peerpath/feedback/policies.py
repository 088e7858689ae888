"""Who may leave, read and moderate feedback. Pure functions over the objects and facts a
selector loads (the eligible interaction, the last feedback's time); no queries.

Safeguarding: teens and adults never interact privately, so a listener of the other band
answers exactly like a missing person. Nobody but staff (in the admin) sees who wrote what.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from peerpath.accounts.policies import (
    can_use_community,
    is_signed_in,
    is_staff_member,
    same_age_band,
)
from peerpath.core.decisions import Decision

NOT_FOUND: Final = "No such person."
ELIGIBLE_DAYS: Final = 14
SELF: Final = "You cannot leave feedback for yourself."
NEVER_CHATTED: Final = (
    "You can leave feedback only for a listener you chatted with one-to-one or whose group "
    f"session you took part in, within the last {ELIGIBLE_DAYS} days."
)


@dataclass(frozen=True, slots=True)
class Context:
    """The interaction a feedback is about: a mentorship chat or a hosted group session."""

    kind: str  # models.ContextKind value
    id: int
    label: str
    at: dt.datetime


def can_use(user: Any, at: dt.datetime | None = None) -> Decision:
    """Signed in and not suspended."""
    return can_use_community(user, at)


def can_see_listener(viewer: Any, listener: Any, at: dt.datetime | None = None) -> Decision:
    """The person exists for the viewer: active and of the viewer's age band (staff
    included: feedback is private between people of one band). Otherwise: missing."""
    if not is_signed_in(viewer) or not getattr(listener, "is_active", False):
        return Decision.deny(NOT_FOUND)
    if viewer.pk == listener.pk:
        return Decision.allow()
    if not same_age_band(viewer, listener, at):
        return Decision.deny(NOT_FOUND)
    return Decision.allow()


def can_rate(author: Any, listener: Any, context: Context | None) -> Decision:
    """Not oneself, and an eligible interaction in the last ``ELIGIBLE_DAYS`` days."""
    if author.pk == listener.pk:
        return Decision.deny(SELF)
    if context is None:
        return Decision.deny(NEVER_CHATTED)
    return Decision.allow()


def outside_window(
    last_given_at: dt.datetime | None, *, window_hours: int, now: dt.datetime
) -> Decision:
    """One feedback per author per listener within ``window_hours``."""
    if last_given_at is None:
        return Decision.allow()
    next_at = last_given_at + dt.timedelta(hours=window_hours)
    if next_at <= now:
        return Decision.allow()
    hours = max(1, int((next_at - now).total_seconds() // 3600) + 1)
    return Decision.deny(
        f"You already left feedback for this listener. You can leave another in about "
        f"{hours} hour{'s' if hours != 1 else ''} (one every {window_hours} hours)."
    )


def can_give_feedback(
    author: Any,
    listener: Any,
    *,
    context: Context | None,
    last_given_at: dt.datetime | None,
    window_hours: int,
    now: dt.datetime,
) -> Decision:
    """Every rule at once (for pages): suspension, band, self, interaction, window."""
    for decision in (
        can_use(author, now),
        can_see_listener(author, listener, now),
        can_rate(author, listener, context),
        outside_window(last_given_at, window_hours=window_hours, now=now),
    ):
        if not decision:
            return decision
    return Decision.allow()


def shows_aggregate(count: int, k: int) -> bool:
    """k-anonymity: nothing is shown below ``k`` responses."""
    return count >= k


def can_coach(viewer: Any, listener: Any, mentor_id: int | None) -> Decision:
    """A listener's current mentor sees their aggregates; everyone else: as if missing."""
    if not is_signed_in(viewer) or mentor_id is None or viewer.pk != mentor_id:
        return Decision.deny(NOT_FOUND)
    return can_see_listener(viewer, listener)


def can_moderate(user: Any) -> Decision:
    if not is_signed_in(user):
        return Decision.deny("Please log in.")
    if not is_staff_member(user):
        return Decision.deny("Only staff moderate feedback.")
    return Decision.allow()
