"""Events URLs (namespace ``events``), included under ``/events/`` by config/urls.py.
Every route here has rows in docs/authz_matrix.csv."""

from __future__ import annotations

from django.urls import path, register_converter

from peerpath.core.converters import IdConverter  # noqa: F401 - registers <id:>
from peerpath.events import views

app_name = "events"


class FeedTokenConverter:
    """A signed feed token (``<user id>:<signature>``)."""

    regex = "[-A-Za-z0-9_:]{1,200}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FeedTokenConverter, "feed_token")

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_new, name="new"),
    path("rota/", views.rota, name="rota"),
    path("feed/<feed_token:token>.ics", views.feed, name="feed"),
    path("slots/<id:slot_id>/volunteer/", views.volunteer, name="volunteer"),
    path("slots/<id:slot_id>/release/", views.release_slot, name="release_slot"),
    path("<id:event_id>/", views.event_detail, name="detail"),
    path("<id:event_id>/event.ics", views.event_ics, name="ics"),
    path("<id:event_id>/rsvp/", views.rsvp, name="rsvp"),
    path("<id:event_id>/rsvp/cancel/", views.cancel_rsvp, name="cancel_rsvp"),
    path("<id:event_id>/cancel/", views.cancel_event, name="cancel"),
    path("<id:event_id>/held/", views.mark_held, name="mark_held"),
]
