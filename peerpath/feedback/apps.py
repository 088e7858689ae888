from __future__ import annotations

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "peerpath.feedback"
    label = "feedback"
    verbose_name = "Feedback on listeners"
    default_auto_field = "django.db.models.BigAutoField"
