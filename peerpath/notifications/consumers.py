"""The notification bell's socket (``/ws/notifications/``): thin, one-way.

Server → client: ``{"type": "unread", "count": n}`` right after accept, then
``{"type": "unread", "count": n, "latest": {"id", "title", "url", "category"}}`` whenever
something new arrives (services push on commit to the group ``notify.<user id>``), and
``{"type": "unread", "count": n}`` when notifications are read elsewhere.
Client → server: ``{"type": "ping"}`` → ``{"type": "pong"}``; anything else gets an error
frame and the socket stays open.

Close codes: 4401 not signed in; 4403 the account may not use the community (suspended or
deactivated). Origin checks and the session user come from ``config.asgi``'s stack.
"""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from peerpath.accounts import policies as account_policies
from peerpath.accounts.models import User
from peerpath.core.sockets import in_db_thread, signed_in_or_close
from peerpath.notifications import realtime, selectors

CLOSE_FORBIDDEN = 4403
MAX_FRAME_CHARS = 1024


class NotificationConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    user_id: int = 0
    group: str = ""

    async def connect(self) -> None:
        user = await signed_in_or_close(self)
        if user is None:
            return
        self.user_id = int(user.pk)
        # Join before reading the count: a notification committed in between is pushed
        # to the group, so the newest count always wins.
        self.group = realtime.group_name(self.user_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        count = await self._unread_if_allowed()
        if count is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = ""
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()
        await self.send_json(realtime.unread_frame(count))

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = ""

    @in_db_thread
    def _unread_if_allowed(self) -> int | None:
        """The unread count, or None when this account may not use the community now."""
        user = User.objects.filter(pk=self.user_id, is_active=True).first()
        if user is None or not account_policies.can_use_community(user):
            return None
        return selectors.unread_count(user)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is not None and len(text_data) <= MAX_FRAME_CHARS:
            await super().receive(text_data=text_data)
        else:
            await self._error("Send small JSON text frames.")

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self._error("Unknown frame: this socket only answers ping.")

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None

    async def _error(self, message: str) -> None:
        await self.send_json({"type": "error", "message": message, "status": 400})

    async def notify_unread(self, event: dict[str, Any]) -> None:
        """A service's push (``realtime.push_unread``): relay the frame as it is."""
        await self.send_json(event["frame"])
