"""Opening WebSockets in tests: Channels' ``WebsocketCommunicator`` against the real ASGI
stack (origin validator, session auth, URL router), signed in with a real session cookie."""

from __future__ import annotations

from typing import Any

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from peerpath.accounts.models import User

ORIGIN = b"http://localhost"


def session_cookie(user: User | None) -> str | None:
    """The session cookie of ``user`` logged in through Django's test client."""
    if user is None:
        return None
    client = Client()
    client.force_login(user)
    value: str = client.cookies[settings.SESSION_COOKIE_NAME].value
    return value


def communicator(
    app: Any, path: str, *, cookie: str | None = None, origin: bytes | None = ORIGIN
) -> WebsocketCommunicator:
    headers = [(b"host", b"localhost")]
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(app, path, headers=headers)
