from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_ladder(sender: AppConfig, **kwargs: Any) -> None:
    # Imported late: models are not ready when this module is imported.
    from peerpath.progression.ladder import load_ladder

    load_ladder()


class ProgressionConfig(AppConfig):
    name = "peerpath.progression"
    verbose_name = "Progression"

    def ready(self) -> None:
        # The seeded ladder exists after every migrate and every test flush (as reference
        # data does); a newer seed version is applied, staff edits are kept.
        post_migrate.connect(_load_ladder, sender=self)
