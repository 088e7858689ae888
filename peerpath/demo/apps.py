from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo community data (``manage.py seed_demo``). Has no models of its own."""

    name = "peerpath.demo"
    verbose_name = "Demo community"
