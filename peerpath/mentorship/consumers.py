"""The mentorship chat socket (``/ws/mentorships/<id>/``): thin, like a view.

Every decision is a policy (``policies.can_chat``), every write a service
(``services.post_message`` / ``mark_read``), every read a selector; the consumer only speaks
the JSON protocol below and relays the group events services broadcast on commit
(``realtime``). Origin checks and the session user come from ``config.asgi``'s stack.

Client → server (JSON text frames, at most ``MAX_FRAME_BYTES``):
    {"type": "send", "body": str, "client_id": str}  → {"type": "ack", "client_id", "id",
        "created_at"} once the row is stored (a resent client_id answers the stored id)
    {"type": "resync", "after": int}                 → {"type": "history", "messages": [...]}
        (at most ``HISTORY_LIMIT``; a client that gets that many asks again)
    {"type": "read", "up_to": int}                   → the group gets {"type": "read", ...}
Anything else answers {"type": "error", "message", "status"} and the socket stays open; a
refusal from a service carries the client_id and the service's status (429 rate limit...).

Server → client: {"type": "hello", "mentorship", "unread", "last_read"} after accept;
{"type": "message", ...realtime.message_payload}; {"type": "read", "user_id", "up_to"};
{"type": "closed", "reason"} and then close code 4410 when the mentorship ends.

Close codes: 4401 not signed in; 4404 missing *or* not this person's to chat in (the same
code, so a hidden mentorship looks exactly like a missing one); 4403 the chat stopped being
allowed mid-conversation (a refused send); 4410 the mentorship ended.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import Http404

from peerpath.accounts.models import User
from peerpath.core.errors import NotFound, Refused
from peerpath.core.ids import MAX_DB_ID, is_db_id
from peerpath.core.sockets import in_db_thread, signed_in_or_close
from peerpath.core.text import clean_client_id
from peerpath.mentorship import policies, realtime, selectors, services

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 16 * 1024
HISTORY_LIMIT = 200

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_ENDED = 4410


class BadFrame(Exception):
    """A frame we cannot act on: answered with a 400 error frame, the socket stays open."""


class MentorshipChatConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]
    mentorship_id: int = 0
    user_id: int = 0
    group: str = ""

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
        # Join before accepting: events queue until connect returns, so nothing between the
        # check and the first frame is lost (and the client resyncs on open anyway).
        self.group = realtime.group_name(self.mentorship_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._send(hello)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = ""

    @in_db_thread
    def _authorize(self) -> dict[str, Any] | None:
        """The hello frame if this person may chat here now; None for missing or forbidden."""
        if self.mentorship_id > MAX_DB_ID:
            return None
        user = self._user()
        if user is None:
            return None
        try:
            m = selectors.mentorship_for_party(user, self.mentorship_id)
        except Http404:
            return None
        if not policies.can_chat(user, m):
            return None
        last_read = m.mentor_last_read if user.pk == m.mentor_id else m.mentee_last_read
        return {
            "type": "hello",
            "mentorship": m.pk,
            "unread": selectors.unread_counts(user, [m]).get(m.pk, 0),
            "last_read": last_read,
        }

    def _user(self) -> User | None:
        """The sender, fresh from the database: a suspension or band change made while the
        socket is open counts from the next frame on, not from the next reconnect."""
        user: User | None = User.objects.filter(pk=self.user_id, is_active=True).first()
        return user

    # --- frames from the client -----------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
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
        message, _ = services.post_message(
            sender=sender, mentorship_id=self.mentorship_id, body=body, client_id=client_id
        )
        return {
            "type": "ack",
            "client_id": client_id,
            "id": message.pk,
            "created_at": message.created_at.isoformat(),
        }

    async def _on_resync(self, frame: dict[str, Any]) -> None:
        after = frame.get("after", 0)
        if not is_db_id(after):
            raise BadFrame("after must be a message id (a non-negative integer).")
        messages = await self._history(after)
        await self._send({"type": "history", "messages": messages})

    @in_db_thread
    def _history(self, after: int) -> list[dict[str, Any]]:
        return [
            realtime.message_payload(m, m.sender.username)
            for m in selectors.messages_after(self.mentorship_id, after, HISTORY_LIMIT)
        ]

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
        return services.mark_read(user=user, mentorship_id=self.mentorship_id, up_to=up_to)

    # --- group events (broadcast by services on commit) -----------------------------------

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self._send({**event["message"], "type": "message"})

    async def chat_read(self, event: dict[str, Any]) -> None:
        await self._send({"type": "read", "user_id": event["user_id"], "up_to": event["up_to"]})

    async def chat_closed(self, event: dict[str, Any]) -> None:
        await self._send({"type": "closed", "reason": event.get("reason", "")})
        await self.close(code=CLOSE_ENDED)

    # --- helpers --------------------------------------------------------------------------

    async def _send(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(payload, separators=(",", ":")))

    async def _error(self, message: str, status: int, *, client_id: str | None = None) -> None:
        payload: dict[str, Any] = {"type": "error", "message": message, "status": status}
        if client_id is not None:
            payload["client_id"] = client_id
        await self._send(payload)
