"""Asking for a mentor (one from their page, or up to three ranked), withdrawing, and a
mentor's answer from the hub.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST

from peerpath.accounts.http import signed_in_user as _user
from peerpath.accounts.models import User
from peerpath.core.errors import NotFound, Refused
from peerpath.mentorship import policies
from peerpath.mentorship.forms import (
    GoalForm,
    RankedRequestForm,
    ReasonForm,
)
from peerpath.mentorship.selectors import directory as directory_reads
from peerpath.mentorship.selectors import requests as request_reads
from peerpath.mentorship.services import (
    requests,
)
from peerpath.mentorship.views.common import check_username
from peerpath.mentorship.views.directory import mentor_page
from peerpath.mentorship.views.lifecycle import hub_page, hub_refusals
from peerpath.safety.web import show_help


@login_required
@require_POST
def request_mentor(request: HttpRequest, username: str) -> HttpResponse:
    viewer = _user(request)
    card = directory_reads.mentor_card_for_viewer(viewer=viewer, username=check_username(username))
    decision = policies.may_be_mentored(viewer)
    if not decision:
        raise PermissionDenied(decision.reason)
    form = GoalForm(request.POST)
    if not form.is_valid():
        return mentor_page(request, card, form, status=400)
    try:
        sent = requests.request_mentors(
            mentee=viewer, mentors=[card.user], goal=form.cleaned_data["goal"]
        )
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Refused as exc:
        return mentor_page(request, card, form, error=exc.message, status=exc.status)
    show_help(request, sent.screening)
    messages.success(
        request,
        f"Your request is on its way to {card.user.profile.shown_name}. We'll tell you the answer.",
    )
    return redirect("mentorship:hub")


def _may_request(viewer: User) -> None:
    decision = policies.may_be_mentored(viewer)
    if not decision:
        raise PermissionDenied(decision.reason)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def ranked_request(request: HttpRequest) -> HttpResponse:
    viewer = _user(request)
    _may_request(viewer)
    choices = request_reads.requestable_mentors(viewer)
    data = request.POST if request.method == "POST" else None
    form = RankedRequestForm(data, mentors=choices)
    error, status = "", 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            mentors = request_reads.mentors_by_username(viewer, form.usernames)
            try:
                if len(mentors) != len(form.usernames):
                    raise Refused("One of these mentors is no longer available. Choose again.")
                sent = requests.request_mentors(
                    mentee=viewer, mentors=mentors, goal=form.cleaned_data["goal"]
                )
            except Refused as exc:
                error, status = exc.message, exc.status
            else:
                show_help(request, sent.screening)
                messages.success(
                    request,
                    f"Your request is on its way to {mentors[0].profile.shown_name}"
                    + (" (then the next on your list if needed)." if len(mentors) > 1 else "."),
                )
                return redirect("mentorship:hub")
    context = {"form": form, "error": error, "has_choices": bool(choices)}
    return TemplateResponse(request, "mentorship/ranked_request.html", context, status=status)


@login_required
@require_POST
@hub_refusals
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    requests.withdraw_request(mentee=_user(request), request_id=pk)
    messages.success(request, "Your request is withdrawn.")
    return redirect("mentorship:hub")


@login_required
@require_POST
@hub_refusals
def accept_request(request: HttpRequest, pk: int) -> HttpResponse:
    m = requests.respond_to_request(mentor=_user(request), target_id=pk, accept=True).obj
    assert m is not None  # noqa: S101 - accepting returns the new mentorship
    messages.success(request, f"You're now mentoring {m.mentee.profile.shown_name}. Say hello!")
    return redirect("mentorship:space", pk=m.pk)


@login_required
@require_POST
@hub_refusals
def decline_request(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST, auto_id=f"decline-request-{pk}_%s")
    if not form.is_valid():
        return hub_page(request, status=400, failed_form=("request", pk, form))
    answered = requests.respond_to_request(
        mentor=_user(request), target_id=pk, accept=False, reason=form.cleaned_data["reason"]
    )
    show_help(request, answered.screening)
    messages.success(request, "You declined the request. The listener has been told kindly.")
    return redirect("mentorship:hub")
