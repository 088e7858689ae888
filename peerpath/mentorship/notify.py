"""Telling people what happened in mentoring, through the one notification service.

In-app notices and e-mail (after commit, honouring each person's preferences and quiet
hours) come from ``peerpath.notifications.services``. Nothing private (chat content) ever
goes into one.
"""

from __future__ import annotations

from collections.abc import Iterable

from peerpath.accounts.models import User
from peerpath.notifications import services as notifications

MENTORING_URL = "/mentorships/"


def notify(users: Iterable[User], subject: str, body: str, *, url: str = MENTORING_URL) -> None:
    notifications.notify(users, "mentorship", subject, body, url=url, source="mentorship")


def staff_members() -> list[User]:
    return list(User.objects.staff())


def notify_staff(subject: str, body: str) -> None:
    notifications.notify(staff_members(), "staff", subject, body, source="mentorship")
