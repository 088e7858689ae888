from __future__ import annotations

from django.urls import URLPattern, path

from peerpath.analytics import views

app_name = "analytics"

urlpatterns: list[URLPattern] = [
    path("", views.overview, name="overview"),
    path("analytics/", views.charts, name="charts"),
]
