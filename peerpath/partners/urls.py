from __future__ import annotations

from django.urls import path

from peerpath.partners import views

app_name = "partners"

urlpatterns = [
    path("", views.table, name="table"),
    path("export.csv", views.export, name="export"),
    path("message/", views.message, name="message"),
]
