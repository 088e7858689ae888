"""Small request helpers every app's views share."""

from __future__ import annotations

from django.http import HttpRequest

from peerpath.accounts.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in person of a view behind ``login_required`` (typed for the checker)."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by login_required
    return user
