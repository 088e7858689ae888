"""Small reads only the mentoring pages need (the app's main reads are in ``selectors``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.core.errors import NotFound
from peerpath.mentorship import policies, selectors
from peerpath.mentorship.models import (
    CURRENT_STATUSES,
    CheckIn,
    Conversation,
    MatchProposal,
    MatchRun,
    MentorProfile,
    Mentorship,
    MentorshipStatus,
    RequestTarget,
    TargetStatus,
)

#: The ranked-request form lists at most this many mentors (most recently active first).
MAX_RANKED_CHOICES = 200


def requestable_mentors(viewer: User) -> list[tuple[str, str]]:
    """(username, label) of mentors ``viewer`` may see who are accepting mentees now, for
    the ranked-request form."""
    qs = (
        selectors.mentors_visible_to(viewer)
        .annotate(
            current_load=Count(
                "mentorships_as_mentor",
                filter=Q(mentorships_as_mentor__status__in=CURRENT_STATUSES),
                distinct=True,
            )
        )
        .filter(mentor_profile__capacity__gt=F("current_load"))
        .order_by(F("mentor_profile__last_active_at").desc(nulls_last=True), "username")
        .values_list(
            "username", "profile__display_name", "mentor_profile__capacity", "current_load"
        )
    )[:MAX_RANKED_CHOICES]
    out: list[tuple[str, str]] = []
    for username, display_name, capacity, load in qs:
        name = f"{display_name} (@{username})" if display_name else username
        out.append((username, f"{name} · accepting {capacity - load} more"))
    return out


def mentors_by_username(viewer: User, usernames: list[str]) -> list[User]:
    """The visible mentors named, in the order given (unknown or hidden names are left out)."""
    found = {
        u.username: u for u in selectors.mentors_visible_to(viewer).filter(username__in=usernames)
    }
    return [found[name] for name in usernames if name in found]


def mentor_profile_of(user: User) -> MentorProfile | None:
    return MentorProfile.objects.filter(pk=user.pk).prefetch_related("specialties").first()


def conversations_of(mentorship: Mentorship, limit: int = 50) -> list[Conversation]:
    return list(
        mentorship.conversations.select_related("logged_by").order_by("-day", "-id")[:limit]
    )


def check_ins_of(mentorship: Mentorship, limit: int = 20) -> list[CheckIn]:
    return list(
        mentorship.check_ins.select_related("author").order_by("-created_at", "-id")[:limit]
    )


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
        for m in selectors.mentorships_of(user)
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


PROPOSALS_PER_PAGE = 100


def run_with_proposals_page(
    run_id: int, page: int | str | None = 1
) -> tuple[MatchRun, Page[MatchProposal]]:
    """A matching run and one page of its proposals, best first (a run over a large community
    has tens of thousands). ``NotFound`` for a missing run."""
    run = MatchRun.objects.select_related("started_by", "decided_by").filter(pk=run_id).first()
    if run is None:
        raise NotFound("No such matching run.")
    proposals = run.proposals.select_related(
        "mentee", "mentor", "mentee__profile", "mentor__profile", "mentorship"
    ).order_by("-score", "mentee_id")
    paginator: Paginator[MatchProposal] = Paginator(proposals, PROPOSALS_PER_PAGE)
    return run, paginator.get_page(page)
