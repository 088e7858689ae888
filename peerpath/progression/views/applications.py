"""Applying for a role, withdrawing, and the reviewers' queue (``/path/reviews/``). Thin:
parse input (forms), ask a policy/selector/service, render.

Refusals from services (``core.errors.Refused``) re-render the page the person came from with
the message and the refusal's 4xx status, keeping what they typed; ``NotFound`` is a plain
404, identical to a missing object. Invalid forms answer 400 with the field errors. Nothing
here writes to the database except through the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from peerpath.accounts.http import signed_in_user as _user
from peerpath.accounts.models import User
from peerpath.core.errors import NotFound, Refused
from peerpath.core.http import refusals
from peerpath.progression import policies
from peerpath.progression.forms import ApplicationForm, ReviewForm
from peerpath.progression.models import Application
from peerpath.progression.selectors.applications import application_for, applications_to_review
from peerpath.progression.selectors.awards import PathItem, held_slugs, path_for, paths_for
from peerpath.progression.services.applications import (
    apply_for_role,
    decide_application,
    withdraw_application,
)
from peerpath.progression.views.awards import path_page
from peerpath.safety.web import show_help

REVIEWS_PER_PAGE = 10


def _apply_page(
    request: HttpRequest,
    item: PathItem,
    form: ApplicationForm,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    decision = policies.can_apply(_user(request), item.achievement, item)
    context = {
        "item": item,
        "achievement": item.achievement,
        "form": form,
        "allowed": bool(decision),
        "reason": "" if decision else decision.reason,
        # Refused only because criteria are unmet: the page lists them instead of the reason.
        "not_yet": not decision
        and not item.eligible
        and not item.automatic
        and item.in_audience
        and not item.held
        and not item.pending_training,
        "error": error,
        # What was typed, when the form is not shown again (still not eligible, or already
        # applied): shown back so nothing is lost.
        "kept_statement": form.data.get("statement", "") if form.is_bound else "",
    }
    return TemplateResponse(request, "progression/apply.html", context, status=status)


def _item_or_404(user: User, slug: str) -> PathItem:
    item = path_for(user, only=[slug]).item(slug)
    if item is None:
        raise NotFound("No such role.")
    return item


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, slug)
    tracks = [str(t) for t in item.achievement.tracks or []]
    if request.method != "POST":
        return _apply_page(request, item, ApplicationForm(tracks=tracks))
    form = ApplicationForm(request.POST, tracks=tracks)
    if not form.is_valid():
        return _apply_page(request, item, form, status=400)
    try:
        applied = apply_for_role(
            user=user,
            achievement=item.achievement,
            statement=form.cleaned_data["statement"],
            track=form.chosen_track,
        )
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Refused as exc:
        # The state may have moved on (e.g. an application now pending): read it again.
        return _apply_page(
            request, _item_or_404(user, slug), form, error=exc.message, status=exc.status
        )
    messages.success(
        request, f"Your application for {item.name} is sent. A reviewer will answer soon."
    )
    show_help(request, applied.screening)
    return redirect("progression-path")


@login_required
@require_POST
@refusals(page=lambda request, exc, **_: path_page(request, error=exc.message, status=exc.status))
def withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    user = _user(request)
    application = application_for(application_id)
    if application is None:
        raise NotFound(policies.NOT_FOUND)
    withdraw_application(application=application, user=user)
    messages.success(request, "Your application is withdrawn. You can apply again at any time.")
    return redirect("progression-path")


@dataclass(frozen=True, slots=True)
class ReviewEntry:
    application: Application
    item: PathItem | None  # the applicant's standing on the role, now
    form: ReviewForm


def _require_reviewer(user: User) -> None:
    decision = policies.can_review_queue(user, held_slugs(user))
    if not decision:
        raise PermissionDenied(decision.reason)


def _review_form(application_id: int, data: Any = None) -> ReviewForm:
    return ReviewForm(data, auto_id=f"review-{application_id}_%s")


def _reviews_page(
    request: HttpRequest,
    *,
    error: str = "",
    status: int = 200,
    failed: tuple[int, ReviewForm] | None = None,
) -> HttpResponse:
    user = _user(request)
    page = Paginator(applications_to_review(user), REVIEWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    applications = list(page)
    paths = paths_for(
        [a.user for a in applications], only=sorted({a.achievement.slug for a in applications})
    )
    entries = []
    for application in applications:
        form = failed[1] if failed and failed[0] == application.pk else None
        entries.append(
            ReviewEntry(
                application=application,
                item=paths[application.user_id].item(application.achievement.slug),
                form=form or _review_form(application.pk),
            )
        )
    context = {"page_obj": page, "entries": entries, "error": error}
    return TemplateResponse(request, "progression/reviews.html", context, status=status)


@login_required
@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    _require_reviewer(_user(request))
    return _reviews_page(request)


@login_required
@require_POST
def review_decide(request: HttpRequest, application_id: int) -> HttpResponse:
    reviewer = _user(request)
    _require_reviewer(reviewer)
    application = application_for(application_id)
    if application is None:
        raise NotFound(policies.NOT_FOUND)
    # Visibility before input: an application this reviewer may not see is missing, whatever
    # was posted.
    decision = policies.can_review(reviewer, application)
    if not decision:
        if decision.reason == policies.NOT_FOUND:
            raise NotFound(decision.reason)
        raise PermissionDenied(decision.reason)
    form = _review_form(application.pk, request.POST)
    if not form.is_valid():
        return _reviews_page(request, status=400, failed=(application.pk, form))
    try:
        decided = decide_application(
            application=application,
            reviewer=reviewer,
            approve=form.approve,
            note=form.cleaned_data["note"],
        )
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Refused as exc:
        return _reviews_page(
            request, error=exc.message, status=exc.status, failed=(application.pk, form)
        )
    who, role = decided.user.username, decided.achievement.name_for(teen=decided.user.is_teen)
    if form.approve:
        messages.success(request, f"Approved: {who} now holds {role}.")
    else:
        messages.success(request, f"Declined. {who} will see your note on their path.")
    return redirect("progression-reviews")
