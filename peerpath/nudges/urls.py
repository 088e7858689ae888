from __future__ import annotations

from django.urls import path

from peerpath.nudges import views

app_name = "nudges"

urlpatterns = [
    path("nudges/", views.index, name="index"),
    path("nudges/<slug:slug>/", views.rule, name="rule"),
]
