"""Process-local fan-out for chat sockets, with a Redis pub/sub relay between processes.

Why not Channels' groups: a ``group_send`` serialises and routes the event once per socket
(measured for rooms: 0.12x a raw websockets server at 500 sockets, and the Redis layer ran out
of connections), and every group call fails while Redis is down. Instead each server process
keeps its sockets per topic id (a room, a mentorship), a broadcast is turned into its JSON text
*once*, and the process writes that text to its local sockets. Between processes
(``REDIS_URL`` set) every broadcast is published once on one Redis pub/sub channel per hub;
each process runs one subscriber per hub and fans out to its own sockets. Publishers use a
small bounded connection pool, so the number of Redis connections does not grow with sockets.

Redis faults. Nothing here ever raises into a request or a socket: a publish that fails is
logged and delivered to this process's sockets (the chat goes on locally). The first failure
(a publish, or the subscriber losing its connection) marks the hub *down* and every local
socket is told (``Socket.degraded``: it remembers the last message id it had). When the
subscriber is subscribed again (confirmed by Redis), the hub is *up* and every local socket
catches up from the database (``Socket.recovered``: a history frame of what came after that
id; clients de-duplicate by message id), so a message stored on another process during the
outage reaches every client within about a second of Redis returning. The publisher retries
a command once on a dead pooled connection, so a stale pool recovers on its first call.

An envelope is ``topic|sender|only_user|audience|text``:
- ``sender`` (0 = none) lets each socket hide people its user blocked, without parsing JSON;
- ``only_user`` (0 = everyone) targets one person's sockets in the topic (sanctions, notices);
- ``audience`` is ``all`` or ``mods`` (crisis alerts go to a room's moderators only);
- ``topic`` 0 with ``only_user`` set reaches that person in every topic (blocks changed).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

logger = logging.getLogger(__name__)

ALL = "all"
MODS = "mods"

CLOSE_TIMEOUT_SECONDS = 1.0
#: The subscriber retries at most this far apart while Redis is away, so recovery is noticed
#: within about a second of Redis returning.
MAX_BACKOFF_SECONDS = 1.0
#: Publishing never waits on Redis for longer than this (connect, then the command).
PUBLISH_CONNECT_TIMEOUT = 0.5
PUBLISH_TIMEOUT = 2.0


class Socket(Protocol):
    """What the hub needs of a connected consumer."""

    user_id: int
    hidden: frozenset[int]
    is_moderator: bool

    async def deliver(self, text: str) -> None: ...

    async def control(self, text: str) -> None: ...

    def degraded(self) -> None:
        """The relay failed: remember where to catch up from (called on the event loop)."""

    async def recovered(self) -> None:
        """The relay is back: send what was stored since ``degraded`` (from the database)."""


@dataclass(frozen=True, slots=True)
class Envelope:
    room_id: int  # the topic: a room id, a mentorship id
    sender_id: int
    only_user: int
    audience: str
    text: str

    def encode(self) -> str:
        return f"{self.room_id}|{self.sender_id}|{self.only_user}|{self.audience}|{self.text}"

    @classmethod
    def decode(cls, raw: str) -> Envelope:
        room, sender, only, audience, text = raw.split("|", 4)
        return cls(int(room), int(sender), int(only), audience, text)


def message_id_of(text: str) -> int:
    """The id of a ``{"type":"message","id":N,...}`` frame (as realtime modules serialise it:
    compact, ``type`` then ``id``), else 0. Cheap: no JSON parsing on the hot path."""
    head = '{"type":"message","id":'
    if not text.startswith(head):
        return 0
    end = text.find(",", len(head))
    digits = text[len(head) : end]
    return int(digits) if end > 0 and digits.isdigit() else 0


class Hub:
    """The sockets of this process for one kind of topic, by topic id and by person."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rooms: dict[int, dict[Socket, None]] = {}
        self.people: dict[int, dict[Socket, None]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self._subscriber: asyncio.Task[None] | None = None
        self.delivered = 0
        #: True from the first relay failure until the subscriber is subscribed again.
        self.down = False
        self.outages = 0  # how many times the relay went down (tests, logs)
        # Without Redis, what a process without sockets (the Huey worker, a command)
        # publishes reaches the server process through the database relay.
        _live_relay().register(self.relay_kind, self._relayed)

    @property
    def relay_kind(self) -> str:
        return f"hub:{self.name}"

    def channel(self) -> str:
        """Pub/sub ignores the database number: name it in the channel, so two deployments
        (or the test suite and a benchmark) sharing one Redis never hear each other."""
        from urllib.parse import urlparse

        db = (urlparse(str(settings.REDIS_URL or "")).path or "/0").strip("/") or "0"
        prefix = getattr(settings, "HUB_REDIS_PREFIX", "")
        return f"peerpath:{self.name}:{prefix}{db}"

    # --- sockets --------------------------------------------------------------------------

    async def attach(self, room_id: int, sock: Socket) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            # A new event loop (a new server, or a test's loop): start over on it.
            self.loop = loop
            self.rooms.clear()
            self.people.clear()
            self._subscriber = None
            self.down = False
        self.rooms.setdefault(room_id, {})[sock] = None
        self.people.setdefault(sock.user_id, {})[sock] = None
        if self.down:
            sock.degraded()  # it may miss other processes' messages until the relay is back
        if relay_enabled() and (self._subscriber is None or self._subscriber.done()):
            self._subscriber = loop.create_task(self._subscribe())

    def detach(self, room_id: int, sock: Socket) -> None:
        members = self.rooms.get(room_id)
        if members is not None:
            members.pop(sock, None)
            if not members:
                del self.rooms[room_id]
        mine = self.people.get(sock.user_id)
        if mine is not None:
            mine.pop(sock, None)
            if not mine:
                del self.people[sock.user_id]

    # --- publishing (any thread) ----------------------------------------------------------

    def publish(self, env: Envelope) -> None:
        """Send to every process (Redis) or to this one. Safe from any thread; called by
        services inside ``transaction.on_commit``. Never raises."""
        if relay_enabled():
            try:
                _redis_publish(self.channel(), env.encode())
            except Exception as exc:  # Redis down: local sockets still hear it
                # Once per outage: every broadcast fails while Redis is away.
                log = logger.debug if self.down else logger.warning
                log(
                    "%s relay publish failed (%s); delivering on this process only",
                    self.name,
                    exc.__class__.__name__,
                )
                self._schedule(env, degrade=True)
            return
        if self.loop is None:
            live = _live_relay()
            if live.should_relay():  # no Redis, and this process holds no sockets
                live.store(self.relay_kind, [("", env.encode())])
                return
        self._schedule(env)

    async def _relayed(self, group: str, payload: str) -> None:
        """A publish of a process without sockets, read by the database relay's poller."""
        await self.fan_out(Envelope.decode(payload))

    def _schedule(self, env: Envelope, *, degrade: bool = False) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return  # no sockets were ever opened in this process
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            if degrade:
                self._mark_down()  # before the local delivery: snapshots precede it
            loop.create_task(self.fan_out(env), context=contextvars.Context())
        else:
            # A fresh context: the caller's (asgiref's "inside sync_to_async" markers) must not
            # leak into the delivery task, whose handlers may use the database thread.
            with contextlib.suppress(RuntimeError):  # loop closed meanwhile
                if degrade:
                    loop.call_soon_threadsafe(self._mark_down, context=contextvars.Context())
                loop.call_soon_threadsafe(self._spawn, env, context=contextvars.Context())

    def _spawn(self, env: Envelope) -> None:
        assert self.loop is not None  # noqa: S101 - scheduled on it
        self.loop.create_task(self.fan_out(env))

    # --- outage and recovery (event loop) -------------------------------------------------

    def _mark_down(self) -> None:
        if self.down:
            return
        self.down = True
        self.outages += 1
        logger.warning(
            "%s relay is down: sockets of this process hear this process only", self.name
        )
        for members in list(self.rooms.values()):
            for sock in list(members):
                try:
                    sock.degraded()
                except Exception:
                    logger.exception("%s socket could not note the outage", self.name)

    async def _mark_up(self) -> None:
        if not self.down:
            return
        self.down = False
        socks = [sock for members in self.rooms.values() for sock in members]
        logger.warning("%s relay is back: %d local sockets catch up", self.name, len(socks))
        for sock in socks:
            try:
                await sock.recovered()
            except Exception:
                logger.exception("%s socket could not catch up", self.name)

    # --- delivery (event loop) ------------------------------------------------------------

    async def fan_out(self, env: Envelope) -> None:
        if env.room_id == 0:
            targets = list(self.people.get(env.only_user, ()))
            for sock in targets:
                await _safe(sock.control, env.text)
            return
        members = self.rooms.get(env.room_id)
        if not members:
            return
        if env.only_user:
            for sock in list(members):
                if sock.user_id == env.only_user:
                    await _safe(sock.control, env.text)
            return
        mods_only = env.audience == MODS
        sender = env.sender_id
        text = env.text
        n = 0
        for sock in list(members):
            if mods_only and not sock.is_moderator:
                continue
            if sender and sender in sock.hidden:
                continue
            try:
                await sock.deliver(text)
                n += 1
            except Exception:  # one broken socket must not stop the others
                logger.debug("%s delivery failed", self.name, exc_info=True)
        self.delivered += n

    async def _subscribe(self) -> None:
        """One Redis subscriber per process and hub, for as long as the loop runs."""
        import redis.asyncio as aioredis

        url = settings.REDIS_URL
        assert url is not None  # noqa: S101 - relay_enabled() checked it
        backoff = 0.1
        me = asyncio.current_task()
        channel = self.channel()
        while True:
            if me is not None and me.cancelling():
                # redis-py can turn a cancellation into a connection error while it connects
                # or subscribes; a loop shutting down must not be answered by reconnecting.
                raise asyncio.CancelledError
            client = aioredis.Redis.from_url(
                url, decode_responses=True, socket_connect_timeout=PUBLISH_CONNECT_TIMEOUT
            )
            # Subscribe confirmations are read once (``_confirmed``), then skipped per call.
            pubsub = client.pubsub(ignore_subscribe_messages=False)
            try:
                await pubsub.subscribe(channel)
                await _confirmed(pubsub)
                backoff = 0.1
                # Subscribed for sure: whatever is published from now on reaches us, and what
                # was stored before is in the database for the catch-up.
                await self._mark_up()
                # Poll with a short timeout rather than ``listen()``: redis-py can swallow a
                # cancellation while it reads, and a subscriber blocked in ``listen()`` then
                # never ends (an event loop shutting down waited on it forever).
                while me is None or not me.cancelling():
                    item = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    data = item.get("data") if item else None
                    if isinstance(data, str):
                        await self.fan_out(Envelope.decode(data))
                raise asyncio.CancelledError
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if me is not None and me.cancelling():
                    raise asyncio.CancelledError from None
                if not self.down:
                    logger.warning(
                        "%s relay subscriber lost Redis (%s); reconnecting",
                        self.name,
                        exc.__class__.__name__,
                    )
                self._mark_down()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            finally:
                # Bounded: a loop shutting down must never wait on a dead connection.
                with contextlib.suppress(Exception):
                    unsubscribe = getattr(pubsub, "aclose", None) or pubsub.close
                    await asyncio.wait_for(unsubscribe(), CLOSE_TIMEOUT_SECONDS)
                with contextlib.suppress(Exception):
                    closer = getattr(client, "aclose", None) or client.close
                    await asyncio.wait_for(closer(), CLOSE_TIMEOUT_SECONDS)


async def _confirmed(pubsub: Any) -> None:
    """Until Redis confirms the subscription (ConnectionError when it does not in time)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 2.0
    while loop.time() < deadline:
        item = await pubsub.get_message(ignore_subscribe_messages=False, timeout=0.5)
        if item and item.get("type") == "subscribe":
            return
    raise ConnectionError("Redis did not confirm the subscription")


async def _safe(fn: Callable[[str], Any], text: str) -> None:
    try:
        await fn(text)
    except Exception:
        logger.debug("hub control delivery failed", exc_info=True)


def _live_relay() -> Any:
    """The embedded default's database relay: the module ``settings.HUB_DATABASE_RELAY``
    names (``peerpath.notifications.relay``, which owns its table), so core imports no app
    above it. Looked up when a hub needs it, after apps are loaded."""
    return importlib.import_module(settings.HUB_DATABASE_RELAY)


def relay_enabled() -> bool:
    return bool(getattr(settings, "REDIS_URL", None)) and getattr(settings, "HUB_REDIS_RELAY", True)


_pool_lock = threading.Lock()
_client: Any = None


def _redis_publish(channel: str, raw: str) -> None:
    global _client
    if _client is None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        with _pool_lock:
            if _client is None:
                pool = redis.BlockingConnectionPool.from_url(
                    str(settings.REDIS_URL),
                    max_connections=8,
                    timeout=PUBLISH_TIMEOUT,
                    socket_connect_timeout=PUBLISH_CONNECT_TIMEOUT,
                    socket_timeout=PUBLISH_TIMEOUT,
                    # A pooled connection that died with Redis fails its next command: retry
                    # once on a fresh one, so the first publish after a restart goes through.
                    retry=Retry(NoBackoff(), 1),
                    retry_on_error=[redis.ConnectionError, redis.TimeoutError],
                )
                _client = redis.Redis(connection_pool=pool)
    _client.publish(channel, raw)
