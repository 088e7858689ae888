"""Reads of mock chat assessments: what an assessor recorded, a listener's own, and the
listener named on the form.
"""

from __future__ import annotations

from typing import Final

from django.db.models import QuerySet

from peerpath.accounts.models import User
from peerpath.progression.models import MockChatAssessment

PSEUDONYM_MAX_CHARS: Final = 30


def assessments_by(assessor: User) -> QuerySet[MockChatAssessment]:
    """What an assessor recorded, newest chat first."""
    return (
        MockChatAssessment.objects.filter(assessor=assessor)
        .select_related("listener")
        .order_by("-held_on", "-id")
    )


def assessments_for(listener: User) -> QuerySet[MockChatAssessment]:
    """A listener's own assessments, newest chat first."""
    return (
        MockChatAssessment.objects.filter(listener=listener)
        .select_related("assessor")
        .order_by("-held_on", "-id")
    )


def listener_by_pseudonym(pseudonym: str) -> User | None:
    """The active account with this pseudonym (any case), or None. Names no account can
    have never reach the database."""
    name = pseudonym.strip()
    if not name or len(name) > PSEUDONYM_MAX_CHARS or "\x00" in name:
        return None
    user: User | None = User.objects.by_pseudonym(name, active=True).first()
    return user
