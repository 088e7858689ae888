"""Reads for proposals: the proposals waiting for a mentor's answer."""

from __future__ import annotations

from django.db.models import (
    QuerySet,
)

from peerpath.accounts.models import User
from peerpath.mentorship.models import (
    Mentorship,
    MentorshipStatus,
)


def proposals_for_mentor(mentor: User) -> QuerySet[Mentorship]:
    return (
        Mentorship.objects.filter(mentor=mentor, status=MentorshipStatus.PROPOSED)
        .select_related("mentee", "mentee__profile")
        .order_by("proposal_expires_at")
    )
