"""Setup helpers for progression tests: people with a past, and activity at chosen times."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.services import record_activities_bulk
from peerpath.progression.models import Achievement, Award


def make_person(
    *,
    teen: bool = False,
    listener: bool = True,
    days_ago: float = 0,
    at: dt.datetime | None = None,
    **kwargs: Any,
) -> User:
    """A person who joined (and, for listeners, became one) ``days_ago`` before ``at``."""
    user: User = UserFactory.create(teen=teen, listener=listener, **kwargs)
    joined = (at or timezone.now()) - dt.timedelta(days=days_ago)
    User.objects.filter(pk=user.pk).update(
        date_joined=joined, listener_since=joined if listener else None
    )
    user.refresh_from_db()
    return user


def add_events(
    user: User, kind: ActivityKind | str, n: int, *, at: dt.datetime | None = None
) -> None:
    when = at or timezone.now() - dt.timedelta(hours=1)
    record_activities_bulk(
        ActivityEvent(user=user, kind=ActivityKind(kind), occurred_at=when) for _ in range(n)
    )


def achievement(slug: str) -> Achievement:
    return Achievement.objects.get(slug=slug)


def award_of(user: User, slug: str) -> Award | None:
    return Award.objects.filter(user=user, achievement__slug=slug).first()


def state_of(user: User, slug: str) -> str | None:
    award = award_of(user, slug)
    return award.state if award else None
