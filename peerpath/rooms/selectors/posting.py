"""Reads of posting: a room's messages, a page at a time (history and catch-up)."""

from __future__ import annotations

from peerpath.rooms.models import RoomMessage

HISTORY_PAGE = 50


def messages_after(
    room_id: int, after: int, limit: int, hidden: frozenset[int] = frozenset()
) -> list[RoomMessage]:
    qs = RoomMessage.objects.filter(room_id=room_id, id__gt=after).select_related("sender")
    if hidden:
        qs = qs.exclude(sender_id__in=hidden)
    return list(qs.order_by("id")[:limit])


def messages_before(
    room_id: int, before: int | None, limit: int, hidden: frozenset[int] = frozenset()
) -> list[RoomMessage]:
    """The ``limit`` messages before ``before`` (or the latest), oldest first."""
    qs = RoomMessage.objects.filter(room_id=room_id).select_related("sender")
    if before is not None:
        qs = qs.filter(id__lt=before)
    if hidden:
        qs = qs.exclude(sender_id__in=hidden)
    return list(reversed(qs.order_by("-id")[:limit]))
