"""Spotlights URLs (namespace ``spotlights``), included under ``/spotlights/`` by
config/urls.py. Every route here has rows in docs/authz_matrix.csv."""

from __future__ import annotations

from django.urls import path

from peerpath.core.converters import IdConverter  # noqa: F401 - registers <id:>
from peerpath.spotlights import views

app_name = "spotlights"

urlpatterns = [
    path("", views.spotlight_list, name="list"),
    path("new/", views.spotlight_new, name="new"),
    path("<id:spotlight_id>/", views.spotlight_detail, name="detail"),
    path("<id:spotlight_id>/edit/", views.spotlight_edit, name="edit"),
    path("<id:spotlight_id>/publish/", views.spotlight_publish, name="publish"),
]
