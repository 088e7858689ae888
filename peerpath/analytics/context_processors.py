"""The header's link to the partner dashboard, for those who may open it (decided lazily, only
when a template reads it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from peerpath.analytics.policies import can_view_dashboard


def dashboard(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"dashboard_link": False}
    return {"dashboard_link": SimpleLazyObject(lambda: bool(can_view_dashboard(user)))}
