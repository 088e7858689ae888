"""The header's bell: the unread count for signed-in people, computed only if a template
reads it (one indexed COUNT), nothing for visitors or suspended accounts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from peerpath.accounts import policies as account_policies
from peerpath.notifications import selectors


def bell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or account_policies.is_suspended(user):
        return {"notifications_bell": False}
    return {
        "notifications_bell": True,
        "notifications_unread": SimpleLazyObject(lambda: selectors.unread_count(user)),
    }
