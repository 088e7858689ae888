"""Rooms URLs (namespace ``rooms``), included under ``/rooms/`` by config/urls.py.
Every route here has rows in docs/authz_matrix.csv; the WebSocket is ``ws/rooms/<room_id>/``
(config/routing.py).

Literal first segments (``moderation``, ``hosting``, ``messages``, ``people``, ``sanctions``,
``reports``, ``alerts``, ``sessions``) come before ``<room_slug>``, so no room may use them as
its slug.
"""

from __future__ import annotations

from django.urls import path, register_converter

from peerpath.rooms.views import catalogue, moderation, reports, sessions

app_name = "rooms"

RESERVED_SLUGS = frozenset(
    {"moderation", "hosting", "messages", "people", "sanctions", "reports", "alerts", "sessions"}
)


class RoomIdConverter:
    """A database id: 1 to 18 digits, so absurd numbers are a plain 404 and never reach a
    query (where they would overflow a 64-bit integer)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class RoomSlugConverter:
    """A room slug as the model allows it (at most 80 characters)."""

    regex = "[-a-zA-Z0-9_]{1,80}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RoomIdConverter, "room_pk")
register_converter(RoomSlugConverter, "room_slug")

urlpatterns = [
    path("", catalogue.room_list, name="list"),
    path("moderation/", moderation.moderation_queue, name="moderation"),
    path("hosting/", sessions.hosting, name="hosting"),
    path("messages/<room_pk:message_id>/delete/", moderation.delete_message, name="delete_message"),
    path("messages/<room_pk:message_id>/report/", reports.report_message, name="report"),
    path("people/<room_pk:user_id>/block/", reports.block_person, name="block"),
    path("sanctions/<room_pk:sanction_id>/lift/", moderation.lift_sanction, name="lift"),
    path("reports/<room_pk:report_id>/resolve/", reports.resolve_report, name="resolve_report"),
    path("alerts/<room_pk:alert_id>/handle/", moderation.handle_alert, name="handle_alert"),
    path("sessions/<room_pk:session_id>/start/", sessions.start_session, name="start_session"),
    path("sessions/<room_pk:session_id>/end/", sessions.end_session, name="end_session"),
    path("sessions/<room_pk:session_id>/cancel/", sessions.cancel_session, name="cancel_session"),
    path("<room_slug:slug>/", catalogue.room_detail, name="room"),
    path("<room_slug:slug>/moderate/<slug:action>/", moderation.moderate, name="moderate"),
    path("<room_slug:slug>/slow-mode/", moderation.slow_mode, name="slow_mode"),
    path("<room_slug:slug>/pause/", moderation.pause_room, name="pause"),
    path("<room_slug:slug>/unpause/", moderation.unpause_room, name="unpause"),
    path("<room_slug:slug>/sessions/new/", sessions.schedule_session, name="schedule"),
]
