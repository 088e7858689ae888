"""The shared cache degrades to a miss while Redis is unreachable, and works when it answers."""

from __future__ import annotations

import os
import socket

import pytest

from peerpath.core.cache import ResilientRedisCache


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there once the socket is closed


def _cache(url: str) -> ResilientRedisCache:
    return ResilientRedisCache(
        url, {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}
    )


def test_an_unreachable_redis_reads_as_a_miss_and_drops_writes(caplog) -> None:
    cache = _cache(f"redis://127.0.0.1:{_closed_port()}/0")
    assert cache.get("k", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    cache.set("k", 1)  # no exception
    assert cache.add("lock", True) is True  # a caller's lock proceeds at once
    assert cache.delete("k") is False
    assert cache.has_key("k") is False
    assert cache.ping() is False
    with pytest.raises(ValueError, match="cache unreachable"):
        cache.incr("counter")
    assert any("cache unreachable" in r.getMessage() for r in caplog.records)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
def test_a_reachable_redis_is_a_real_cache() -> None:
    cache = _cache(os.environ["REDIS_URL"])
    cache.set("peerpath-cache-test", {"n": 1}, 30)
    assert cache.get("peerpath-cache-test") == {"n": 1}
    assert cache.add("peerpath-cache-test", 2) is False
    assert cache.ping() is True
    cache.delete("peerpath-cache-test")
    assert cache.get("peerpath-cache-test") is None


@pytest.mark.django_db
def test_the_embedded_default_cache_is_the_database_table() -> None:
    from django.core.cache import caches
    from django.db import connection

    cache = caches["default"]
    if "redis" in type(cache).__name__.lower():
        pytest.skip("REDIS_URL is set: the cache is Redis")
    cache.set("peerpath-db-cache", [1, 2], 30)
    assert cache.get("peerpath-db-cache") == [1, 2]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM peerpath_cache")
        assert cursor.fetchone()[0] >= 1
