"""WebSocket routes. Every route here must also appear in docs/authz_matrix.csv."""

from __future__ import annotations

from typing import Any

from django.urls import path

from peerpath.mentorship.consumers import MentorshipChatConsumer
from peerpath.notifications.consumers import NotificationConsumer
from peerpath.rooms.consumers import RoomConsumer

websocket_urlpatterns: list[Any] = [
    path(
        "ws/mentorships/<int:mentorship_id>/",
        MentorshipChatConsumer.as_asgi(),
        name="mentorship-chat",
    ),
    path("ws/rooms/<int:room_id>/", RoomConsumer.as_asgi(), name="room-chat"),
    path("ws/notifications/", NotificationConsumer.as_asgi(), name="notifications"),
]
