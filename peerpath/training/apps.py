from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_programs(sender: AppConfig, **kwargs: Any) -> None:
    # Imported late: models are not ready when this module is imported.
    from peerpath.training.seed import load_programs

    load_programs(using=kwargs.get("using", "default"))


class TrainingConfig(AppConfig):
    name = "peerpath.training"
    label = "training"
    verbose_name = "Training"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The seeded programs exist after every migrate and every test flush. Training comes
        # after progression in INSTALLED_APPS, so the ladder's trainings (which programs name
        # by slug) are loaded first; staff edits (Program.edited) are kept.
        post_migrate.connect(_load_programs, sender=self)
