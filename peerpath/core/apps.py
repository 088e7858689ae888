from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "peerpath.core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.contrib.admin.options import BaseModelAdmin

        from peerpath.core.forms import ModelForm

        # The admin builds each model's form on ``form``: ours, so staff input follows the
        # same text and id rules as every page (admins with their own form subclass ours).
        BaseModelAdmin.form = ModelForm  # type: ignore[misc]
