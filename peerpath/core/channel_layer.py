"""The Redis channel layer, made to survive Redis going away and coming back.

``channels_redis`` as shipped lets every Redis error escape: a ``group_add`` in a consumer's
``connect`` turned a WebSocket handshake into HTTP 500 for the whole outage, the receive loop
of every open socket died with it, and after Redis returned the first command on each pooled
connection failed once more (a stale pool). This subclass (``CHANNEL_LAYERS`` uses it when
``REDIS_URL`` is set):

* connects with short timeouts and retries a command once on a fresh connection, so a stale
  pool recovers on its first call;
* ``group_add`` / ``group_discard`` never raise: a membership is remembered on this process,
  and every remembered membership is written again once Redis answers (a restarted Redis has
  lost its groups);
* the receive loop waits (at most a second between tries) instead of raising, so sockets stay
  open and keep working; ``group_send`` still raises, and its callers log
  (``notifications.realtime.push_unread``: the database stays the truth).

The chats do not use the layer at all (``peerpath.core.hub``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import Any

import redis
from channels_redis.core import RedisChannelLayer
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

logger = logging.getLogger(__name__)

REDIS_ERRORS: tuple[type[BaseException], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    OSError,
    asyncio.TimeoutError,
)
CONNECT_TIMEOUT = 1.0
MAX_BACKOFF_SECONDS = 1.0


def resilient_hosts(hosts: list[Any] | None) -> list[dict[str, Any]]:
    """Each host with short connect timeouts and one retry on a dead connection."""
    out: list[dict[str, Any]] = []
    for entry in hosts or ["redis://localhost:6379"]:
        host: dict[str, Any] = dict(entry) if isinstance(entry, dict) else {"address": entry}
        host.setdefault("socket_connect_timeout", CONNECT_TIMEOUT)
        # Longer than the layer's blocking pop, so a quiet socket is not a timeout.
        host.setdefault("socket_timeout", ResilientRedisChannelLayer.brpop_timeout + 5)
        host.setdefault("retry", Retry(NoBackoff(), 1))
        host.setdefault("retry_on_error", [redis.ConnectionError, redis.TimeoutError])
        out.append(host)
    return out


class ResilientRedisChannelLayer(RedisChannelLayer):  # type: ignore[misc]
    #: Seconds a blocking pop waits before it is issued again: short, so a cancellation that
    #: redis-py swallowed is noticed within it (one cheap command per second per process).
    brpop_timeout = 1

    def __init__(self, hosts: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(hosts=resilient_hosts(hosts), **kwargs)
        self.memberships: defaultdict[str, set[str]] = defaultdict(set)
        self.down_since: float | None = None

    # --- health ---------------------------------------------------------------------------

    def _mark_down(self, exc: BaseException, doing: str) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            logger.warning(
                "channel layer: Redis unavailable while %s (%s); sockets stay open",
                doing,
                exc.__class__.__name__,
            )

    async def _rejoin(self) -> None:
        """Write every membership of this process again (raises while Redis is still away)."""
        now = time.time()
        for group, channels in list(self.memberships.items()):
            if not channels:
                continue
            connection = self.connection(self.consistent_hash(group))
            key = self._group_key(group)
            await connection.zadd(key, dict.fromkeys(channels, now))
            await connection.expire(key, self.group_expiry)
        if self.down_since is not None:
            logger.warning(
                "channel layer: Redis is back after %.1f s; %d groups rejoined",
                time.monotonic() - self.down_since,
                len(self.memberships),
            )
        self.down_since = None

    # --- groups ---------------------------------------------------------------------------

    async def group_add(self, group: str, channel: str) -> None:
        self.memberships[group].add(channel)
        try:
            await super().group_add(group, channel)
        except REDIS_ERRORS as exc:
            self._mark_down(exc, "joining a group")

    async def group_discard(self, group: str, channel: str) -> None:
        members = self.memberships.get(group)
        if members is not None:
            members.discard(channel)
            if not members:
                del self.memberships[group]
        try:
            await super().group_discard(group, channel)
        except REDIS_ERRORS as exc:
            self._mark_down(exc, "leaving a group")

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        try:
            await super().group_send(group, message)
        except REDIS_ERRORS as exc:
            self._mark_down(exc, "sending to a group")
            raise

    # --- receiving ------------------------------------------------------------------------

    async def _brpop_with_clean(self, index: int, channel: str, timeout: float) -> Any:
        """The one receive loop of this process: waits out an outage instead of raising
        (which closed every socket), and rejoins the groups when Redis is back."""
        backoff = 0.1
        me = asyncio.current_task()
        while True:
            try:
                if self.down_since is not None:
                    await self._rejoin()
                member = await super()._brpop_with_clean(index, channel, timeout)
                if member is None and me is not None and me.cancelling():
                    # redis-py swallowed a cancellation (while connecting): end within one
                    # short pop instead of waiting for messages forever (a loop shutting
                    # down hung on it).
                    raise asyncio.CancelledError
                return member
            except REDIS_ERRORS as exc:
                if me is not None and me.cancelling():
                    # redis-py can turn a cancellation into a connection error; a socket
                    # closing (or a loop shutting down) must not be answered by retrying.
                    raise asyncio.CancelledError from None
                self._mark_down(exc, "receiving")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
