"""Presence rows per socket and the heartbeat of server processes; rows of processes
that stopped heart-beating are swept."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from peerpath.rooms.models import Presence, ServerHeartbeat
from peerpath.rooms.selectors.presence import STALE_AFTER


def join_presence(*, room_id: int, user_id: int, server: str, channel: str) -> None:
    Presence.objects.update_or_create(
        channel=channel,
        defaults={"room_id": room_id, "user_id": user_id, "server": server},
    )


def leave_presence(*, channel: str) -> None:
    Presence.objects.filter(channel=channel).delete()


def heartbeat(*, server: str, now: dt.datetime | None = None) -> None:
    ServerHeartbeat.objects.update_or_create(
        server=server, defaults={"seen_at": now or timezone.now()}
    )


def sweep_presence(*, now: dt.datetime | None = None) -> int:
    """Forget sockets of server processes that stopped heart-beating."""
    now = now or timezone.now()
    stale = ServerHeartbeat.objects.filter(seen_at__lt=now - STALE_AFTER)
    servers = list(stale.values_list("server", flat=True))
    deleted, _ = Presence.objects.filter(
        Q(server__in=servers) | ~Q(server__in=ServerHeartbeat.objects.values("server"))
    ).delete()
    stale.delete()
    return deleted
