from __future__ import annotations

from django.apps import AppConfig


class MentorshipConfig(AppConfig):
    name = "peerpath.mentorship"
    verbose_name = "Mentorship"
