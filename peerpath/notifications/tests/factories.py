"""People and settings for the notification tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from peerpath.accounts.models import User
from peerpath.accounts.tests.factories import UserFactory
from peerpath.notifications.models import NotificationSettings


def person(username: str, *, tz: str = "Europe/London", **kwargs: Any) -> User:
    user: User = UserFactory.create(username=username, tz_name=tz, **kwargs)
    return user


def quiet(user: User, start: str, end: str) -> NotificationSettings:
    s, _ = NotificationSettings.objects.update_or_create(
        user=user,
        defaults={
            "quiet_start": dt.time.fromisoformat(start),
            "quiet_end": dt.time.fromisoformat(end),
        },
    )
    return s


def digest(user: User, hour: int = 8) -> NotificationSettings:
    s, _ = NotificationSettings.objects.update_or_create(
        user=user, defaults={"daily_digest": True, "digest_hour": hour}
    )
    return s
