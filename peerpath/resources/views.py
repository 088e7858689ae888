"""Resource pages. Thin: parse (forms), ask a policy/selector, write through the service.

A resource of the other age band answers exactly like a missing one (the site's 404 page).
Bad filters and bad input answer 400 with the message; nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_safe

from peerpath.accounts.http import signed_in_user
from peerpath.accounts.models import User
from peerpath.core.errors import NotFound, Refused
from peerpath.core.http import is_htmx
from peerpath.resources import policies, selectors, services
from peerpath.resources.forms import ResourceForm, ResourceSearchForm
from peerpath.resources.models import Resource, ResourceTopic
from peerpath.safety import resources as crisis_resources
from peerpath.safety import services as safety

NOT_FOUND = "There is no such resource."


@login_required
@require_safe
def resource_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ResourceSearchForm(request.GET or None)
    status = 200
    found: list[Resource] = []
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        found = selectors.search(user, q=data.get("q", ""), topic=data.get("topic", ""))
    context: dict[str, Any] = {
        "form": form,
        "resources": found,
        "topics": ResourceTopic.choices,
        "can_add": bool(policies.can_add_resource(user)),
    }
    template = "resources/_resource_list.html" if is_htmx(request) else "resources/list.html"
    return TemplateResponse(request, template, context, status=status)


def _crisis_lines(user: User) -> list[crisis_resources.Resource]:
    profile = getattr(user, "profile", None)
    language = None
    if profile is not None:
        first = profile.languages.order_by("code").first()
        language = first.code if first is not None else None
    return safety.help_for(user, language=language)


@login_required
@require_safe
def resource_detail(request: HttpRequest, slug: str) -> HttpResponse:
    user = signed_in_user(request)
    resource = selectors.resource_for(user, slug)
    if resource is None:
        raise NotFound(NOT_FOUND)
    context = {
        "resource": resource,
        "crisis_lines": _crisis_lines(user) if resource.is_crisis else [],
    }
    return TemplateResponse(request, "resources/detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def resource_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    decision = policies.can_add_resource(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    if request.method != "POST":
        return TemplateResponse(request, "resources/form.html", {"form": ResourceForm()})
    form = ResourceForm(request.POST)
    if not form.is_valid():
        return TemplateResponse(request, "resources/form.html", {"form": form}, status=400)
    data = form.cleaned_data
    try:
        resource = services.add_resource(
            actor=user,
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            topics=list(data["topics"]),
            flag_topics=list(data["flag_topics"]),
            audience=data["audience"],
            reading_minutes=data["reading_minutes"],
        )
    except Refused as exc:
        context = {"form": form, "error": exc.message}
        return TemplateResponse(request, "resources/form.html", context, status=exc.status)
    messages.success(request, "The resource is published.")
    return redirect(resource.get_absolute_url())
