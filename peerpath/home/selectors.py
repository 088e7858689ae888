"""The signed-in dashboard's reads: it composes a card from each app that has one, so it
sits above them all (``docs/architecture.md``, Layers); no app imports ``home``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from peerpath.accounts import policies
from peerpath.accounts.models import Profile, User
from peerpath.accounts.selectors import own_profile
from peerpath.activity.selectors import activity_counts_for_user
from peerpath.mentorship.selectors.dashboard import DashboardMentoring, dashboard_mentoring
from peerpath.nudges.selectors import dashboard_suggestion
from peerpath.progression.selectors.awards import HeldAward, held_awards


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows, one field per card (the template's context)."""

    profile: Profile
    held: list[HeldAward]  # roles, milestones and badges held (the ladder's one read)
    roles: list[str]  # staff-granted roles the ladder does not carry (Mentor, Staff…)
    activity: list[tuple[str, int]]
    suspended_reason: str | None
    mentoring: DashboardMentoring | None
    suggestion: tuple[Any, float, list[str]] | None

    def as_context(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def dashboard(user: User, *, now: dt.datetime) -> Dashboard:
    """The dashboard of ``user``: a suspended person sees their account and the reason, no
    mentoring; a listener without a mentor whom the suggestion nudge reached sees the
    matching assistant's best mentor."""
    counts = activity_counts_for_user(user)
    held = held_awards(user)
    carried = {h.group_name for h in held}
    access = policies.can_use_community(user)
    mentoring = dashboard_mentoring(user) if access else None
    wants_mentor = mentoring is not None and mentoring.can_be_mentored and not mentoring.has_mentor
    return Dashboard(
        profile=own_profile(user),
        held=held,
        roles=sorted(user.role_names - carried),
        activity=[(kind.label, n) for kind, n in counts.items() if n],
        suspended_reason=None if access else access.reason,
        mentoring=mentoring,
        suggestion=dashboard_suggestion(user, now) if wants_mentor else None,
    )
