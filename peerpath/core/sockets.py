"""Small helpers every WebSocket consumer shares: the database thread with types kept and the
signed-in check. What counts as an id in a frame is ``core.ids``; text is ``core.text``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from channels.db import database_sync_to_async

#: Every consumer closes with this code when the socket carries no signed-in session.
CLOSE_UNAUTHENTICATED = 4401

_P = ParamSpec("_P")
_R = TypeVar("_R")


def in_db_thread(fn: Callable[_P, _R]) -> Callable[_P, Awaitable[_R]]:
    """``channels.db.database_sync_to_async`` (stale connections closed around each call),
    with its types kept (channels ships no annotations)."""
    wrapped: Callable[_P, Awaitable[_R]] = database_sync_to_async(fn)
    return wrapped


async def signed_in_or_close(consumer: Any) -> Any | None:
    """The scope's signed-in user, or None after closing the socket with 4401.

    Every consumer starts its ``connect`` with this; what the person may do there (suspension,
    band, membership of the room or mentorship) is each consumer's own policy check after it.
    """
    user = consumer.scope.get("user")
    if user is None or not user.is_authenticated:
        await consumer.close(code=CLOSE_UNAUTHENTICATED)
        return None
    return user
