"""Training URLs (namespace ``training``), included under ``/training/`` by config/urls.py.
Every route has rows in docs/authz_matrix.csv. Literal first segments (``mentors``,
``saved-mentors``, ``cohorts``, ``posts``) come before ``<program_slug>``: the seed refuses
them as program slugs."""

from __future__ import annotations

from django.urls import path, register_converter

from peerpath.core.converters import IdConverter
from peerpath.training import views

app_name = "training"


class PositionConverter(IdConverter):
    regex = "[0-9]{1,4}"


class UsernameConverter:
    regex = "[A-Za-z0-9._-]{1,30}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PositionConverter, "training_position")
register_converter(UsernameConverter, "training_username")

urlpatterns = [
    path("", views.index, name="index"),
    path("mentors/", views.mentors, name="mentors"),
    path("saved-mentors/<training_username:username>/", views.save_mentor, name="save_mentor"),
    path("cohorts/<id:cohort_id>/join/", views.join, name="join"),
    path("posts/<id:post_id>/reply/", views.reply, name="reply"),
    path("posts/<id:post_id>/reject/", views.reject, name="reject"),
    path("<slug:program_slug>/", views.program, name="program"),
    path("<slug:program_slug>/<training_position:position>/", views.discussion, name="discussion"),
    path("<slug:program_slug>/<training_position:position>/answer/", views.answer, name="answer"),
]
