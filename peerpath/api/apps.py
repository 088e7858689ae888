from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "peerpath.api"
    verbose_name = "API"
