"""Reads of presence: which server processes are alive, who is in a room now, and
whether a host is among them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from peerpath.rooms.models import Presence, Room, RoomSession, RoomStaff, ServerHeartbeat

HEARTBEAT_SECONDS = 20
STALE_AFTER = dt.timedelta(seconds=HEARTBEAT_SECONDS * 3)


def live_servers(now: dt.datetime | None = None) -> list[str]:
    now = now or timezone.now()
    return list(
        ServerHeartbeat.objects.filter(seen_at__gte=now - STALE_AFTER).values_list(
            "server", flat=True
        )
    )


def live_presence(room_ids: Iterable[int] | None = None) -> QuerySet[Presence]:
    qs = Presence.objects.filter(server__in=live_servers())
    if room_ids is not None:
        qs = qs.filter(room_id__in=list(room_ids))
    return qs


def host_present(room: Room, *, now: dt.datetime | None = None) -> bool:
    """A host of a running session, or an appointed host or moderator, is in the room."""
    now = now or timezone.now()
    present = set(live_presence([room.pk]).values_list("user_id", flat=True))
    if not present:
        return False
    running_hosts = set(
        RoomSession.objects.filter(
            room=room, started_at__isnull=False, ended_at__isnull=True, cancelled_at__isnull=True
        ).values_list("host_id", flat=True)
    )
    if present & running_hosts:
        return True
    appointed = set(
        RoomStaff.objects.filter(Q(room=room) | Q(community_id=room.community_id))
        .filter(user_id__in=present)
        .values_list("user_id", flat=True)
    )
    return bool(appointed)


def present_people(room_id: int, hidden: frozenset[int] = frozenset()) -> list[tuple[int, str]]:
    rows = (
        live_presence([room_id])
        .exclude(user_id__in=hidden)
        .values_list("user_id", "user__username")
        .distinct()
        .order_by("user__username")
    )
    return list(rows)
