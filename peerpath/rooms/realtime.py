"""What room sockets are told, as JSON built once per event, handed to the hub.

Services call these inside ``transaction.on_commit``: nobody hears of a row that was rolled
back. Bodies are plain text; clients insert them as text, never as HTML.
"""

from __future__ import annotations

import json
from typing import Any

from peerpath.rooms.hub import ALL, MODS, Envelope, hub
from peerpath.rooms.models import RoomMessage


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def message_payload(m: RoomMessage, sender_name: str) -> dict[str, Any]:
    deleted = m.deleted_at is not None
    return {
        "type": "message",
        "id": m.pk,
        "room": m.room_id,
        "sender": sender_name,
        "sender_id": m.sender_id,
        "body": "" if deleted else m.body,
        "deleted": deleted,
        "client_id": m.client_id,
        "created_at": m.created_at.isoformat(),
    }


def _publish(
    room_id: int, payload: dict[str, Any], *, sender: int = 0, only: int = 0, audience: str = ALL
) -> None:
    hub.publish(Envelope(room_id, sender, only, audience, dumps(payload)))


def broadcast_message(m: RoomMessage, sender_name: str) -> None:
    _publish(m.room_id, message_payload(m, sender_name), sender=m.sender_id)


def broadcast_deleted(room_id: int, message_id: int) -> None:
    _publish(room_id, {"type": "deleted", "id": message_id})


def broadcast_room_state(room_id: int, **state: Any) -> None:
    """Slow mode, pause, host presence: {"type": "room", ...}."""
    _publish(room_id, {"type": "room", **state})


def broadcast_presence(room_id: int, joined: list[dict[str, Any]], left: list[int]) -> None:
    _publish(room_id, {"type": "presence", "joined": joined, "left": left})


def tell_user(room_id: int, user_id: int, payload: dict[str, Any]) -> None:
    """A frame for one person's sockets in one room (a warning, a mute)."""
    _publish(room_id, payload, only=user_id)


def close_user(room_id: int, user_id: int, reason: str, code: int) -> None:
    """Close one person's sockets in a room (kick, ban) — every process."""
    _publish(room_id, {"type": "closed", "reason": reason, "code": code}, only=user_id)


def alert_moderators(room_id: int, payload: dict[str, Any]) -> None:
    _publish(room_id, payload, audience=MODS)


def refresh_user(user_id: int) -> None:
    """The person's blocks (or roles) changed: their sockets everywhere reload them."""
    hub.publish(Envelope(0, 0, user_id, ALL, dumps({"type": "refresh"})))
