"""WebSocket routes. Every route here must also appear in docs/authz_matrix.csv."""

from __future__ import annotations

from typing import Any

from django.urls import path

from peerpath.mentorship.consumers import MentorshipChatConsumer

# Later issues append their consumers' routes (rooms, notifications).
websocket_urlpatterns: list[Any] = [
    path(
        "ws/mentorships/<int:mentorship_id>/",
        MentorshipChatConsumer.as_asgi(),
        name="mentorship-chat",
    ),
]
