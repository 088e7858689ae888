from __future__ import annotations

from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "peerpath.events"
    label = "events"
    verbose_name = "Events and the mentor rota"
    default_auto_field = "django.db.models.BigAutoField"
