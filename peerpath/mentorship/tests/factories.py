"""Builders for mentoring tests: mentors with profiles, listeners, mentorships."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from peerpath.accounts.models import Topic, User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.mentorship.models import (
    MentorProfile,
    Mentorship,
    MentorshipSource,
    MentorshipStatus,
)


def make_mentor(
    *, teen: bool = False, capacity: int = 2, topics: tuple[str, ...] = (), **kwargs: Any
) -> User:
    user: User = UserFactory.create(teen=teen, listener=True, roles=[Role.MENTOR], **kwargs)
    profile = MentorProfile.objects.create(
        user=user, capacity=capacity, approach="I listen first and help you plan small steps."
    )
    if topics:
        profile.specialties.set(Topic.objects.filter(slug__in=topics))
    return user


def make_listener(*, teen: bool = False, **kwargs: Any) -> User:
    user: User = UserFactory.create(teen=teen, listener=True, **kwargs)
    return user


def make_mentorship(
    mentor: User, mentee: User, *, status: str = MentorshipStatus.ACTIVE, **kwargs: Any
) -> Mentorship:
    """A mentorship written directly (setup only: the services are what tests exercise)."""
    now = timezone.now()
    return Mentorship.objects.create(
        mentor=mentor,
        mentee=mentee,
        status=status,
        source=kwargs.pop("source", MentorshipSource.REQUEST),
        started_at=now if status == MentorshipStatus.ACTIVE else None,
        **kwargs,
    )
