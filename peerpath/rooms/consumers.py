"""The room chat socket (``/ws/rooms/<room_id>/``): thin, like a view.

Decisions are ``rooms.policies``, writes ``rooms.services``, reads ``rooms.selectors``; the
consumer speaks the JSON protocol below. Broadcasts arrive through the process-local
``hub`` (not Channels groups: see ``hub``'s docstring), already serialised.

Client → server (JSON text frames of at most ``MAX_FRAME_BYTES``):
    {"type": "send", "body": str, "client_id": str} → {"type": "ack", "client_id", "id",
        "created_at"} once the row is committed (a resent client_id answers the stored id);
        with crisis language the ack also carries "crisis": {"message", "resources":
        [{name, contact, detail, url, country}]} (``safety.services.Screening.as_payload``):
        help for the writer's country, band and the room's language, shown to them alone.
    {"type": "resync", "after": int}  → {"type": "history", "messages", "more", "direction":
        "after"}: what was missed since the last id seen (after a reconnect)
    {"type": "history", "before": int | null} → older messages, newest page first
    {"type": "ping"} → {"type": "pong"}
Errors: {"type": "error", "code", "message", "status"[, "client_id"]}; the socket stays open
unless the person may no longer be in the room.

Server → client: "hello" (room, you, present, slow_mode, paused, last_id); "message";
"deleted"; "presence" (joined [{id, name}], left [ids]; batched per second); "room" (slow
mode, pause, live session); "warning" and "muted" (to that person only); "alert" (a
safeguarding alert, to the room's moderators: {alert: the SafetyAlert id, message_id, user,
user_id, category, severity, url}); "closed" {reason, code} before the server closes;
"history" with "catch_up": true, unasked, when the Redis relay between server processes is
back after an outage: what was stored since it failed (clients de-duplicate by id).

Close codes: 4401 not signed in; 4404 no such room, or not one this person may see (other
age band: indistinguishable from missing); 4403 not allowed in (badge lock, ban, kick,
audience, suspension) — the "closed" frame says why; 4429 flooding with frames.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.core.errors import Refused
from peerpath.core.hub import message_id_of
from peerpath.core.ids import MAX_DB_ID, is_db_id
from peerpath.core.sockets import in_db_thread, signed_in_or_close
from peerpath.core.text import clean_client_id
from peerpath.rooms import locks, policies, realtime
from peerpath.rooms.hub import hub
from peerpath.rooms.models import Room
from peerpath.rooms.policies import Lock, Viewer
from peerpath.rooms.selectors.catalogue import room_by_id
from peerpath.rooms.selectors.common import blocked_ids
from peerpath.rooms.selectors.common import standing as load_standing
from peerpath.rooms.selectors.common import viewer as load_viewer
from peerpath.rooms.selectors.posting import HISTORY_PAGE, messages_after, messages_before
from peerpath.rooms.selectors.presence import HEARTBEAT_SECONDS, present_people
from peerpath.rooms.services.posting import post_message
from peerpath.rooms.services.presence import (
    heartbeat,
    join_presence,
    leave_presence,
    sweep_presence,
)

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 8 * 1024
HISTORY_LIMIT = 200
PAGE = HISTORY_PAGE
RECHECK_SECONDS = 60.0  # roles, badge lock and blocks are reloaded at least this often
FRAME_BURST = 30  # frames a socket may send in a burst…
FRAME_RATE = 5.0  # …refilled at this many per second; far beyond: closed
FLOOD_STRIKES = 20

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_FLOOD = 4429


SERVER_ID = f"{socket.gethostname()[:16]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class BadFrame(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class Access:
    """What a socket knows about its person in its room, refreshed every RECHECK_SECONDS."""

    viewer: Viewer
    room: Room
    lock: Lock
    hidden: frozenset[int]
    loaded: float


# --- Process-wide upkeep: presence batching and the heartbeat ---------------------------------


class Presence:
    """Joins and leaves of this process, published once a second per room."""

    def __init__(self) -> None:
        self.joined: dict[int, dict[int, str]] = {}
        self.left: dict[int, set[int]] = {}
        self.task: asyncio.Task[None] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def ensure_running(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop or self.task is None or self.task.done():
            self.loop = loop
            self.joined.clear()
            self.left.clear()
            self.task = loop.create_task(self._run())

    def join(self, room_id: int, user_id: int, name: str) -> None:
        self.left.get(room_id, set()).discard(user_id)
        self.joined.setdefault(room_id, {})[user_id] = name

    def leave(self, room_id: int, user_id: int) -> None:
        if user_id in self.joined.get(room_id, {}):
            del self.joined[room_id][user_id]
            return  # joined and left within one tick: nobody needs to know
        self.left.setdefault(room_id, set()).add(user_id)

    async def _run(self) -> None:
        last_beat = 0.0
        while True:
            await asyncio.sleep(1.0)
            try:
                await self.flush()
                if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                    last_beat = time.monotonic()
                    await _beat()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("room presence upkeep failed")

    async def flush(self) -> None:
        joined, left = self.joined, self.left
        self.joined, self.left = {}, {}
        for room_id in set(joined) | set(left):
            who = [{"id": uid, "name": name} for uid, name in joined.get(room_id, {}).items()]
            gone = sorted(left.get(room_id, set()))
            if who or gone:
                await _publish_presence(room_id, who, gone)


@in_db_thread
def _beat() -> None:
    _beat_if_due(timezone.now(), force=True)
    sweep_presence()


_last_beat = 0.0


def forget_heartbeat() -> None:
    """Write the heartbeat again on the next connect (tests roll the row back)."""
    global _last_beat
    _last_beat = 0.0


def _beat_if_due(now: dt.datetime, *, force: bool = False) -> None:
    """This process's heartbeat row, written before its first presence row and then at most
    every half heartbeat period (a connection storm wrote one per connect: 11% of its time)."""
    global _last_beat
    if force or time.monotonic() - _last_beat >= HEARTBEAT_SECONDS / 2:
        heartbeat(server=SERVER_ID, now=now)
        _last_beat = time.monotonic()


@in_db_thread
def _publish_presence(room_id: int, joined: list[dict[str, Any]], left: list[int]) -> None:
    realtime.broadcast_presence(room_id, joined, left)


presence = Presence()


class RoomConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]
    # No Channels layer: broadcasts come through the hub (one JSON text per event per process).
    channel_layer_alias = "rooms-hub-only"

    room_id: int = 0
    user_id: int = 0
    username: str = ""
    hidden: frozenset[int] = frozenset()
    is_moderator: bool = False
    attached: bool = False
    seen_id: int = 0  # the newest message id this socket was sent (catch-up after an outage)
    resync_from: int | None = None  # set while the hub's relay is down
    sock_id: str = ""
    access: Access | None = None
    tokens: float = FRAME_BURST
    stamp: float = 0.0
    strikes: int = 0

    # --- connection -----------------------------------------------------------------------

    async def connect(self) -> None:
        user = await signed_in_or_close(self)
        if user is None:
            return
        self.user_id = int(user.pk)
        self.username = str(user.username)
        self.room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        self.sock_id = f"{SERVER_ID}:{uuid.uuid4().hex}"
        await self.accept()
        outcome = await self._enter()
        if isinstance(outcome, tuple):
            code, reason = outcome
            await self._closed(reason, code)
            return
        self.seen_id = int(outcome["last_id"])
        await hub.attach(self.room_id, self)
        self.attached = True
        presence.ensure_running()
        presence.join(self.room_id, self.user_id, self.username)
        await self._send(outcome)

    async def disconnect(self, code: int) -> None:
        if self.attached:
            self.attached = False
            hub.detach(self.room_id, self)
            presence.leave(self.room_id, self.user_id)
            try:
                await self._leave()
            except Exception:
                logger.exception("room presence could not be cleared (%s)", self.sock_id)

    @in_db_thread
    def _enter(self) -> dict[str, Any] | tuple[int, str]:
        """The hello frame, or (close code, reason)."""
        if self.room_id > MAX_DB_ID:
            return CLOSE_NOT_FOUND, "No such room."
        access = self._load()
        if access is None:
            return CLOSE_NOT_FOUND, "No such room."
        now = timezone.now()
        # Blocks were loaded with the access (hidden); the standing needs none of its own.
        standing = load_standing(self.user_id, access.room, now=now, with_blocks=False)
        entry = policies.can_enter(access.viewer, access.room, access.lock, standing, now)
        if not entry:
            return CLOSE_FORBIDDEN, entry.reason
        _beat_if_due(now)
        join_presence(
            room_id=self.room_id, user_id=self.user_id, server=SERVER_ID, channel=self.sock_id
        )
        room = access.room
        latest = messages_before(room.pk, None, 1)
        posting = policies.can_post(access.viewer, room, access.lock, standing, now)
        return {
            "type": "hello",
            "room": room.pk,
            "name": room.name,
            "you": {
                "id": self.user_id,
                "name": self.username,
                "moderator": self.is_moderator,
                "can_post": bool(posting),
                "why_not": posting.reason,
            },
            "present": [
                {"id": uid, "name": name} for uid, name in present_people(room.pk, access.hidden)
            ],
            "slow_mode": room.slow_mode_seconds,
            "paused": room.locked_at is not None,
            "last_id": latest[-1].pk if latest else 0,
        }

    def _load(self) -> Access | None:
        """Fresh person, roles, room, lock and blocks (in the database thread)."""
        user = User.objects.filter(pk=self.user_id, is_active=True).first()
        if user is None:
            return None
        now = timezone.now()
        v = load_viewer(user, now=now)
        room = room_by_id(v, self.room_id)
        if room is None:
            return None
        lock = locks.locks_for(user, [room], now=now)[room.pk]
        hidden = blocked_ids(self.user_id)
        self.access = Access(v, room, lock, hidden, time.monotonic())
        self.hidden = hidden
        self.is_moderator = policies.is_moderator(v, room)
        return self.access

    @in_db_thread
    def _leave(self) -> None:
        leave_presence(channel=self.sock_id)

    # --- hub callbacks --------------------------------------------------------------------

    async def deliver(self, text: str) -> None:
        """A broadcast, already JSON: straight to the socket."""
        await self.base_send({"type": "websocket.send", "text": text})
        self.seen_id = max(self.seen_id, message_id_of(text))

    def degraded(self) -> None:
        """The hub's relay failed: messages of other processes may be missed from here on."""
        if self.resync_from is None:
            self.resync_from = self.seen_id

    async def recovered(self) -> None:
        """The relay is back: push what was stored since the outage began (the client
        de-duplicates by id), as a history frame marked ``catch_up``."""
        after, self.resync_from = self.resync_from, None
        if after is None or not self.attached:
            return
        page = await self._page_after(after)
        await self._send({**page, "catch_up": True})

    async def control(self, text: str) -> None:
        """A frame for this person only (warnings, mutes, kicks, re-checks)."""
        frame = json.loads(text)
        kind = frame.get("type")
        if kind == "closed":
            await self._closed(frame.get("reason", ""), int(frame.get("code", CLOSE_FORBIDDEN)))
        elif kind == "refresh":
            outcome = await self._recheck()
            if outcome is not None:
                await self._closed(outcome, CLOSE_FORBIDDEN)
            else:
                await self._send({"type": "refresh"})
        else:
            await self.deliver(text)

    @in_db_thread
    def _recheck(self) -> str | None:
        """Reload everything; the reason to leave, or None."""
        access = self._load()
        if access is None:
            return "You can no longer see this room."
        now = timezone.now()
        standing = load_standing(self.user_id, access.room, now=now, with_blocks=False)
        entry = policies.can_enter(access.viewer, access.room, access.lock, standing, now)
        return None if entry else entry.reason

    # --- frames from the client -----------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.attached:
            return
        if not self._take_token():
            self.strikes += 1
            if self.strikes >= FLOOD_STRIKES:
                await self._closed("Too many frames: slow down and reconnect.", CLOSE_FLOOD)
            else:
                await self._error("rate_limited", "Too many frames; slow down.", 429)
            return
        try:
            frame = self._parse(text_data)
            kind = frame.get("type")
            if kind == "send":
                await self._on_send(frame)
            elif kind == "resync":
                await self._on_resync(frame)
            elif kind == "history":
                await self._on_history(frame)
            elif kind == "ping":
                await self._send({"type": "pong"})
            else:
                raise BadFrame(
                    "unknown_type", "Unknown frame type: expected send, resync, history or ping."
                )
        except BadFrame as exc:
            await self._error(exc.code, exc.message, 400)
        except Exception:  # a bug must not kill the socket or leak details
            logger.exception("room frame failed (room %s)", self.room_id)
            await self._error("server_error", "Something went wrong. Please try again.", 500)

    def _take_token(self) -> bool:
        now = time.monotonic()
        if self.stamp:
            self.tokens = min(FRAME_BURST, self.tokens + (now - self.stamp) * FRAME_RATE)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def _parse(self, text_data: str | None) -> dict[str, Any]:
        if text_data is None:
            raise BadFrame("binary", "Send JSON text frames.")
        if len(text_data) > MAX_FRAME_BYTES or (
            len(text_data) * 4 > MAX_FRAME_BYTES and len(text_data.encode()) > MAX_FRAME_BYTES
        ):
            raise BadFrame("too_large", f"Frame too large (the limit is {MAX_FRAME_BYTES} bytes).")
        try:
            frame = json.loads(text_data)
        except ValueError as exc:
            raise BadFrame("bad_json", "Invalid JSON.") from exc
        if not isinstance(frame, dict):
            raise BadFrame("bad_frame", "A frame is a JSON object with a type.")
        return frame

    async def _on_send(self, frame: dict[str, Any]) -> None:
        body = frame.get("body")
        try:
            client_id = clean_client_id(frame.get("client_id", ""))
        except Refused as exc:
            raise BadFrame("bad_client_id", exc.message) from exc
        if not isinstance(body, str):
            await self._error("bad_body", "body must be text.", 400, client_id=client_id)
            return
        try:
            ack = await self._post(body, client_id)
        except Refused as exc:
            if exc.status in (403, 404):  # no longer allowed in the room: leave it
                await self._error("removed", exc.message, exc.status, client_id=client_id)
                await self._closed(
                    exc.message, CLOSE_FORBIDDEN if exc.status == 403 else CLOSE_NOT_FOUND
                )
                return
            code = {409: "cannot_post", 429: "rate_limited"}.get(exc.status, "invalid")
            await self._error(code, exc.message, exc.status, client_id=client_id)
            return
        await self._send(ack)

    @in_db_thread
    def _post(self, body: str, client_id: str) -> dict[str, Any]:
        access = self.access
        if access is None or time.monotonic() - access.loaded > RECHECK_SECONDS:
            access = self._load()
        sender = User.objects.filter(pk=self.user_id, is_active=True).first()
        if sender is None or access is None:
            raise Refused("You can no longer see this room.", status=404)
        posted = post_message(
            sender=sender,
            room_id=self.room_id,
            body=body,
            client_id=client_id,
            viewer=access.viewer,
            lock=access.lock,
        )
        m = posted.message
        ack: dict[str, Any] = {
            "type": "ack",
            "client_id": client_id,
            "id": m.pk,
            "created_at": m.created_at.isoformat(),
        }
        found = posted.screening.as_payload()
        if found is not None:
            ack["crisis"] = found
        return ack

    async def _on_resync(self, frame: dict[str, Any]) -> None:
        after = frame.get("after", 0)
        if not is_db_id(after):
            raise BadFrame("bad_id", "after must be a message id (a non-negative integer).")
        await self._send(await self._page_after(after))

    @in_db_thread
    def _page_after(self, after: int) -> dict[str, Any]:
        rows = messages_after(self.room_id, after, HISTORY_LIMIT + 1, self.hidden)
        if rows[:HISTORY_LIMIT]:
            self.seen_id = max(self.seen_id, rows[:HISTORY_LIMIT][-1].pk)
        return {
            "type": "history",
            "direction": "after",
            "messages": [
                realtime.message_payload(m, m.sender.username) for m in rows[:HISTORY_LIMIT]
            ],
            "more": len(rows) > HISTORY_LIMIT,
        }

    async def _on_history(self, frame: dict[str, Any]) -> None:
        before = frame.get("before")
        if before is not None and not is_db_id(before):
            raise BadFrame("bad_id", "before must be a message id or null.")
        await self._send(await self._page_before(before))

    @in_db_thread
    def _page_before(self, before: int | None) -> dict[str, Any]:
        rows = messages_before(self.room_id, before, PAGE + 1, self.hidden)
        more = len(rows) > PAGE
        rows = rows[-PAGE:]
        return {
            "type": "history",
            "direction": "before",
            "messages": [realtime.message_payload(m, m.sender.username) for m in rows],
            "more": more,
        }

    # --- helpers --------------------------------------------------------------------------

    async def _send(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=realtime.dumps(payload))

    async def _error(
        self, code: str, message: str, status: int, *, client_id: str | None = None
    ) -> None:
        payload: dict[str, Any] = {
            "type": "error",
            "code": code,
            "message": message,
            "status": status,
        }
        if client_id is not None:
            payload["client_id"] = client_id
        await self._send(payload)

    async def _closed(self, reason: str, code: int) -> None:
        await self._send({"type": "closed", "reason": reason, "code": code})
        if self.attached:
            self.attached = False
            hub.detach(self.room_id, self)
            presence.leave(self.room_id, self.user_id)
            try:
                await self._leave()
            except Exception:
                logger.exception("room presence could not be cleared (%s)", self.sock_id)
        # The close frame's reason is limited to 123 bytes; the "closed" frame has it all.
        await self.close(code=code, reason=reason.encode()[:120].decode(errors="ignore"))
