from __future__ import annotations

from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "peerpath.safety"
    label = "safety"
    verbose_name = "Safeguarding"
    default_auto_field = "django.db.models.BigAutoField"
