from __future__ import annotations

from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "peerpath.home"
    verbose_name = "Home"
