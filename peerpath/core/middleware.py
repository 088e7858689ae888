"""Site-wide middleware: the user's time zone, 400 for invalid forms, security headers."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.utils import timezone


class UserTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        tz_name = getattr(user, "timezone", "") if user is not None else ""
        if tz_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class InvalidFormStatusMiddleware:
    """A POST whose form did not validate answers 400, not 200.

    Our views set the status themselves; this brings third-party form views (allauth's
    sign-up, log-in, password pages) in line, so every form answers bad input with a 4xx.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_template_response(
        self, request: HttpRequest, response: TemplateResponse
    ) -> TemplateResponse:
        if request.method != "POST" or response.status_code != 200:
            return response
        form = (response.context_data or {}).get("form")
        if form is not None and getattr(form, "is_bound", False) and form.errors:
            response.status_code = 400
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, plus this site's own WebSocket origin in ``connect-src``.

    CSP Level 3 lets ``'self'`` match ``ws:``/``wss:`` of the page's host, but not every
    browser in use does (older Safari); naming the request's own host, with the page's
    scheme, keeps the chat, room and bell sockets working there without allowing any other
    host. The host comes from ``request.get_host()``, so it is one of ALLOWED_HOSTS; a
    refused host adds nothing.
    """

    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts
        # The page opens its sockets with the page's own scheme (wss on https).
        own_socket = f"{'wss' if request.is_secure() else 'ws'}://{host}"
        update = dict(parts.update or {})
        existing = update.get("connect-src") or []
        update["connect-src"] = [
            *([existing] if isinstance(existing, str) else existing),
            own_socket,
        ]
        parts.update = update
        return parts
