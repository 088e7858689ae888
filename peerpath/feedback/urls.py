"""Feedback URLs (namespace ``feedback``), included under ``/feedback/`` by config/urls.py.
Every route here has rows in docs/authz_matrix.csv."""

from __future__ import annotations

from django.urls import path

from peerpath.core.converters import IdConverter  # noqa: F401 - registers <id:>
from peerpath.feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.my_feedback, name="mine"),
    path("give/<str:username>/", views.give, name="give"),
    path("coach/<str:username>/", views.coach, name="coach"),
    path("moderation/", views.moderation, name="moderation"),
    path("<id:feedback_id>/hide/", views.hide, name="hide"),
]
