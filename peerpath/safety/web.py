"""Showing the writer help after an HTML form post that redirects (post/redirect/get).

A view that called a service which screened text hands the ``Screening`` to
``show_help(request, screening)``; the next page (any page: ``templates/base.html`` includes
``safety/_help.html``) shows the help lines once. Views that answer in place (htmx partials)
include ``safety/_help.html`` with ``help_resources`` themselves; sockets and the API send
``Screening.as_payload()``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from peerpath.safety.policies import can_use_queue
from peerpath.safety.services import Screening, resource_payload

SESSION_KEY = "safety_help"


def show_help(request: HttpRequest, screening: Screening) -> None:
    if screening.resources and hasattr(request, "session"):
        request.session[SESSION_KEY] = [resource_payload(r) for r in screening.resources]


def crisis_help(request: HttpRequest) -> dict[str, Any]:
    """Context processor: help lines a form post left for this person, shown once: taken
    from the session only when a template reads ``help_resources`` (an e-mail rendered with
    the request, e.g. allauth's confirmation, must not consume them)."""
    session = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session:
        return {}
    return {"help_resources": SimpleLazyObject(lambda: list(session.pop(SESSION_KEY, [])))}


def nav(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the header's link to the staff safeguarding queue (decided lazily,
    only when a template reads it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"safety_queue_link": False}
    return {"safety_queue_link": SimpleLazyObject(lambda: bool(can_use_queue(user)))}
