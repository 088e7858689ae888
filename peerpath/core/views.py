"""Site-wide views: health check and friendly error pages."""

from __future__ import annotations

import logging

from csp.exceptions import CSPNonceError
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with {"status": "ok"} when the database answers; 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


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
