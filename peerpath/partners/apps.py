from __future__ import annotations

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "peerpath.partners"
    label = "partners"
    verbose_name = "Partner dashboard"
    default_auto_field = "django.db.models.BigAutoField"
