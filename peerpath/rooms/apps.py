from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_catalogue(sender: AppConfig, **kwargs: Any) -> None:
    # Not at the top: apps.py is imported while the app registry loads, before any model
    # (the catalogue imports models) may be imported.
    from peerpath.rooms.services.catalogue import load_catalogue

    load_catalogue()


class RoomsConfig(AppConfig):
    name = "peerpath.rooms"
    label = "rooms"
    verbose_name = "Group support rooms"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The seeded catalogue exists after every migrate and every test flush, like the
        # ladder. Rooms come after progression in INSTALLED_APPS, so the ladder (whose names
        # room locks use) is loaded first; staff edits (Room.edited) are kept.
        post_migrate.connect(_load_catalogue, sender=self)
