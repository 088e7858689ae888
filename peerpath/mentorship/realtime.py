"""Channel-layer plumbing for the mentorship chat: group names, event payloads, broadcasts.

Services call ``broadcast_*`` inside ``transaction.on_commit`` so nobody is told about a row
that was rolled back; the consumer only relays these events to its socket.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from peerpath.mentorship.models import Message


def group_name(mentorship_id: int) -> str:
    return f"mentorship-{mentorship_id}"


def message_payload(message: Message, sender_name: str) -> dict[str, Any]:
    """The JSON a client receives for one message (body is plain text: clients must insert it
    as text, never as HTML)."""
    return {
        "type": "message",
        "id": message.pk,
        "sender": sender_name,
        "sender_id": message.sender_id,
        "body": message.body,
        "client_id": message.client_id,
        "created_at": message.created_at.isoformat(),
    }


def _send(mentorship_id: int, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:  # pragma: no cover - channels is always configured
        return
    async_to_sync(layer.group_send)(group_name(mentorship_id), event)


def broadcast_message(message: Message, sender_name: str) -> None:
    _send(
        message.mentorship_id,
        {"type": "chat.message", "message": message_payload(message, sender_name)},
    )


def broadcast_read(mentorship_id: int, user_id: int, up_to: int) -> None:
    _send(mentorship_id, {"type": "chat.read", "user_id": user_id, "up_to": up_to})


def broadcast_closed(mentorship_id: int, reason: str) -> None:
    """The mentorship is no longer active: every open socket for it closes."""
    _send(mentorship_id, {"type": "chat.closed", "reason": reason})
