"""WebSocket routes. Every route here must also appear in docs/authz_matrix.csv."""

from __future__ import annotations

from typing import Any

# Later issues append their consumers' routes (rooms, notifications, mentorship chat).
websocket_urlpatterns: list[Any] = []
