"""What the signed-in dashboard shows about mentoring."""

from __future__ import annotations

from dataclasses import dataclass, field

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.mentorship import policies
from peerpath.mentorship.models import (
    Mentorship,
    MentorshipStatus,
    RequestTarget,
    TargetStatus,
)
from peerpath.mentorship.selectors import lifecycle


@dataclass
class DashboardMentoring:
    """What the dashboard shows about mentoring."""

    can_be_mentored: bool = False
    is_mentor: bool = False
    current: list[Mentorship] = field(default_factory=list)
    waiting_requests: int = 0
    waiting_proposals: int = 0

    @property
    def has_mentor(self) -> bool:
        return any(m.role_of_viewer == "mentee" for m in self.current)  # type: ignore[attr-defined]


def dashboard_mentoring(user: User) -> DashboardMentoring:
    """Current mentorships with unread counts (two queries), and for mentors how many
    requests and proposals wait for an answer (one query)."""
    info = DashboardMentoring(
        can_be_mentored=bool(policies.may_be_mentored(user)),
        is_mentor=user.has_role(Role.MENTOR),
    )
    if not (info.can_be_mentored or info.is_mentor):
        return info
    info.current = [
        m
        for m in lifecycle.mentorships_of(user)
        if m.status in (MentorshipStatus.ACTIVE, MentorshipStatus.PROPOSED)
    ]
    for m in info.current:
        m.role_of_viewer = m.role_of(user.pk)  # type: ignore[attr-defined]
        m.other = m.mentee if m.mentor_id == user.pk else m.mentor  # type: ignore[attr-defined]
    if info.is_mentor:
        info.waiting_requests = RequestTarget.objects.filter(
            mentor=user, status=TargetStatus.PENDING
        ).count()
        info.waiting_proposals = sum(
            1
            for m in info.current
            if m.mentor_id == user.pk and m.status == MentorshipStatus.PROPOSED
        )
    return info
