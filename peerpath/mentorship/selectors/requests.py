"""Reads for requests: what a request needs to know (``RequestFacts``), a listener's
requests, the requests waiting for a mentor, and the ranked-request form's mentors.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
)

from peerpath.accounts.models import User
from peerpath.accounts.selectors import is_blocked_between
from peerpath.core.decisions import Decision
from peerpath.mentorship import policies
from peerpath.mentorship.models import (
    CURRENT_STATUSES,
    NO_REMATCH_REASONS,
    OPEN_TARGET_STATUSES,
    MenteeProfile,
    MentorProfile,
    MentorRequest,
    Mentorship,
    MentorshipSettings,
    RequestStatus,
    RequestTarget,
    TargetStatus,
)
from peerpath.mentorship.selectors import common, directory


def request_facts(
    mentee: User, mentor: User, cfg: MentorshipSettings | None = None
) -> policies.RequestFacts:
    cfg = cfg or common.community_settings()
    profile = MentorProfile.objects.filter(pk=mentor.pk).first()
    return policies.RequestFacts(
        capacity=profile.capacity if profile else 0,
        load=common.mentor_load(mentor.pk),
        blocked=is_blocked_between(mentee.pk, mentor.pk),
        ended_without_rematch=common.ended_without_rematch(mentee.pk, mentor.pk),
        open_request_to_mentor=RequestTarget.objects.filter(
            mentee_id=mentee.pk, mentor_id=mentor.pk, status__in=OPEN_TARGET_STATUSES
        ).exists(),
        open_requests=MentorRequest.objects.filter(
            mentee_id=mentee.pk, status=RequestStatus.OPEN
        ).count(),
        max_open_requests=cfg.max_open_requests,
        has_current_mentorship=Mentorship.objects.filter(
            mentee_id=mentee.pk, status__in=CURRENT_STATUSES
        ).exists(),
        opted_out=MenteeProfile.objects.filter(pk=mentee.pk, opted_out_at__isnull=False).exists(),
    )


def request_decision(mentee: User, mentor: User, at: dt.datetime | None = None) -> Decision:
    """May ``mentee`` ask ``mentor`` now: the policy the request service applies, for the
    mentor's page to offer the form only when sending it would be accepted."""
    decision = policies.may_be_mentored(mentee, at)
    if not decision:
        return decision  # nothing to load for someone who cannot be mentored
    return policies.can_request_mentor(mentee, mentor, request_facts(mentee, mentor), at)


def requests_of_mentee(mentee: User) -> QuerySet[MentorRequest]:
    return (
        MentorRequest.objects.filter(mentee=mentee)
        .prefetch_related(
            Prefetch("targets", queryset=RequestTarget.objects.select_related("mentor__profile"))
        )
        .order_by("-created_at")
    )


def pending_requests_for_mentor(mentor: User) -> QuerySet[RequestTarget]:
    return (
        RequestTarget.objects.filter(mentor=mentor, status=TargetStatus.PENDING)
        .select_related("request", "mentee", "mentee__profile")
        .order_by("expires_at")
    )


#: The ranked-request form lists at most this many mentors (most recently active first).
MAX_RANKED_CHOICES = 200


def requestable_mentors(viewer: User) -> list[tuple[str, str]]:
    """(username, label) of mentors ``viewer`` may see who are accepting mentees now and
    whom they may ask (no pair that ended without rematch), for the ranked-request form."""
    qs = (
        directory.mentors_visible_to(viewer)
        .annotate(
            current_load=Count(
                "mentorships_as_mentor",
                filter=Q(mentorships_as_mentor__status__in=CURRENT_STATUSES),
                distinct=True,
            )
        )
        .filter(mentor_profile__capacity__gt=F("current_load"))
        .exclude(  # a pair that ended without rematch is never asked again
            pk__in=Mentorship.objects.filter(
                mentee_id=viewer.pk, end_reason__in=NO_REMATCH_REASONS
            ).values("mentor_id")
        )
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
        u.username: u for u in directory.mentors_visible_to(viewer).filter(username__in=usernames)
    }
    return [found[name] for name in usernames if name in found]
