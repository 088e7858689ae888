"""A NUL in a chat ``client_id`` over both WebSockets (rooms and mentorships) is an error frame
with status 400 and stores nothing; text with bidi overrides and control characters is
stored clean. (Apart from tests/test_input_hygiene.py: these need committed data, which
pytest-django runs after that module's shared world.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connections

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.tests import ws

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def _socket_send(path: str, user: User, frame: dict[str, Any]) -> dict[str, Any]:
    from config.asgi import application

    cookie = await sync_to_async(ws.session_cookie)(user)
    socket = ws.communicator(application, path, cookie=cookie)
    accepted, _ = await socket.connect(timeout=5)
    assert accepted
    try:
        await socket.send_json_to(frame)
        for _ in range(20):
            answer: dict[str, Any] = await socket.receive_json_from(timeout=5)
            if answer["type"] in ("ack", "error"):
                return answer
        raise AssertionError("no ack or error frame")
    finally:
        await socket.disconnect()


@pytest_asyncio.fixture
async def db_thread_closed() -> AsyncIterator[None]:
    yield
    await sync_to_async(connections.close_all)()


@pytest.mark.usefixtures("db_thread_closed")
async def test_both_sockets_refuse_a_nul_client_id_and_store_clean_text() -> None:
    from peerpath.mentorship.models import Message
    from peerpath.mentorship.tests.factories import make_mentorship
    from peerpath.rooms.models import RoomMessage
    from peerpath.rooms.tests.helpers import make_room

    def setup() -> tuple[User, Any, Any]:
        me = UserFactory.create(username="hy-sock", listener=True)
        mentor = UserFactory.create(username="hy-sock-mentor", listener=True, roles=[Role.MENTOR])
        return me, make_mentorship(mentor, me), make_room()

    me, mentorship, room = await sync_to_async(setup)()
    for path in (f"/ws/mentorships/{mentorship.pk}/", f"/ws/rooms/{room.pk}/"):
        refused = await _socket_send(
            path, me, {"type": "send", "body": "hello", "client_id": "a\x00b"}
        )
        assert (refused["type"], refused["status"]) == ("error", 400), refused
        assert "client_id" in refused["message"]
        ack = await _socket_send(
            path, me, {"type": "send", "body": "hi\u202e \x07there", "client_id": "ok-1"}
        )
        assert ack["type"] == "ack", ack
    stored = await sync_to_async(
        lambda: (
            [m.body for m in Message.objects.all()] + [m.body for m in RoomMessage.objects.all()]
        )
    )()
    assert stored == ["hi there", "hi there"]
