"""Screening writers for leadership: an application's statement (what the apply form's view
calls) and a buddy check-in note (what the buddies page's view calls)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Model
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.services import record_activities_bulk
from peerpath.progression.models import Achievement, AwardSource
from peerpath.progression.services.applications import apply_for_role
from peerpath.progression.services.awards import grant_award
from peerpath.progression.services.buddies import pair_new_leaders, record_check_in


def _grant(user: User, slug: str, *, days_ago: float) -> None:
    grant_award(
        user=user,
        achievement=Achievement.objects.get(slug=slug),
        source=AwardSource.STAFF,
        reasons="screening coverage",
        at=timezone.now() - dt.timedelta(days=days_ago),
    )


def apply(text: str) -> Model:
    """A Room Supporter of 40 days, with 20 group chats and 3 good reviews, applies to be a
    chatroom moderator."""
    user: User = UserFactory.create(listener=True, teen=True)
    _grant(user, "room-supporter", days_ago=40)
    at = timezone.now() - dt.timedelta(days=1)
    record_activities_bulk(
        ActivityEvent(user=user, kind=kind, occurred_at=at - dt.timedelta(minutes=i))
        for kind, n in ((ActivityKind.GROUP_CHAT, 20), (ActivityKind.REVIEW_POSITIVE, 3))
        for i in range(n)
    )
    applied = apply_for_role(
        user=user, achievement=Achievement.objects.get(slug="chatroom-moderator"), statement=text
    )
    return applied.application


def check_in(text: str) -> Model:
    """A new teen Room Supporter, paired with a seasoned teen moderator, writes the check-in."""
    buddy: User = UserFactory.create(listener=True, teen=True)
    _grant(buddy, "chatroom-moderator", days_ago=100)
    newcomer: User = UserFactory.create(listener=True, teen=True)
    _grant(newcomer, "room-supporter", days_ago=2)
    [pair] = pair_new_leaders()
    return record_check_in(pair=pair, user=newcomer, note=text).pair


WRITERS: dict[str, Callable[[str], Model]] = {
    "progression.Application.statement": apply,
    "progression.BuddyPair.check_in_note": check_in,
}
