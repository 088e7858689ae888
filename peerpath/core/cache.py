"""The shared cache's Redis backend, made to degrade instead of failing the request.

``CACHES`` (config/settings/base.py) is Redis when ``REDIS_URL`` is set, else Django's
database cache. Everything we keep there is recomputable or a counter (login rate limits,
the mentor arrays behind "Suggested for you"), so while Redis is unreachable a read is a miss
and a write is dropped: the page is still served (rate limits fail open for the length of the
outage, which is logged) instead of answering 500. Connections use short time-outs, so an
outage costs a request at most ~0.5 s per call and the pool reconnects on the first call after
Redis returns (redis-py drops a broken connection from its pool).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
#: At most one warning per this many seconds per process while Redis is down.
LOG_EVERY_S = 30.0


class _ReusingClient(RedisCacheClient):
    """Django builds a new ``redis.Redis`` around the pool on every cache call (~0.2 ms);
    one per pool is enough (``redis.Redis`` is thread-safe: it borrows a connection from the
    pool for each command)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # The stubs do not declare Django's private helpers; they exist since Django 4.0.
        django_client: Any = self
        index = django_client._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = django_client._get_connection_pool(write)
            client = self._clients[index] = django_client._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """Django's Redis cache; an unreachable Redis reads as a miss and drops writes."""

    _last_logged = 0.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient

    def _degrade(self, op: str, fallback: T, call: Callable[[], T]) -> T:
        try:
            return call()
        except OUTAGE_ERRORS as exc:
            now = time.monotonic()
            if now - ResilientRedisCache._last_logged >= LOG_EVERY_S:
                ResilientRedisCache._last_logged = now
                logger.warning("cache unreachable (%s): %s; serving without it", op, exc)
            return fallback

    def ping(self) -> bool:
        """True when Redis answers (for the health check); never raises."""
        client = self._cache.get_client(write=True)
        return bool(self._degrade("ping", False, client.ping))

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._degrade(
            "get", default, lambda: super(ResilientRedisCache, self).get(key, default, version)
        )

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        return self._degrade(
            "get_many", {}, lambda: super(ResilientRedisCache, self).get_many(keys, version)
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._degrade(
            "has_key", False, lambda: super(ResilientRedisCache, self).has_key(key, version)
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._degrade(
            "set", None, lambda: super(ResilientRedisCache, self).set(key, value, timeout, version)
        )

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        # During an outage "added" is the answer that lets a caller's lock proceed at once
        # (allauth's rate-limit lock would otherwise spin for its full wait).
        return self._degrade(
            "add", True, lambda: super(ResilientRedisCache, self).add(key, value, timeout, version)
        )

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._degrade(
            "set_many",
            [],
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._degrade(
            "touch", False, lambda: super(ResilientRedisCache, self).touch(key, timeout, version)
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._degrade(
            "delete", False, lambda: super(ResilientRedisCache, self).delete(key, version)
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        self._degrade(
            "delete_many", None, lambda: super(ResilientRedisCache, self).delete_many(keys, version)
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # A counter that cannot be read is not silently zero: incr keeps raising ValueError
        # for a missing key (Django's contract), and an outage reads as "missing".
        try:
            return super().incr(key, delta, version)
        except OUTAGE_ERRORS as exc:
            raise ValueError(f"cache unreachable: {exc}") from exc

    def clear(self) -> None:
        self._degrade("clear", None, super().clear)
