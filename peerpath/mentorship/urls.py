"""Mentoring URLs (namespace ``mentorship``), included at the site root by config/urls.py.
Every route here has rows in docs/authz_matrix.csv."""

from __future__ import annotations

from django.urls import path

from peerpath.core.converters import IdConverter  # noqa: F401 - registers <id:>
from peerpath.mentorship import chat_views, views

app_name = "mentorship"


urlpatterns = [
    # The directory, mentor pages and requests. Literal paths come before <username>.
    path("mentors/", views.directory, name="directory"),
    path("mentors/request/", views.ranked_request, name="ranked_request"),
    path("mentors/settings/", views.mentor_settings, name="settings"),
    path("mentors/<str:username>/", views.mentor_detail, name="mentor"),
    path("mentors/<str:username>/request/", views.request_mentor, name="request"),
    # My mentorships, requests and answers.
    path("mentorships/", views.hub, name="hub"),
    path("mentorships/requests/<id:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("mentorships/incoming/<id:pk>/accept/", views.accept_request, name="accept_request"),
    path("mentorships/incoming/<id:pk>/decline/", views.decline_request, name="decline_request"),
    # Staff: matching runs (before <id:pk> so "staff" is never read as an id).
    path("mentorships/staff/matching/", views.matching, name="matching"),
    path("mentorships/staff/matching/<id:pk>/", views.matching_run, name="matching_run"),
    path(
        "mentorships/staff/matching/<id:pk>/publish/",
        views.matching_publish,
        name="matching_publish",
    ),
    path(
        "mentorships/staff/matching/<id:pk>/discard/",
        views.matching_discard,
        name="matching_discard",
    ),
    # One mentorship's space.
    path("mentorships/<id:pk>/", views.space, name="space"),
    path("mentorships/<id:pk>/proposal/accept/", views.accept_proposal, name="accept_proposal"),
    path("mentorships/<id:pk>/proposal/decline/", views.decline_proposal, name="decline_proposal"),
    path("mentorships/<id:pk>/conversations/", views.log_conversation, name="log_conversation"),
    path("mentorships/<id:pk>/check-ins/", views.check_in, name="check_in"),
    path("mentorships/<id:pk>/flags/", views.flag, name="flag"),
    path("mentorships/<id:pk>/messages/", chat_views.post_message, name="post_message"),
    path("mentorships/<id:pk>/cant-get-in-touch/", views.cant_reach, name="cant_reach"),
    path(
        "mentorships/<id:pk>/cant-get-in-touch/<slug:branch>/",
        views.cant_reach_action,
        name="cant_reach_action",
    ),
]
