"""Live events between processes under the embedded default (no ``REDIS_URL``).

Without Redis the channel layer is Channels' in-memory layer and the rooms hub fans out
inside one process, so what the Huey worker (or a management command) sends would never
reach the sockets held by the server process: a notification created by a job reached the
bell only after the next page load. This module closes that gap with the database both
processes already share:

* A process that serves no sockets (it never ran the ASGI lifespan and never joined a group)
  writes what it would have sent as ``RelayedEvent`` rows, one INSERT per batch, provided a
  server is listening (a ``listening`` row it refreshes every few seconds): a seed, a
  benchmark or a command run while no server is up writes nothing.
* The server process (marked at ASGI lifespan startup, ``config.asgi``) polls that table once
  a second on its own thread and connection, and hands each new row to the in-memory layer
  (``kind="layer"``) or to whoever registered the kind (``register``: a socket hub).
* Rows older than ``KEEP_SECONDS`` are pruned by whoever writes or polls.

Why a table and not the Huey consumer inside the server process: it works for every process
that can reach the database (the worker, ``manage.py`` commands, a shell), needs no second
event loop hop into the server and keeps slow jobs off the process that answers requests.
The cost is one indexed query per second per server process. With Redis none of this runs:
the Redis layer and the rooms' Redis relay already cross processes.

Like every channel layer this is at-most-once; the database stays the truth (a socket reads
its state from the database when it connects).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

LAYER = "layer"
LISTENING = "listening"  # a server's heartbeat row (group: host and pid)
POLL_SECONDS = 1.0
#: A server refreshes its ``listening`` row this often; writers believe a row this fresh.
BEAT_SECONDS = 5.0
LISTENER_FRESH_SECONDS = 15.0
#: How long a writer trusts its last look at the ``listening`` rows.
LISTENER_CHECK_SECONDS = 2.0
#: A row whose id was taken earlier may commit later (PostgreSQL sequences); rows younger
#: than this are read again until they are this old, so a late commit is still delivered.
GRACE_SECONDS = 2.0
KEEP_SECONDS = 60.0
PRUNE_EVERY_SECONDS = 30.0
BATCH = 500

Handler = Callable[[str, str], Awaitable[None]]  # (group, payload) -> delivered locally

_serving = False
_handlers: dict[str, Handler] = {}
_last_prune = 0.0
_listener: tuple[float, bool] = (-LISTENER_CHECK_SECONDS, False)  # (checked at, alive)


# --- Who relays -------------------------------------------------------------------------------


def active() -> bool:
    """The relay is in use: the default channel layer is ours (the embedded default)."""
    return isinstance(get_channel_layer(), RelayedInMemoryChannelLayer)


def mark_serving() -> None:
    """This process holds the sockets: deliver locally, never relay."""
    global _serving
    _serving = True


def serving() -> bool:
    return _serving


def should_relay() -> bool:
    """True in a process that has no sockets of its own (the worker, a command) while the
    relay is in use: what it sends goes to ``store``, never to local groups (it has none).
    Reads no database (safe on an event loop); ``store`` checks for a listening server."""
    return not _serving and active()


def listener_alive() -> bool:
    """Whether a server process polled lately (looked up at most every couple of seconds)."""
    global _listener
    mono = time.monotonic()
    checked_at, alive = _listener
    if mono - checked_at < LISTENER_CHECK_SECONDS:
        return alive
    from peerpath.notifications.models import RelayedEvent

    fresh = timezone.now() - dt.timedelta(seconds=LISTENER_FRESH_SECONDS)
    alive = RelayedEvent.objects.filter(kind=LISTENING, created_at__gte=fresh).exists()
    _listener = (mono, alive)
    return alive


def register(kind: str, handler: Handler) -> None:
    """``handler(group, payload)`` delivers a relayed row of ``kind`` on the server loop."""
    _handlers[kind] = handler


# --- Writing (any process without sockets; sync) ----------------------------------------------


def store(kind: str, items: Iterable[tuple[str, str]]) -> int:
    """Write ``(group, payload)`` rows for the server to pick up, when one is listening; never
    raises (a live update is worth less than the job that sends it). Returns how many rows
    were written."""
    from peerpath.notifications.models import RelayedEvent

    now = timezone.now()
    rows = [RelayedEvent(created_at=now, kind=kind, group=g, payload=p) for g, p in items]
    if not rows:
        return 0
    if _on_event_loop():
        # Only a test does this (a process without sockets calling from async code); the
        # ORM is not allowed here, and the layer's group_send hops to a thread first.
        logger.debug("live relay: %d %s event(s) sent from an event loop, dropped", len(rows), kind)
        return 0
    try:
        if not listener_alive():
            return 0  # no server up: nobody holds a socket to tell
        RelayedEvent.objects.bulk_create(rows, batch_size=BATCH)
        _maybe_prune(now)
    except Exception:
        logger.exception("live relay: could not store %d %s event(s)", len(rows), kind)
        return 0
    return len(rows)


def store_group_messages(events: Sequence[tuple[str, dict[str, Any]]]) -> int:
    """Channel-layer ``group_send``s, relayed (messages must be JSON: they are JSON frames)."""
    items: list[tuple[str, str]] = []
    for group, message in events:
        try:
            items.append((group, json.dumps(message, cls=DjangoJSONEncoder)))
        except (TypeError, ValueError):
            logger.exception("live relay: %s message is not JSON, dropped", group)
    return store(LAYER, items)


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _maybe_prune(now: dt.datetime) -> None:
    global _last_prune
    mono = time.monotonic()
    if mono - _last_prune < PRUNE_EVERY_SECONDS:
        return
    _last_prune = mono
    from peerpath.notifications.models import RelayedEvent

    cutoff = now - dt.timedelta(seconds=KEEP_SECONDS)
    RelayedEvent.objects.filter(created_at__lt=cutoff).delete()


# --- The channel layer ------------------------------------------------------------------------


class RelayedInMemoryChannelLayer(InMemoryChannelLayer):  # type: ignore[misc]
    """Channels' in-memory layer; a ``group_send`` from a process without sockets goes
    through the relay table to the server process instead of into the void."""

    async def group_add(self, group: str, channel: str) -> None:
        mark_serving()  # a process whose consumers join groups holds sockets
        await super().group_add(group, channel)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if should_relay():
            await sync_to_async(store_group_messages)([(group, message)])
            return
        await super().group_send(group, message)

    async def deliver_local(self, group: str, message: dict[str, Any]) -> None:
        await super().group_send(group, message)


# --- Polling (the server process) -------------------------------------------------------------


class Poller:
    """One per server process: reads new rows on a thread of its own, delivers on the loop."""

    def __init__(self) -> None:
        self.low: int | None = None  # every row up to this id is handled (None: not read yet)
        self.seen: set[int] = set()  # ids above ``low`` already delivered
        self.delivered = 0
        self.name = f"{socket.gethostname()}:{os.getpid()}"[:100]
        self._last_beat = -BEAT_SECONDS
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-relay")
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start after the newest row (older rows were meant for an earlier server). Never
        raises: a database that does not answer yet is retried by the polling loop."""
        loop = asyncio.get_running_loop()
        with contextlib.suppress(Exception):
            await loop.run_in_executor(self._executor, _beat, self.name)
            self._last_beat = time.monotonic()
            self.low = await loop.run_in_executor(self._executor, _newest_id)
        self._task = loop.create_task(self._run(), name="live-relay-poller")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        loop = asyncio.get_running_loop()
        with contextlib.suppress(Exception):
            await loop.run_in_executor(self._executor, _stop_listening, self.name)
        self._executor.shutdown(wait=False)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        while True:
            await asyncio.sleep(POLL_SECONDS if failures == 0 else min(2.0**failures, 30.0))
            try:
                if self.low is None:
                    self.low = await loop.run_in_executor(self._executor, _newest_id)
                while await self.poll_once(loop) >= BATCH:
                    pass  # a burst: read on until caught up
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                if failures == 1 or failures % 10 == 0:
                    logger.exception("live relay: polling failed (%d in a row)", failures)
                with contextlib.suppress(Exception):
                    await loop.run_in_executor(self._executor, connection.close)

    async def poll_once(self, loop: asyncio.AbstractEventLoop | None = None) -> int:
        """Deliver every row not delivered yet; returns how many rows were read."""
        loop = loop or asyncio.get_running_loop()
        if time.monotonic() - self._last_beat >= BEAT_SECONDS:
            await loop.run_in_executor(self._executor, _beat, self.name)
            self._last_beat = time.monotonic()
        if self.low is None:
            self.low = await loop.run_in_executor(self._executor, _newest_id)
        rows, now = await loop.run_in_executor(self._executor, _rows_after, self.low)
        settled = now - dt.timedelta(seconds=GRACE_SECONDS)
        for pk, created_at, kind, group, payload in rows:
            if pk not in self.seen:
                self.seen.add(pk)
                await _dispatch(kind, group, payload)
                self.delivered += 1
            if created_at <= settled and pk > self.low:
                self.low = pk
        self.seen = {pk for pk in self.seen if pk > self.low}
        return len(rows)


