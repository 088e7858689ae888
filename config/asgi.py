"""ASGI entry point: HTTP through Django, WebSocket through Channels, and the lifespan
protocol for what a server process runs beside its requests (Django's ASGIHandler and
Channels' router ignore lifespan, hence ``lifespan`` below)."""

from __future__ import annotations

import logging
import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

# Django must be set up before anything imports models (consumers, routing).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from peerpath.notifications import relay  # noqa: E402
from peerpath.safety import crisis  # noqa: E402

# Every place people write is screened (rooms, the mentorship chat, forms): compile the
# crisis lexicons when the server process starts, not on someone's first message.
crisis.preload()

logger = logging.getLogger(__name__)


async def lifespan(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Startup marks this process as the one holding the sockets and, under the embedded
    default (no Redis), starts the live relay's poller (``peerpath.notifications.relay``):
    what the Huey worker sends reaches this process's sockets. Servers must run with
    lifespan on (uvicorn's default ``auto`` is fine)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await relay.startup()
            except Exception as exc:
                logger.exception("lifespan startup failed")
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await relay.shutdown()
            finally:
                await send({"type": "lifespan.shutdown.complete"})
            return


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
        "lifespan": lifespan,
    }
)
