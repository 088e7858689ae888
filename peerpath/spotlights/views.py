"""Spotlight pages. Thin: parse (forms), ask a policy/selector, write through a service.

A spotlight of the other age band answers exactly like a missing one (the site's 404).
Bad input answers 400 with the message; refusals 403/409 with the reason; nothing saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from peerpath.accounts.http import signed_in_user
from peerpath.accounts.models import User
from peerpath.accounts.policies import is_staff_member
from peerpath.core.errors import NotFound, Refused
from peerpath.core.http import refusals
from peerpath.safety.web import show_help
from peerpath.spotlights import policies, selectors, services
from peerpath.spotlights.avatar import avatar_svg
from peerpath.spotlights.forms import SpotlightForm
from peerpath.spotlights.models import Spotlight


def _spotlight_or_404(user: User, spotlight_id: int) -> Spotlight:
    spotlight = selectors.spotlight_for(user, spotlight_id)
    if spotlight is None:
        raise NotFound(policies.NOT_FOUND)
    return spotlight


@login_required
@require_safe
def spotlight_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    today = timezone.localdate(timezone=user.tzinfo)
    top = selectors.mentors_of_month(user, today=today)
    top_ids = {s.pk for s in top}
    rows = [s for s in selectors.published_for(user) if s.pk not in top_ids]
    context: dict[str, Any] = {
        "mentors_of_month": [(s, avatar_svg(s.mentor.username, size=64)) for s in top],
        "spotlights": [(s, avatar_svg(s.mentor.username, size=48)) for s in rows],
        "drafts": selectors.drafts_for(user) if policies.can_draft(user) else [],
        "can_draft": bool(policies.can_draft(user)),
    }
    return TemplateResponse(request, "spotlights/list.html", context)


@login_required
@require_safe
def spotlight_detail(request: HttpRequest, spotlight_id: int) -> HttpResponse:
    user = signed_in_user(request)
    spotlight = _spotlight_or_404(user, spotlight_id)
    cta = selectors.request_decision(user, spotlight.mentor)
    context = {
        "spotlight": spotlight,
        "answers": list(spotlight.answers.all()),
        "avatar": avatar_svg(spotlight.mentor.username),
        "can_request": bool(cta),
        "request_reason": cta.reason,
        "is_own": user.pk == spotlight.mentor_id,
        "can_edit": bool(policies.can_edit_spotlight(user, spotlight)),
        "can_publish": bool(policies.can_publish_spotlight(user, spotlight)),
    }
    return TemplateResponse(request, "spotlights/detail.html", context)


def _form_page(
    request: HttpRequest,
    form: SpotlightForm,
    *,
    spotlight: Spotlight | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "spotlight": spotlight, "error": error}
    return TemplateResponse(request, "spotlights/form.html", context, status=status)


def _mentor_from(user: User, form: SpotlightForm) -> User:
    if not is_staff_member(user):
        return user
    name = (form.cleaned_data.get("mentor") or "").strip()
    if not name:
        raise Refused("Name the mentor this spotlight is about.")
    mentor: User | None = User.objects.by_pseudonym(name, active=False).first()
    if mentor is None:
        raise Refused(f"There is nobody called {name}.")
    return mentor


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def spotlight_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    decision = policies.can_draft(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    staff = is_staff_member(user)
    if request.method != "POST":
        return _form_page(request, SpotlightForm(staff=staff))
    form = SpotlightForm(request.POST, staff=staff)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    data = form.cleaned_data
    try:
        saved = services.draft_spotlight(
            actor=user,
            mentor=_mentor_from(user, form),
            kind=data["kind"],
            month=data["month"],
            title=data["title"],
            intro=data["intro"],
            answers=form.answers(),
        )
    except Refused as exc:
        return _form_page(request, form, error=exc.message, status=exc.status)
    messages.success(request, "Your draft is saved. Staff will publish it.")
    show_help(request, saved.screening)
    return redirect(saved.spotlight.get_absolute_url())


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def spotlight_edit(request: HttpRequest, spotlight_id: int) -> HttpResponse:
    user = signed_in_user(request)
    spotlight = _spotlight_or_404(user, spotlight_id)
    decision = policies.can_edit_spotlight(user, spotlight)
    if not decision:
        raise PermissionDenied(decision.reason)
    if request.method != "POST":
        form = SpotlightForm(initial=SpotlightForm.initial_for(spotlight), staff=False)
        return _form_page(request, form, spotlight=spotlight)
    form = SpotlightForm(request.POST, staff=False)
    if not form.is_valid():
        return _form_page(request, form, spotlight=spotlight, status=400)
    data = form.cleaned_data
    try:
        saved = services.update_spotlight(
            actor=user,
            spotlight_id=spotlight.pk,
            kind=data["kind"],
            month=data["month"],
            title=data["title"],
            intro=data["intro"],
            answers=form.answers(),
        )
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Refused as exc:
        return _form_page(request, form, spotlight=spotlight, error=exc.message, status=exc.status)
    messages.success(request, "The spotlight is saved.")
    show_help(request, saved.screening)
    return redirect(spotlight.get_absolute_url())


@login_required
@require_POST
@refusals(back=lambda request, spotlight_id: reverse("spotlights:detail", args=[spotlight_id]))
def spotlight_publish(request: HttpRequest, spotlight_id: int) -> HttpResponse:
    user = signed_in_user(request)
    spotlight = _spotlight_or_404(user, spotlight_id)
    services.publish_spotlight(actor=user, spotlight_id=spotlight.pk)
    messages.success(request, "The spotlight is published and the mentor has been told.")
    return redirect(spotlight.get_absolute_url())
