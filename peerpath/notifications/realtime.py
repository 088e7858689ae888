"""Live unread counts over the channel layer: group names, payloads, the batched push.

Services call ``push_unread`` inside ``transaction.on_commit``, so nobody is told about a row
that was rolled back. The channel layer is at-most-once; the database is the truth (a socket
gets the count from the database on every connect). In a process without sockets under the
embedded default (the Huey worker, a command) the pushes go through ``relay`` in one INSERT.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from peerpath.notifications import relay

logger = logging.getLogger(__name__)

EVENT_TYPE = "notify.unread"  # handled by NotificationConsumer.notify_unread
SEND_CONCURRENCY = 200


class Latest(TypedDict):
    id: int
    title: str
    url: str
    category: str


def group_name(user_id: int) -> str:
    return f"notify.{user_id}"


def unread_frame(count: int, latest: Latest | None = None) -> dict[str, Any]:
    """What a client receives: ``{"type": "unread", "count": n[, "latest": {...}]}``."""
    frame: dict[str, Any] = {"type": "unread", "count": count}
    if latest is not None:
        frame["latest"] = latest
    return frame


def push_unread(counts: Mapping[int, int], latest: Mapping[int, Latest] | None = None) -> None:
    """One ``group_send`` per person, all in one event loop trip. Never raises: a missing or
    failing channel layer costs the live update, never the notification."""
    if not counts:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    latest = latest or {}
    events = [
        (group_name(uid), {"type": EVENT_TYPE, "frame": unread_frame(n, latest.get(uid))})
        for uid, n in counts.items()
    ]
    try:
        if relay.should_relay():
            relay.store_group_messages(events)
            return
        async_to_sync(_send_all)(layer, events)
    except Exception:
        logger.exception("live notification push failed for %d people", len(events))


async def _send_all(layer: Any, events: Sequence[tuple[str, dict[str, Any]]]) -> None:
    for start in range(0, len(events), SEND_CONCURRENCY):
        chunk = events[start : start + SEND_CONCURRENCY]
        await asyncio.gather(*(layer.group_send(group, event) for group, event in chunk))
