from __future__ import annotations

from django.apps import AppConfig


class SpotlightsConfig(AppConfig):
    name = "peerpath.spotlights"
    label = "spotlights"
    verbose_name = "Spotlights"
    default_auto_field = "django.db.models.BigAutoField"
