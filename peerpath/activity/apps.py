from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "peerpath.activity"
    verbose_name = "Activity log"
