"""Small helpers every WebSocket consumer shares: the database thread with types kept, and
what counts as a database id in a URL or frame."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeGuard, TypeVar

from channels.db import database_sync_to_async

MAX_DB_ID = 2**63 - 1  # a larger id in a URL or frame cannot exist (and would overflow)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def in_db_thread(fn: Callable[_P, _R]) -> Callable[_P, Awaitable[_R]]:
    """``channels.db.database_sync_to_async`` (stale connections closed around each call),
    with its types kept (channels ships no annotations)."""
    wrapped: Callable[_P, Awaitable[_R]] = database_sync_to_async(fn)
    return wrapped


def is_db_id(value: object) -> TypeGuard[int]:
    """A non-negative integer that fits a database id (JSON ``true`` is not an id)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_DB_ID
