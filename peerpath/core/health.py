"""What ``/healthz`` checks: each part the site runs on, probed with a short timeout.

Parts: ``database`` (the core: nothing renders or is stored without it), ``cache`` (rate
limits, suggestions), ``channel_layer`` (live notification counts between processes) and
``queue`` (Huey's storage: mail, rollups). The cache, the channel layer and the queue are
Redis when ``REDIS_URL`` is set, else the database / the process / a SQLite file.

The verdict: the database down is ``down`` (HTTP 503: take this process out of rotation);
any other part down is ``degraded`` (HTTP 200, the part named): pages still render, messages
are still stored, and the chats keep working on each process and catch up when Redis returns,
so a load balancer must not remove every process because Redis is away.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.db import connection

from peerpath.core.idempotency import new_key

#: Seconds any one Redis probe may take (connect, then the command).
PROBE_TIMEOUT = 0.5
CORE_PARTS = frozenset({"database"})


@dataclass(frozen=True)
class Part:
    name: str
    ok: bool
    backend: str
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.ok, "backend": self.backend}
        if self.error:
            out["error"] = self.error
        return out


@dataclass(frozen=True)
class Report:
    parts: list[Part]

    @property
    def down(self) -> list[str]:
        return [p.name for p in self.parts if not p.ok]

    @property
    def status(self) -> str:
        if CORE_PARTS & set(self.down):
            return "down"
        return "degraded" if self.down else "ok"

    @property
    def http_status(self) -> int:
        return 503 if self.status == "down" else 200


def check() -> Report:
    return Report(
        [
            _probe("database", _database),
            _probe("cache", _cache),
            _probe("channel_layer", _channel_layer),
            _probe("queue", _queue),
        ]
    )


def _probe(name: str, fn: Callable[[], tuple[bool, str]]) -> Part:
    try:
        ok, backend = fn()
    except Exception as exc:
        return Part(name, False, "", exc.__class__.__name__)
    return Part(name, ok, backend, "" if ok else "no answer")


def _database() -> tuple[bool, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


def _cache() -> tuple[bool, str]:
    cache = caches["default"]
    backend = type(cache).__name__
    ping = getattr(cache, "ping", None)
    if callable(ping):  # peerpath.core.cache: one bounded round trip, never raises
        return bool(ping()), backend
    # Any other backend: a write read back (a cache that swallows errors reads a miss).
    probe = new_key()
    cache.set("healthz:probe", probe, 30)
    return cache.get("healthz:probe") == probe, backend


_clients: dict[tuple[tuple[str, Any], ...], Any] = {}


def _redis_ping(url: str | None = None, **kwargs: Any) -> bool:
    """PING through a client kept per address (a probe every few seconds from a load balancer
    must not open and close connections); bounded by PROBE_TIMEOUT; a broken pooled connection
    is dropped by redis-py, so the next probe after Redis returns reconnects."""
    import redis

    kwargs.update(socket_connect_timeout=PROBE_TIMEOUT, socket_timeout=PROBE_TIMEOUT)
    key = (("url", url), *sorted(kwargs.items()))
    client = _clients.get(key)
    if client is None:
        client = redis.Redis.from_url(url, **kwargs) if url else redis.Redis(**kwargs)
        _clients[key] = client
    return bool(client.ping())


def _channel_layer() -> tuple[bool, str]:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return False, "none"
    hosts = getattr(layer, "hosts", None)
    if not hosts:
        return True, type(layer).__name__  # in this process: up when the process is
    host = dict(hosts[0])
    address = host.get("address")
    if address:
        return _redis_ping(url=address), type(layer).__name__
    return _redis_ping(host=host.get("host"), port=host.get("port")), type(layer).__name__


def _queue() -> tuple[bool, str]:
    from huey.contrib.djhuey import HUEY

    storage = HUEY.storage
    pool = getattr(storage, "pool", None)
    if pool is not None:  # Redis: ping with the queue's own address, bounded
        given = pool.connection_kwargs
        kwargs = {k: given[k] for k in ("host", "port", "db", "username", "password") if k in given}
        if "path" in given:
            kwargs["unix_socket_path"] = given["path"]
        return _redis_ping(**kwargs), type(storage).__name__
    storage.queue_size()  # SQLite file / memory: answers or raises
    return True, type(storage).__name__
