"""A suspended account can still sign in to read why, sign out and reach its home page;
every other page answers 403 with the reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

from peerpath.accounts import policies

# Public pages stay public for a signed-in suspended account (as after logging out).
ALLOWED_WHILE_SUSPENDED = frozenset(
    {
        "home",
        "account_logout",
        "healthz",
        "progression-certificate",
        "progression-certificate-pdf",
        "progression-certificate-credential",
    }
)


class SuspensionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not policies.is_suspended(user):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ALLOWED_WHILE_SUSPENDED:
            return None
        decision = policies.can_use_community(user)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": decision.reason}, status=403)
        return TemplateResponse(
            request, "accounts/suspended.html", {"reason": decision.reason}, status=403
        ).render()
