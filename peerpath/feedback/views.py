"""Feedback pages. Thin: parse input (forms), ask a policy/selector, write through a service.

A person of the other age band, a missing one, and (on the coach page) anyone who is not the
viewer's mentee all answer the same 404. No page but the admin shows who wrote a feedback.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from peerpath.accounts.http import signed_in_user
from peerpath.accounts.models import User
from peerpath.core.errors import NotFound, Refused
from peerpath.core.http import refusals
from peerpath.feedback import policies, selectors, services
from peerpath.feedback.forms import FeedbackForm, HideForm
from peerpath.feedback.models import Feedback, FeedbackSettings
from peerpath.safety.web import show_help


def _person_or_404(viewer: User, username: str) -> User:
    person: User | None = User.objects.by_pseudonym(username).first()
    if person is None or not policies.can_see_listener(viewer, person):
        raise NotFound(policies.NOT_FOUND)
    return person


@login_required
@require_safe
def my_feedback(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    context = {"aggregate": selectors.aggregate_for(user), "subject": None}
    return TemplateResponse(request, "feedback/mine.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@refusals(back="home")
def give(request: HttpRequest, username: str) -> HttpResponse:
    user = signed_in_user(request)
    now = timezone.now()
    listener = _person_or_404(user, username)
    settings = FeedbackSettings.load()
    eligible = selectors.eligible_context(user, listener, now=now)
    decision = policies.can_give_feedback(
        user,
        listener,
        context=eligible,
        last_given_at=selectors.last_given_at(user, listener),
        window_hours=settings.window_hours,
        now=now,
    )
    if not decision:
        status = 409 if policies.can_rate(user, listener, eligible) else 403
        raise Refused(decision.reason, status=status)
    status, error = 200, ""
    if request.method == "POST":
        form = FeedbackForm(request.POST, auto_id="feedback_%s")
        status = 400
        if form.is_valid():
            try:
                given = services.give_feedback(
                    author=user,
                    listener=listener,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                    now=now,
                )
            except Refused as exc:
                if exc.status != 400:
                    raise
                error = exc.message
            else:
                messages.success(
                    request, f"Thank you! Your feedback for {listener.username} is saved."
                )
                show_help(request, given.screening)
                return redirect("home")
    else:
        form = FeedbackForm(auto_id="feedback_%s")
    context: dict[str, Any] = {
        "form": form,
        "error": error,
        "listener": listener,
        "eligible": eligible,
        "window_hours": settings.window_hours,
    }
    return TemplateResponse(request, "feedback/give.html", context, status=status)


@login_required
@require_safe
def coach(request: HttpRequest, username: str) -> HttpResponse:
    user = signed_in_user(request)
    mentee = User.objects.by_pseudonym(username).first()
    if mentee is None or not policies.can_coach(user, mentee, selectors.mentor_id_of(mentee)):
        raise NotFound(policies.NOT_FOUND)
    context = {"aggregate": selectors.aggregate_for(mentee), "subject": mentee}
    return TemplateResponse(request, "feedback/mine.html", context)


@login_required
@require_safe
def moderation(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    decision = policies.can_moderate(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    context = {"items": selectors.moderation_queue(), "form": HideForm()}
    return TemplateResponse(request, "feedback/moderation.html", context)


@login_required
@require_POST
@refusals(back="feedback:moderation")
def hide(request: HttpRequest, feedback_id: int) -> HttpResponse:
    user = signed_in_user(request)
    decision = policies.can_moderate(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    if not Feedback.objects.filter(pk=feedback_id).exists():
        raise NotFound("No such feedback.")
    form = HideForm(request.POST)
    if not form.is_valid():
        raise Refused("Please give a reason for hiding the comment.")
    services.hide_feedback(actor=user, feedback_id=feedback_id, reason=form.cleaned_data["reason"])
    messages.success(request, "The comment is hidden. Its rating still counts.")
    return redirect("feedback:moderation")
