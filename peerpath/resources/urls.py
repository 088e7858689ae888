"""Resources URLs (namespace ``resources``), included under ``/resources/`` by config/urls.py.
Every route here has rows in docs/authz_matrix.csv."""

from __future__ import annotations

from django.urls import path

from peerpath.resources import views

app_name = "resources"

urlpatterns = [
    path("", views.resource_list, name="list"),
    path("new/", views.resource_new, name="new"),
    path("<slug:slug>/", views.resource_detail, name="detail"),
]
