"""Site-wide middleware: the user's time zone, 400 for invalid forms, security headers."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.dispatch import receiver
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


# Per-response policy changes (django-csp's decorators) and exemptions: such a response
# takes django-csp's own path; every other response's header is a function of the page's
# socket origin alone.
_PER_RESPONSE_CSP = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, plus this site's own WebSocket origin in ``connect-src``.

    CSP Level 3 lets ``'self'`` match ``ws:``/``wss:`` of the page's host, but not every
    browser in use does (older Safari); naming the request's own host, with the page's
    scheme, keeps the chat, room and bell sockets working there without allowing any other
    host. The host comes from ``request.get_host()``, so it is one of ALLOWED_HOSTS; a
    refused host adds nothing.

    The header is built once per socket origin and kept for the process (building it cost
    ~70 µs a response): only when the response has no policy of its own, the page used no
    nonce and no report-only policy is set; anything else goes through django-csp unchanged.
    A settings change (tests) empties the cache.
    """

    _headers: dict[str, str] = {}

    def _own_socket(self, request: HttpRequest) -> str:
        try:
            host = request.get_host()
        except DisallowedHost:
            return ""
        # The page opens its sockets with the page's own scheme (wss on https).
        return f"{'wss' if request.is_secure() else 'ws'}://{host}"

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_RESPONSE_CSP)
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or (settings.DEBUG and response.status_code in (500, 404))
        ):
            return super().process_response(request, response)
        own_socket = self._own_socket(request)
        header = self._headers.get(own_socket)
        if header is None:
            update = {"connect-src": [own_socket]} if own_socket else None
            header = self._headers[own_socket] = build_policy(update=update)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        excluded = request.path_info.startswith(tuple(policy.get("EXCLUDE_URL_PREFIXES") or ()))
        if header and HEADER not in response and not excluded:
            response[HEADER] = header
        # as django-csp does: a nonce asked for after the header is written is an error
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response

    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        own_socket = self._own_socket(request)
        if not own_socket:
            return parts
        update = dict(parts.update or {})
        existing = update.get("connect-src") or []
        update["connect-src"] = [
            *([existing] if isinstance(existing, str) else existing),
            own_socket,
        ]
        parts.update = update
        return parts


@receiver(setting_changed)
def _forget_csp_headers(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "DEBUG":
        ContentSecurityPolicyMiddleware._headers.clear()