def _beat(name: str) -> None:
    """Refresh this server's ``listening`` row (writers relay only while one is fresh)."""
    from peerpath.notifications.models import RelayedEvent

    now = timezone.now()
    if not RelayedEvent.objects.filter(kind=LISTENING, group=name).update(created_at=now):
        RelayedEvent.objects.create(kind=LISTENING, group=name, created_at=now, payload="")


def _stop_listening(name: str) -> None:
    from peerpath.notifications.models import RelayedEvent

    try:
        RelayedEvent.objects.filter(kind=LISTENING, group=name).delete()
    finally:
        connection.close()


def _newest_id() -> int:
    from django.db.models import Max

    from peerpath.notifications.models import RelayedEvent

    close_old_connections()
    newest: int | None = RelayedEvent.objects.aggregate(m=Max("pk"))["m"]
    return newest or 0


def _rows_after(low: int) -> tuple[list[tuple[int, dt.datetime, str, str, str]], dt.datetime]:
    from peerpath.notifications.models import RelayedEvent

    rows = list(
        RelayedEvent.objects.filter(pk__gt=low)
        .order_by("pk")
        .values_list("pk", "created_at", "kind", "group", "payload")[:BATCH]
    )
    now = timezone.now()
    if rows:
        _maybe_prune(now)
    return rows, now


async def _dispatch(kind: str, group: str, payload: str) -> None:
    if kind == LISTENING:
        return
    try:
        if kind == LAYER:
            layer = get_channel_layer()
            if isinstance(layer, RelayedInMemoryChannelLayer):
                await layer.deliver_local(group, json.loads(payload))
            return
        handler = _handlers.get(kind)
        if handler is not None:
            await handler(group, payload)
    except Exception:  # one bad row must not stop the others
        logger.exception("live relay: delivering a %s event failed", kind)


# --- Lifespan (config.asgi) -------------------------------------------------------------------

_poller: Poller | None = None


async def startup() -> None:
    """The ASGI server started in this process: it holds the sockets, so it polls."""
    global _poller
    mark_serving()
    if not active() or _poller is not None:
        return
    poller = Poller()
    await poller.start()
    _poller = poller


async def shutdown() -> None:
    global _poller
    poller, _poller = _poller, None
    if poller is not None:
        await poller.stop()
