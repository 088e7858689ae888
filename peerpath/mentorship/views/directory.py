"""The mentor directory (/mentors/) and a mentor's page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe
from django_htmx.middleware import HtmxDetails

from peerpath.accounts.http import signed_in_user as _user
from peerpath.mentorship import policies
from peerpath.mentorship.forms import (
    DirectoryFilterForm,
    GoalForm,
)
from peerpath.mentorship.selectors import common as reads
from peerpath.mentorship.selectors import directory as directory_reads
from peerpath.mentorship.selectors import lifecycle as lifecycle_reads
from peerpath.mentorship.selectors import requests as request_reads
from peerpath.mentorship.views.common import check_username


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@login_required
@require_safe
def directory(request: HtmxHttpRequest) -> HttpResponse:
    viewer = _user(request)
    # An unbound form's fields come from a cached fragment (directory.html): menus only when bound.
    menus = directory_reads.directory_menus() if request.GET else None
    form = DirectoryFilterForm(request.GET or None, menus=menus)
    status = 200
    page = None
    cards: list[directory_reads.MentorCard] = []
    request_decision = policies.may_be_mentored(viewer)
    context: dict[str, Any] = {
        "form": form,
        "can_request": bool(request_decision),
        "request_note": "" if request_decision else request_decision.reason,
    }
    suggest = 0
    if request_decision and not request.htmx:
        context["current"] = current = lifecycle_reads.current_mentorship_of(viewer)
        if current is None:  # someone with a mentor has nothing to be suggested
            suggest = 5
    if form.is_bound and not form.is_valid():
        status = 400
        if suggest:
            context["suggestions"] = directory_reads.suggested_mentors(viewer, top=suggest)
    else:
        data: dict[str, Any] = form.cleaned_data if form.is_bound else {}
        filters = directory_reads.DirectoryFilters(
            q=data.get("q") or "",
            topic=data["topic"].slug if data.get("topic") else "",
            language=data["language"].code if data.get("language") else "",
            accepting=bool(data.get("accepting")),
            overlap=bool(data.get("overlap")),
        )
        page, cards, context["suggestions"] = directory_reads.directory_page(
            viewer=viewer, filters=filters, page=data.get("page") or 1, suggest=suggest
        )
    context.update(page_obj=page, cards=cards)
    if request.htmx:
        return TemplateResponse(
            request, "mentorship/_directory_results.html", context, status=status
        )
    return TemplateResponse(request, "mentorship/directory.html", context, status=status)


def mentor_page(
    request: HttpRequest,
    card: directory_reads.MentorCard,
    form: GoalForm,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    viewer = _user(request)
    is_self = card.user.pk == viewer.pk
    # The form is offered only when sending it would be accepted: the service's own policy.
    decision = policies.may_be_mentored(viewer)
    current = None
    if decision and not is_self:
        current = lifecycle_reads.current_mentorship_of(viewer)
        decision = request_reads.request_decision(viewer, card.user)
    context = {
        "card": card,
        "form": form,
        "is_self": is_self,
        "current": current,
        "can_request": bool(decision) and not is_self,
        "request_note": "" if decision else decision.reason,
        # a refusal the page now explains in place of the form is not repeated above it
        "error": "" if not decision and error == decision.reason else error,
        "expiry_days": reads.community_settings().request_expiry_days,
    }
    return TemplateResponse(request, "mentorship/mentor.html", context, status=status)


@login_required
@require_safe
def mentor_detail(request: HttpRequest, username: str) -> HttpResponse:
    card = directory_reads.mentor_card_for_viewer(
        viewer=_user(request), username=check_username(username)
    )
    return mentor_page(request, card, GoalForm())
