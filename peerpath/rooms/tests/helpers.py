"""Rooms for tests, built with the ORM (the seeded catalogue is not relied on)."""

from __future__ import annotations

import itertools
from typing import Any

from peerpath.rooms.models import Room, RoomAudience, RoomBand, RoomCategory, RoomCommunity

_seq = itertools.count(1)


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
