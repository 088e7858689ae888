from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_reference_data(sender: AppConfig, **kwargs: Any) -> None:
    # Imported late: models are not ready when this module is imported.
    from peerpath.accounts.taxonomy import ensure_reference_data

    ensure_reference_data()


class AccountsConfig(AppConfig):
    name = "peerpath.accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Django's own idiom for reference rows (content types, permissions): they exist
        # after every migrate and after every test-database flush.
        post_migrate.connect(_ensure_reference_data, sender=self)
