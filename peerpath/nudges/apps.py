from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NudgesConfig(AppConfig):
    name = "peerpath.nudges"
    label = "nudges"
    verbose_name = "Nudges"

    def ready(self) -> None:
        post_migrate.connect(_load_seeded_rules, sender=self)


def _load_seeded_rules(**kwargs: Any) -> None:
    from peerpath.nudges.seed import load_seeded_rules

    load_seeded_rules(using=kwargs.get("using", "default"))
