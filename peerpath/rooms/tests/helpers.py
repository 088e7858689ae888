"""Rooms for tests, built with the ORM (the seeded catalogue is not relied on), and the people
and shortcuts the service tests share."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.rooms.models import Room, RoomAudience, RoomBand, RoomCategory, RoomCommunity
from peerpath.rooms.services.posting import post_message
from peerpath.safety.models import SafetyAlert

_seq = itertools.count(1)

# Noon UTC three days ago: tests add minutes and hours to it and expect the same UTC day
# (participation is credited per UTC day), whatever the clock says when the suite runs.
NOW = (timezone.now() - dt.timedelta(days=3)).replace(hour=12, minute=0, second=0, microsecond=0)
CRISIS = "i want to kill myself"


def community(slug: str = "test-rooms") -> RoomCommunity:
    obj, _ = RoomCommunity.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    return obj


def make_room(
    *,
    band: str = RoomBand.ADULT,
    audience: str = RoomAudience.EVERYONE,
    category: str = RoomCategory.MEMBER_SUPPORT,
    lock: dict[str, Any] | None = None,
    comm: RoomCommunity | None = None,
    **kwargs: Any,
) -> Room:
    n = next(_seq)
    return Room.objects.create(
        slug=kwargs.pop("slug", f"test-room-{n}"),
        name=kwargs.pop("name", f"Test room {n}"),
        category=category,
        community=comm or community(),
        band=band,
        audience=audience,
        lock_criteria=lock or {},
        **kwargs,
    )


def member(**kw: object) -> User:
    user: User = UserFactory.create(**kw)
    return user


def moderator(teen: bool = False) -> User:
    """A global moderator (the Moderator role) of their band."""
    user: User = UserFactory.create(teen=teen, listener=True, roles=[Role.MODERATOR])
    return user


def post(user: User, room_id: int, body: str, *, at: dt.datetime = NOW, cid: str = "") -> int:
    """A message through the posting service (checks, credit, screening); its id."""
    return post_message(sender=user, room_id=room_id, body=body, client_id=cid, now=at).message.pk


def alert_for(obj: object) -> SafetyAlert:
    """The safeguarding alert about ``obj`` (a message, a report, a session)."""
    label = f"{obj._meta.app_label}.{obj._meta.object_name}"  # type: ignore[attr-defined]
    return SafetyAlert.objects.get(source=label, source_id=obj.pk)  # type: ignore[attr-defined]


def responder_ids(alert: SafetyAlert) -> set[int]:
    return set(alert.responders.values_list("pk", flat=True))
