"""The bell's socket through ``config.asgi`` (origin check, session auth, router), the
channel layer from settings and the real database (committed: ``transaction=True``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from django.db import connections, transaction

from config.asgi import application
from peerpath.accounts.models import User
from peerpath.core.tests import ws
from peerpath.notifications import services
from peerpath.notifications.models import Notification
from peerpath.notifications.tests.factories import person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

PATH = "/ws/notifications/"


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> Iterator[None]:
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest_asyncio.fixture(autouse=True)
async def close_database_thread_connections() -> AsyncIterator[None]:
    yield
    await sync_to_async(connections.close_all)()


async def frame(socket: Any) -> dict[str, Any]:
    output = await socket.receive_output(timeout=5)
    assert output["type"] == "websocket.send", output
    data: dict[str, Any] = json.loads(output["text"])
    return data


async def open_socket(user: User) -> Any:
    cookie = await sync_to_async(ws.session_cookie)(user)
    socket = ws.communicator(application, PATH, cookie=cookie)
    connected, _ = await socket.connect(timeout=5)
    assert connected
    return socket


def notify_committed(user: User, title: str) -> None:
    """A notice from another part of the app, in its own transaction."""
    with transaction.atomic():
        services.notify([user], "mentorship", title, "…", url="/mentorships/")


async def test_connect_gets_the_count_and_a_new_notice_pushes_the_next() -> None:
    ana = await sync_to_async(person)("ana")
    await sync_to_async(notify_committed)(ana, "Earlier")
    socket = await open_socket(ana)
    try:
        assert await frame(socket) == {"type": "unread", "count": 1}
        await sync_to_async(notify_committed)(ana, "A new request")
        pushed = await frame(socket)
        note = await sync_to_async(Notification.objects.get)(title="A new request")
        assert pushed == {
            "type": "unread",
            "count": 2,
            "latest": {
                "id": note.pk,
                "title": "A new request",
                "url": "/mentorships/",
                "category": "mentorship",
            },
        }
        # reading elsewhere updates the count too
        await sync_to_async(services.mark_all_read)(user=ana)
        assert await frame(socket) == {"type": "unread", "count": 0}
    finally:
        await socket.disconnect()


async def test_other_peoples_notices_are_not_pushed() -> None:
    ana, ben = await sync_to_async(person)("ana"), await sync_to_async(person)("ben")
    socket = await open_socket(ana)
    try:
        assert await frame(socket) == {"type": "unread", "count": 0}
        await sync_to_async(notify_committed)(ben, "For Ben")
        assert await socket.receive_nothing(timeout=0.3)
    finally:
        await socket.disconnect()


async def test_ping_and_bad_frames() -> None:
    ana = await sync_to_async(person)("ana")
    socket = await open_socket(ana)
    try:
        await frame(socket)
        await socket.send_to(text_data=json.dumps({"type": "ping"}))
        assert await frame(socket) == {"type": "pong"}
        await socket.send_to(text_data="not json")
        assert (await frame(socket))["status"] == 400
        await socket.send_to(text_data="x" * 5000)
        assert (await frame(socket))["status"] == 400
    finally:
        await socket.disconnect()


async def test_visitors_are_closed_before_accept() -> None:
    socket = ws.communicator(application, PATH)
    connected, code = await socket.connect(timeout=5)
    assert (connected, code) == (False, 4401)


async def test_suspended_people_are_closed_before_accept(world: Any) -> None:
    suspended = await sync_to_async(User.objects.get)(username="w-suspended")
    cookie = await sync_to_async(ws.session_cookie)(suspended)
    socket = ws.communicator(application, PATH, cookie=cookie)
    connected, code = await socket.connect(timeout=5)
    assert (connected, code) == (False, 4403)
