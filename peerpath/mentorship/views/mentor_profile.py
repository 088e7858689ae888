"""A mentor's settings page (/mentors/settings/)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from peerpath.accounts.http import signed_in_user as _user
from peerpath.accounts.selectors import own_profile
from peerpath.core.errors import Refused
from peerpath.mentorship import policies
from peerpath.mentorship.forms import (
    MentorSettingsForm,
)
from peerpath.mentorship.selectors import mentor_profile as mentor_profile_reads
from peerpath.mentorship.services import (
    mentor_profile,
)
from peerpath.safety.web import show_help


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mentor_settings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    decision = policies.may_mentor(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    profile = mentor_profile_reads.mentor_profile_of(user)
    initial: dict[str, Any] = {"availability": own_profile(user).availability}
    if profile is None:
        initial.update(capacity=2, track_listeners=True)
    else:
        initial.update(
            capacity=profile.capacity,
            specialties=list(profile.specialties.all()),
            track_listeners=profile.track_listeners,
            track_group_i=profile.track_group_i,
            track_group_ii=profile.track_group_ii,
            approach=profile.approach,
        )
    form = MentorSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = mentor_profile.save_mentor_profile(
                    user=user,
                    capacity=data["capacity"],
                    specialties=list(data["specialties"]),
                    track_listeners=data["track_listeners"],
                    track_group_i=data["track_group_i"],
                    track_group_ii=data["track_group_ii"],
                    approach=data["approach"],
                    availability=data["availability"],
                )
            except Refused as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                show_help(request, saved.screening)
                messages.success(request, "Your mentor settings are saved.")
                return redirect("mentorship:settings")
    context = {"form": form, "profile": profile}
    return TemplateResponse(request, "mentorship/settings.html", context, status=status)
