"""Site-wide views: health check and friendly error pages."""

from __future__ import annotations

import logging

from csp.exceptions import CSPNonceError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from peerpath.core import health

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Which part the site runs on is down (``peerpath.core.health``): 200 ``ok``, 200
    ``degraded`` (Redis parts down: the core still serves), 503 ``down`` (the database)."""
    report = health.check()
    for part in report.parts:
        if not part.ok:
            logger.warning("health check: %s unreachable (%s)", part.name, part.error)
    database = next(p for p in report.parts if p.name == "database")
    return JsonResponse(
        {
            "status": report.status,
            "database": database.backend if database.ok else "unreachable",
            "down": report.down,
            "parts": {p.name: p.as_json() for p in report.parts},
        },
        status=report.http_status,
    )


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return TemplateResponse(request, "errors/400.html", status=400).render()


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else ""
    return TemplateResponse(request, "errors/403.html", {"reason": reason}, status=403).render()


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return TemplateResponse(request, "errors/404.html", status=404).render()


def error_500(request: HttpRequest) -> HttpResponse:
    # No context processors that could fail again: a static template. Its one <style> carries
    # the CSP nonce (absent when the failure came before the CSP middleware ran).
    from django.template import loader

    context = {"csp_nonce": _csp_nonce(request)}
    return HttpResponse(loader.get_template("errors/500.html").render(context), status=500)


def _csp_nonce(request: HttpRequest) -> str:
    """The request's CSP nonce, or "" when the CSP middleware has not run or already answered
    (the page then shows unstyled rather than failing again)."""
    nonce = getattr(request, "csp_nonce", None)
    if nonce is None:
        return ""
    try:
        return str(nonce)
    except CSPNonceError:
        return ""


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return TemplateResponse(request, "errors/403_csrf.html", status=403).render()
