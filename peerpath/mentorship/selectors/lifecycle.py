"""Reads for mentorships: a person's mentorships (the hub), one mentorship for one of its
two people, a listener's current mentorship.
"""

from __future__ import annotations

from django.db.models import (
    Case,
    IntegerField,
    Value,
    When,
)

from peerpath.accounts.models import User
from peerpath.core.errors import NotFound
from peerpath.mentorship import policies
from peerpath.mentorship.models import (
    CURRENT_STATUSES,
    Mentorship,
    MentorshipStatus,
)
from peerpath.mentorship.selectors import chat


def mentorships_of(user: User) -> list[Mentorship]:
    """The user's mentorships (current first), each with ``unread`` set, in two queries."""
    items = list(
        Mentorship.objects.involving(user.pk)
        .select_related("mentor", "mentee", "mentor__profile", "mentee__profile")
        .order_by(_current_first(), "-created_at")[:50]
    )
    counts = chat.unread_counts(user, items)
    for m in items:
        m.unread = counts.get(m.pk, 0)  # type: ignore[attr-defined]
    return items


def _current_first() -> Case:
    return Case(
        When(status=MentorshipStatus.ACTIVE, then=Value(0)),
        When(status=MentorshipStatus.PROPOSED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def mentorship_for_party(user: User, mentorship_id: int) -> Mentorship:
    """The mentorship if ``user`` is one of the two people in it; otherwise NotFound."""
    m = (
        Mentorship.objects.select_related("mentor", "mentee", "mentor__profile", "mentee__profile")
        .filter(pk=mentorship_id)
        .first()
    )
    if m is None or not policies.can_view_mentorship(user, m):
        raise NotFound("No such mentorship.")
    return m


def current_mentorship_of(user: User) -> Mentorship | None:
    return (
        Mentorship.objects.filter(mentee=user, status__in=CURRENT_STATUSES)
        .select_related("mentor__profile")
        .first()
    )
