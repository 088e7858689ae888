"""Mentoring URLs (namespace ``mentorship``), included at the site root by config/urls.py.
Every route here has rows in docs/authz_matrix.csv."""

from __future__ import annotations

from django.urls import path

from peerpath.core.converters import IdConverter  # noqa: F401 - registers <id:>
from peerpath.mentorship.views import (
    chat,
    directory,
    flags,
    lifecycle,
    logs,
    matching,
    mentor_profile,
    proposals,
    requests,
    tickets,
)

app_name = "mentorship"


urlpatterns = [
    # The directory, mentor pages and requests. Literal paths come before <username>.
    path("mentors/", directory.directory, name="directory"),
    path("mentors/request/", requests.ranked_request, name="ranked_request"),
    path("mentors/settings/", mentor_profile.mentor_settings, name="settings"),
    path("mentors/<str:username>/", directory.mentor_detail, name="mentor"),
    path("mentors/<str:username>/request/", requests.request_mentor, name="request"),
    # My mentorships, requests and answers.
    path("mentorships/", lifecycle.hub, name="hub"),
    path("mentorships/requests/<id:pk>/withdraw/", requests.withdraw, name="withdraw"),
    path("mentorships/incoming/<id:pk>/accept/", requests.accept_request, name="accept_request"),
    path("mentorships/incoming/<id:pk>/decline/", requests.decline_request, name="decline_request"),
    # Staff: matching runs (before <id:pk> so "staff" is never read as an id).
    path("mentorships/staff/matching/", matching.matching, name="matching"),
    path("mentorships/staff/matching/<id:pk>/", matching.matching_run, name="matching_run"),
    path(
        "mentorships/staff/matching/<id:pk>/publish/",
        matching.matching_publish,
        name="matching_publish",
    ),
    path(
        "mentorships/staff/matching/<id:pk>/discard/",
        matching.matching_discard,
        name="matching_discard",
    ),
    # One mentorship's space.
    path("mentorships/<id:pk>/", lifecycle.space, name="space"),
    path("mentorships/<id:pk>/proposal/accept/", proposals.accept_proposal, name="accept_proposal"),
    path(
        "mentorships/<id:pk>/proposal/decline/", proposals.decline_proposal, name="decline_proposal"
    ),
    path("mentorships/<id:pk>/conversations/", logs.log_conversation, name="log_conversation"),
    path("mentorships/<id:pk>/check-ins/", logs.check_in, name="check_in"),
    path("mentorships/<id:pk>/flags/", flags.flag, name="flag"),
    path("mentorships/<id:pk>/messages/", chat.post_message, name="post_message"),
    path("mentorships/<id:pk>/cant-get-in-touch/", tickets.cant_reach, name="cant_reach"),
    path(
        "mentorships/<id:pk>/cant-get-in-touch/<slug:branch>/",
        tickets.cant_reach_action,
        name="cant_reach_action",
    ),
]
