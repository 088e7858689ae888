from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "peerpath.core"
    verbose_name = "Core"
