"""Telling people what happened, after the transaction that made it happen commits.

For now notices are e-mails sent by a Huey job (the notifications issue adds the in-app inbox
and preferences behind these same functions). Only people with an e-mail address get mail;
nothing private (chat content) ever goes into one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from peerpath.accounts import notices
from peerpath.accounts.models import User
from peerpath.accounts.roles import Role


def notify(users: Iterable[User], subject: str, body: str) -> None:
    notices.notify(users, subject, body)


def staff_members() -> list[User]:
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(is_staff=True) | Q(is_superuser=True) | Q(groups__name=Role.STAFF.value))
        .distinct()
    )


def notify_staff(subject: str, body: str) -> None:
    notify(staff_members(), subject, body)
