from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_library(sender: AppConfig, **kwargs: Any) -> None:
    # Imported late: models are not ready when this module is imported.
    from peerpath.resources.seed import load_library

    load_library(using=kwargs.get("using", "default"))


class ResourcesConfig(AppConfig):
    name = "peerpath.resources"
    label = "resources"
    verbose_name = "Resources"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The library exists after every migrate and every test flush; missing resources are
        # created by slug, staff edits (Resource.edited) and custom resources are kept.
        post_migrate.connect(_load_library, sender=self)
