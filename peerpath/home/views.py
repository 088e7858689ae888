from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from peerpath.accounts.http import signed_in_user
from peerpath.home import selectors


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; the dashboard for signed-in people."""
    if not request.user.is_authenticated:
        return TemplateResponse(request, "home/landing.html")
    board = selectors.dashboard(signed_in_user(request), now=timezone.now())
    return TemplateResponse(request, "home/dashboard.html", board.as_context())
