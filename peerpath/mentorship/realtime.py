"""Live plumbing for the mentorship chat: payloads and broadcasts through this process's hub
(``peerpath.core.hub``: local sockets, relayed between processes by Redis pub/sub).

Services call ``broadcast_*`` after commit (``peerpath.core.aftercommit.after_commit``) so
nobody is told about a row that was rolled back, and a failing relay never turns a saved row
into an error; the consumer writes the frames to its socket as they are.
"""

from __future__ import annotations

import json
from typing import Any

from peerpath.core.hub import Envelope, Hub
from peerpath.mentorship.models import Message

hub = Hub("mentorships")


def dumps(payload: dict[str, Any]) -> str:
    """Compact, ``type`` first: the hub reads a message frame's id without parsing it."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def message_payload(message: Message, sender_name: str) -> dict[str, Any]:
    """The JSON a client receives for one message (body is plain text: clients must insert it
    as text, never as HTML). ``sender_name`` is the sender's ``profile.shown_name``, as the
    page shows it; ``created_at`` is ISO 8601, which the client formats like the page (the
    viewer's profile time zone, "j M, H:i")."""
    return {
        "type": "message",
        "id": message.pk,
        "sender": sender_name,
        "sender_id": message.sender_id,
        "body": message.body,
        "client_id": message.client_id,
        "created_at": message.created_at.isoformat(),
    }


def _send(mentorship_id: int, frame: dict[str, Any]) -> None:
    hub.publish(Envelope(mentorship_id, 0, 0, "all", dumps(frame)))


def broadcast_message(message: Message, sender_name: str) -> None:
    _send(message.mentorship_id, message_payload(message, sender_name))


def broadcast_read(mentorship_id: int, user_id: int, up_to: int) -> None:
    _send(mentorship_id, {"type": "read", "user_id": user_id, "up_to": up_to})


def broadcast_closed(mentorship_id: int, reason: str) -> None:
    """The mentorship is no longer active: every open socket for it closes (4410)."""
    _send(mentorship_id, {"type": "closed", "reason": reason})
