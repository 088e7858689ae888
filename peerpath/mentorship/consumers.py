"""The mentorship chat socket (``/ws/mentorships/<id>/``): thin, like a view.

Every decision is a policy (``policies.can_chat``), every write a service
(``services.chat.post_message`` / ``mark_read``), every read a selector; the consumer only speaks
the JSON protocol below and writes the frames services broadcast after commit through the
process hub (``realtime.hub``). Origin checks and the session user come from ``config.asgi``'s
stack.

Client → server (JSON text frames, at most ``MAX_FRAME_BYTES``):
    {"type": "send", "body": str, "client_id": str}  → {"type": "ack", "client_id", "id",
        "created_at"} once the row is stored (a resent client_id answers the stored id); when
        the text raised a safeguarding alert that concerns the writer, the ack also carries
        "crisis": {"message", "resources": [{name, contact, detail, url, country}]}: help
        lines for the writer to show at once (the message is stored and delivered as usual)
    {"type": "resync", "after": int}                 → {"type": "history", "messages": [...]}
        (at most ``HISTORY_LIMIT``; a client that gets that many asks again)
    {"type": "read", "up_to": int}                   → the group gets {"type": "read", ...}
Anything else answers {"type": "error", "message", "status"} and the socket stays open; a
refusal from a service carries the client_id and the service's status (429 rate limit...).

Server → client: {"type": "hello", "mentorship", "unread", "last_read"} after accept;
{"type": "message", ...realtime.message_payload}; {"type": "read", "user_id", "up_to"};
{"type": "closed", "reason"} and then close code 4410 when the mentorship ends;
{"type": "history", "messages": [...], "catch_up": true} unasked, when the Redis relay between
server processes is back after an outage: what was stored since it failed (de-duplicate by id).

Close codes: 4401 not signed in; 4404 missing *or* not this person's to chat in (the same
code, so a hidden mentorship looks exactly like a missing one); 4403 the chat stopped being
allowed mid-conversation (a refused send); 4410 the mentorship ended.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from peerpath.accounts.models import User
from peerpath.core.errors import NotFound, Refused
from peerpath.core.hub import message_id_of
from peerpath.core.ids import MAX_DB_ID, is_db_id
from peerpath.core.sockets import in_db_thread, signed_in_or_close
from peerpath.core.text import clean_client_id
from peerpath.mentorship import policies, realtime
from peerpath.mentorship.selectors import chat as chat_reads
from peerpath.mentorship.selectors import lifecycle as lifecycle_reads
from peerpath.mentorship.services import chat

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 16 * 1024
HISTORY_LIMIT = 200


CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_ENDED = 4410


class BadFrame(Exception):
    """A frame we cannot act on: answered with a 400 error frame, the socket stays open."""


class MentorshipChatConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]
    # No Channels layer: broadcasts come through the hub (``realtime.hub``), already JSON, and
    # keep working on this process while Redis is away (see ``peerpath.core.hub``).
    channel_layer_alias = "mentorship-hub-only"

    mentorship_id: int = 0
    user_id: int = 0
    attached: bool = False
    # What ``peerpath.core.hub.Socket`` asks of a socket (no blocks or moderators here).
    hidden: frozenset[int] = frozenset()
    is_moderator: bool = False
    seen_id: int = 0  # the newest message id this socket was sent (catch-up after an outage)
    resync_from: int | None = None  # set while the hub's relay is down
    busy: bool = False  # a client frame is being handled

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held: list[str] = []  # broadcasts that arrived while busy, in order

    # --- connection -----------------------------------------------------------------------

    async def connect(self) -> None:
        user = await signed_in_or_close(self)
        if user is None:
            return
        self.user_id = int(user.pk)
        self.mentorship_id = int(self.scope["url_route"]["kwargs"]["mentorship_id"])
        hello = await self._authorize()
        if hello is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        # Hello first, then live frames; what was stored between the check and the attach
        # the client fetches with its resync on open. No Redis on this path: a connect works
        # while Redis is down.
        await self.accept()
        await self._send(hello)
        await realtime.hub.attach(self.mentorship_id, self)
        self.attached = True

    async def disconnect(self, code: int) -> None:
        if self.attached:
            self.attached = False
            realtime.hub.detach(self.mentorship_id, self)

    @in_db_thread
    def _authorize(self) -> dict[str, Any] | None:
        """The hello frame if this person may chat here now; None for missing or forbidden."""
        if self.mentorship_id > MAX_DB_ID:
            return None
        user = self._user()
        if user is None:
            return None
        try:
            m = lifecycle_reads.mentorship_for_party(user, self.mentorship_id)
        except NotFound:
            return None
        if not policies.can_chat(user, m):
            return None
        last_read = m.mentor_last_read if user.pk == m.mentor_id else m.mentee_last_read
        latest = chat_reads.recent_messages(m.pk, 1)
        self.seen_id = latest[-1].pk if latest else 0
        return {
            "type": "hello",
            "mentorship": m.pk,
            "unread": chat_reads.unread_counts(user, [m]).get(m.pk, 0),
            "last_read": last_read,
        }

    def _user(self) -> User | None:
        """The sender, fresh from the database: a suspension or band change made while the
        socket is open counts from the next frame on, not from the next reconnect."""
        user: User | None = User.objects.filter(pk=self.user_id, is_active=True).first()
        return user

    # --- frames from the client -----------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # Broadcasts that arrive while a frame is handled wait until its answer is sent: the
        # sender always gets the ack before its own message's broadcast.
        self.busy = True
        try:
            await self._receive(text_data)
        finally:
            self.busy = False
            held, self.held = self.held, []
            for text in held:
                await self.deliver(text)

    async def _receive(self, text_data: str | None) -> None:
        try:
            frame = self._parse(text_data)
            kind = frame.get("type")
            if kind == "send":
                await self._on_send(frame)
            elif kind == "resync":
                await self._on_resync(frame)
            elif kind == "read":
                await self._on_read(frame)
            else:
                raise BadFrame("Unknown frame type: expected send, resync or read.")
        except BadFrame as exc:
            await self._error(str(exc), 400)
        except Exception:  # a bug must not kill the socket or leak details
            logger.exception("mentorship chat frame failed (mentorship %s)", self.mentorship_id)
            await self._error("Something went wrong. Please try again.", 500)

    def _parse(self, text_data: str | None) -> dict[str, Any]:
        if text_data is None:
            raise BadFrame("Send JSON text frames.")
        # A character is at least one byte: only encode when it could matter.
        if len(text_data) > MAX_FRAME_BYTES or (
            len(text_data) * 4 > MAX_FRAME_BYTES and len(text_data.encode()) > MAX_FRAME_BYTES
        ):
            raise BadFrame(f"Frame too large (the limit is {MAX_FRAME_BYTES // 1024} KB).")
        try:
            frame = json.loads(text_data)
        except ValueError as exc:
            raise BadFrame("Invalid JSON.") from exc
        if not isinstance(frame, dict):
            raise BadFrame("A frame is a JSON object with a type.")
        return frame

    async def _on_send(self, frame: dict[str, Any]) -> None:
        body = frame.get("body")
        try:
            client_id = clean_client_id(frame.get("client_id", ""))
        except Refused as exc:
            raise BadFrame(exc.message) from exc
        if not isinstance(body, str):
            await self._error("body must be a string.", 400, client_id=client_id)
            return
        try:
            ack = await self._post(body, client_id)
        except Refused as exc:
            await self._error(exc.message, exc.status, client_id=client_id)
            if exc.status in (403, 404):  # no longer allowed to chat here: stop listening
                await self.close(code=CLOSE_FORBIDDEN if exc.status == 403 else CLOSE_NOT_FOUND)
            return
        await self._send(ack)

    @in_db_thread
    def _post(self, body: str, client_id: str) -> dict[str, Any]:
        """Store the message (the service re-checks can_chat) and build the ack."""
        sender = self._user()
        if sender is None:
            raise NotFound("No such mentorship.")
        posted = chat.post_message(
            sender=sender, mentorship_id=self.mentorship_id, body=body, client_id=client_id
        )
        message = posted.message
        ack: dict[str, Any] = {
            "type": "ack",
            "client_id": client_id,
            "id": message.pk,
            "created_at": message.created_at.isoformat(),
        }
        found = posted.screening.as_payload()
        if found is not None:
            ack["crisis"] = found
        return ack

    async def _on_resync(self, frame: dict[str, Any]) -> None:
        after = frame.get("after", 0)
        if not is_db_id(after):
            raise BadFrame("after must be a message id (a non-negative integer).")
        messages = await self._history(after)
        await self._send({"type": "history", "messages": messages})

    @in_db_thread
    def _history(self, after: int) -> list[dict[str, Any]]:
        rows = chat_reads.messages_after(self.mentorship_id, after, HISTORY_LIMIT)
        if rows:
            self.seen_id = max(self.seen_id, rows[-1].pk)
        return [realtime.message_payload(m, m.sender.profile.shown_name) for m in rows]

    async def _on_read(self, frame: dict[str, Any]) -> None:
        up_to = frame.get("up_to")
        if not is_db_id(up_to):
            raise BadFrame("up_to must be a message id (a non-negative integer).")
        try:
            await self._mark_read(up_to)
        except Refused as exc:
            await self._error(exc.message, exc.status)

    @in_db_thread
    def _mark_read(self, up_to: int) -> int:
        user = self._user()
        if user is None:
            raise NotFound("No such mentorship.")
        return chat.mark_read(user=user, mentorship_id=self.mentorship_id, up_to=up_to)

    # --- hub callbacks (broadcasts by services after commit) -------------------------------

    async def deliver(self, text: str) -> None:
        """A broadcast, already JSON: straight to the socket ("closed" also closes it)."""
        if self.busy:
            self.held.append(text)
            return
        await self.send(text_data=text)
        seen = message_id_of(text)
        if seen:
            self.seen_id = max(self.seen_id, seen)
        elif text.startswith('{"type":"closed"'):
            self.attached = False
            realtime.hub.detach(self.mentorship_id, self)
            await self.close(code=CLOSE_ENDED)

    async def control(self, text: str) -> None:
        await self.deliver(text)

    def degraded(self) -> None:
        """The hub's relay failed: messages of the other process may be missed from here."""
        if self.resync_from is None:
            self.resync_from = self.seen_id

    async def recovered(self) -> None:
        """The relay is back: push what was stored since the outage began, as a history
        frame marked ``catch_up`` (the client de-duplicates by id)."""
        after, self.resync_from = self.resync_from, None
        if after is None or not self.attached:
            return
        messages = await self._history(after)
        await self._send({"type": "history", "messages": messages, "catch_up": True})

    # --- helpers --------------------------------------------------------------------------

    async def _send(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(payload, separators=(",", ":")))

    async def _error(self, message: str, status: int, *, client_id: str | None = None) -> None:
        payload: dict[str, Any] = {"type": "error", "message": message, "status": status}
        if client_id is not None:
            payload["client_id"] = client_id
        await self._send(payload)
