from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from peerpath.accounts import policies, selectors, services
from peerpath.accounts.forms import ProfileForm
from peerpath.accounts.http import signed_in_user as _user
from peerpath.activity.selectors import activity_counts_for_user
from peerpath.mentorship.view_selectors import dashboard_mentoring
from peerpath.nudges import selectors as nudge_selectors
from peerpath.safety.web import show_help


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; the dashboard for signed-in people."""
    if not request.user.is_authenticated:
        return TemplateResponse(request, "core/landing.html")
    user = _user(request)
    counts = activity_counts_for_user(user)
    access = policies.can_use_community(user)
    context = {
        "profile": selectors.own_profile(user),
        "roles": sorted(user.role_names),
        "activity": [(kind.label, n) for kind, n in counts.items() if n],
        "suspended_reason": None if access else access.reason,
        "mentoring": (mentoring := dashboard_mentoring(user) if access else None),
        "suggestion": (
            nudge_selectors.dashboard_suggestion(user, timezone.now())
            if mentoring and mentoring.can_be_mentored and not mentoring.has_mentor
            else None
        ),
    }
    return TemplateResponse(request, "accounts/dashboard.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    profile = selectors.own_profile(user)
    form = ProfileForm(request.POST or None, instance=profile, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.update_profile(
                    actor=user,
                    user=user,
                    display_name=form.cleaned_data["display_name"],
                    bio=form.cleaned_data["bio"],
                    topics=form.cleaned_data["topics"],
                    languages=form.cleaned_data["languages"],
                    availability=form.cleaned_data["availability"],
                    tz_name=form.cleaned_data["timezone"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Your profile is saved.")
                show_help(request, saved.screening)
                return redirect("accounts:profile")
        status = 400
    return TemplateResponse(
        request, "accounts/profile_edit.html", {"form": form, "profile": profile}, status=status
    )


@login_required
@require_safe
def profile_detail(request: HttpRequest, username: str) -> HttpResponse:
    profile = selectors.profile_for_viewer(viewer=_user(request), username=username)
    return TemplateResponse(request, "accounts/profile_detail.html", {"profile": profile})
