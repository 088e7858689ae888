"""The room socket end to end through ``config.asgi`` (origin validator, session auth, URL
router), the process hub and the real database: every frame type and every refusal.

Data is committed (``transaction=True``): the consumer works in Channels' database thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connections
from django.utils import timezone

from config.asgi import application
from peerpath.accounts import services as account_services
from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.tests import ws
from peerpath.rooms import consumers
from peerpath.rooms.models import (
    Presence,
    Room,
    RoomBand,
    RoomMessage,
    RoomSettings,
)
from peerpath.rooms.services import moderation, reports
from peerpath.rooms.tests.helpers import make_room
from peerpath.safety import crisis
from peerpath.safety.models import SafetyAlert

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def path(room: Room | int) -> str:
    return f"/ws/rooms/{room if isinstance(room, int) else room.pk}/"


class Socket:
    def __init__(
        self, room: Room | int | str, cookie: str | None, origin: bytes | None = ws.ORIGIN
    ):
        where = room if isinstance(room, str) else path(room)
        self.comm = ws.communicator(application, where, cookie=cookie, origin=origin)

    async def connect(self) -> dict[str, Any]:
        await self.comm.send_input({"type": "websocket.connect"})
        message: dict[str, Any] = await self.comm.receive_output(timeout=5)
        return message

    async def open(self) -> dict[str, Any]:
        answer = await self.connect()
        assert answer["type"] == "websocket.accept", answer
        return await self.receive_type("hello")

    async def send(self, frame: Any) -> None:
        text = frame if isinstance(frame, str) else json.dumps(frame)
        await self.comm.send_input({"type": "websocket.receive", "text": text})

    async def receive(self) -> dict[str, Any]:
        message = await self.comm.receive_output(timeout=5)
        assert message["type"] == "websocket.send", message
        frame: dict[str, Any] = json.loads(message["text"])
        return frame

    async def receive_type(self, kind: str) -> dict[str, Any]:
        for _ in range(50):
            frame = await self.receive()
            if frame["type"] == kind:
                return frame
        raise AssertionError(f"no {kind} frame")

    async def receive_close(self) -> tuple[dict[str, Any], int | None]:
        """The "closed" frame with its reason, then the close code."""
        closed = await self.receive_type("closed")
        message = await self.comm.receive_output(timeout=5)
        assert message["type"] == "websocket.close", message
        return closed, message.get("code")

    async def nothing_more(self) -> bool:
        result: bool = await self.comm.receive_nothing(timeout=0.3)
        return result

    async def disconnect(self) -> None:
        await self.comm.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.comm.wait(timeout=5)


def cookie_of(user: User) -> str:
    value = ws.session_cookie(user)
    assert value is not None
    return value


@pytest_asyncio.fixture(autouse=True)
async def close_database_thread_connections() -> AsyncIterator[None]:
    yield
    await sync_to_async(connections.close_all)()


@pytest_asyncio.fixture
async def sockets() -> AsyncIterator[list[Socket]]:
    opened: list[Socket] = []
    yield opened
    for s in opened:
        await s.disconnect()


async def person(**kw: Any) -> tuple[User, str]:
    user = await sync_to_async(UserFactory.create)(**kw)
    return user, await sync_to_async(cookie_of)(user)


async def room(**kw: Any) -> Room:
    return await sync_to_async(make_room)(**kw)


async def opened(sockets: list[Socket], where: Room, cookie: str) -> tuple[Socket, dict[str, Any]]:
    s = Socket(where, cookie)
    sockets.append(s)
    hello = await s.open()
    return s, hello


# --- connecting ------------------------------------------------------------------------------


async def test_anonymous_is_closed_before_accept() -> None:
    r = await room()
    assert await Socket(r, None).connect() == {"type": "websocket.close", "code": 4401}


async def test_a_foreign_origin_is_refused() -> None:
    r = await room()
    _, cookie = await person()
    answer = await Socket(r, cookie, origin=b"http://evil.example").connect()
    assert answer["type"] == "websocket.close"


async def test_other_band_missing_and_overflowing_rooms_look_the_same() -> None:
    teen_room = await room(band=RoomBand.TEEN)
    _, cookie = await person()
    answers = []
    for where in (teen_room, teen_room.pk + 10_000, 2**70):
        s = Socket(where, cookie)
        assert (await s.connect())["type"] == "websocket.accept"
        closed, code = await s.receive_close()
        answers.append((closed["reason"], code))
    assert answers == [("No such room.", 4404)] * 3


async def test_a_locked_room_closes_with_what_unlocks_it() -> None:
    r = await room(lock={"count": "group_chat", "min": 3})
    _, cookie = await person()
    s = Socket(r, cookie)
    await s.connect()
    closed, code = await s.receive_close()
    assert code == 4403
    assert "0 of 3 group chats" in closed["reason"]


async def test_a_banned_person_cannot_join() -> None:
    r = await room()
    mod, _ = await person(roles=[Role.MODERATOR])
    bob, cookie = await person()
    await sync_to_async(moderation.ban)(actor=mod, room_id=r.pk, target_id=bob.pk, reason="abuse")
    s = Socket(r, cookie)
    await s.connect()
    closed, code = await s.receive_close()
    assert code == 4403
    assert "banned" in closed["reason"]


async def test_hello_presence_and_leaving(sockets: list[Socket]) -> None:
    r = await room()
    alice, a_cookie = await person()
    bob, b_cookie = await person()
    a, hello = await opened(sockets, r, a_cookie)
    assert hello["room"] == r.pk
    assert hello["you"]["can_post"] is True
    assert hello["last_id"] == 0
    _, hello_b = await opened(sockets, r, b_cookie)
    assert {p["id"] for p in hello_b["present"]} == {alice.pk, bob.pk}
    joined = await a.receive_type("presence")  # batched, within a second
    assert {p["id"] for p in joined["joined"]} >= {bob.pk}
    assert await sync_to_async(Presence.objects.filter(room=r).count)() == 2
    b = sockets.pop()
    await b.disconnect()
    left = await a.receive_type("presence")
    assert bob.pk in left["left"]
    assert await sync_to_async(Presence.objects.filter(room=r).count)() == 1


# --- messages --------------------------------------------------------------------------------


async def test_send_is_persisted_acked_and_broadcast(sockets: list[Socket]) -> None:
    r = await room()
    alice, a_cookie = await person()
    _, b_cookie = await person()
    a, _ = await opened(sockets, r, a_cookie)
    b, _ = await opened(sockets, r, b_cookie)
    await a.send({"type": "send", "body": "<b>hi</b> all", "client_id": "c-1"})
    ack = await a.receive_type("ack")
    stored = await sync_to_async(RoomMessage.objects.get)(pk=ack["id"])
    assert stored.body == "<b>hi</b> all"
    got = await b.receive_type("message")
    assert got["id"] == ack["id"]
    assert got["body"] == "<b>hi</b> all"
    assert got["sender_id"] == alice.pk
    # A resend after a reconnect answers the same id and stores nothing new.
    await a.send({"type": "send", "body": "<b>hi</b> all", "client_id": "c-1"})
    again = await a.receive_type("ack")
    assert again["id"] == ack["id"]
    assert await sync_to_async(RoomMessage.objects.count)() == 1


async def test_resync_and_history_pages(sockets: list[Socket]) -> None:
    r = await room()
    alice, cookie = await person()
    await sync_to_async(_seed_messages)(r, alice, 60)
    s, hello = await opened(sockets, r, cookie)
    last = hello["last_id"]
    await s.send({"type": "history", "before": None})
    page = await s.receive_type("history")
    assert len(page["messages"]) == consumers.PAGE
    assert page["more"] is True
    assert page["messages"][-1]["id"] == last
    first = page["messages"][0]["id"]
    await s.send({"type": "history", "before": first})
    older = await s.receive_type("history")
    assert len(older["messages"]) == 10
    assert older["more"] is False
    await s.send({"type": "resync", "after": last - 5})
    missed = await s.receive_type("history")
    assert [m["id"] for m in missed["messages"]] == list(range(last - 4, last + 1))


def _seed_messages(r: Room, user: User, n: int) -> None:
    RoomMessage.objects.bulk_create(
        RoomMessage(room=r, sender=user, body=f"m{i}") for i in range(n)
    )


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_frame"),
        ({"type": "dance"}, "unknown_type"),
        ({"type": "resync", "after": -1}, "bad_id"),
        ({"type": "resync", "after": True}, "bad_id"),
        ({"type": "history", "before": "x"}, "bad_id"),
        ({"type": "send", "body": 5}, "bad_body"),
        ({"type": "send", "body": "x", "client_id": "c" * 65}, "bad_client_id"),
        ({"type": "send", "body": ""}, "invalid"),
        ({"type": "send", "body": "x" * 1001}, "invalid"),
        ("x" * (consumers.MAX_FRAME_BYTES + 1), "too_large"),
    ],
)
async def test_bad_frames_get_coded_errors_and_nothing_is_stored(
    sockets: list[Socket], frame: Any, code: str
) -> None:
    r = await room()
    _, cookie = await person()
    s, _ = await opened(sockets, r, cookie)
    await s.send(frame)
    error = await s.receive_type("error")
    assert error["code"] == code
    assert 400 <= error["status"] < 500
    await s.send({"type": "ping"})
    assert (await s.receive_type("pong"))["type"] == "pong"  # the socket is still open
    assert await sync_to_async(RoomMessage.objects.count)() == 0


async def test_binary_frames_are_refused(sockets: list[Socket]) -> None:
    r = await room()
    _, cookie = await person()
    s, _ = await opened(sockets, r, cookie)
    await s.comm.send_input({"type": "websocket.receive", "bytes": b"\x00\x01"})
    assert (await s.receive_type("error"))["code"] == "binary"


async def test_flooding_is_rate_limited_then_closed() -> None:
    r = await room()
    _, cookie = await person()
    s = Socket(r, cookie)
    await s.open()
    for _ in range(consumers.FRAME_BURST + consumers.FLOOD_STRIKES + 5):
        await s.send({"type": "ping"})
    kinds = []
    for _ in range(consumers.FRAME_BURST + consumers.FLOOD_STRIKES + 5):
        msg = await s.comm.receive_output(timeout=5)
        if msg["type"] == "websocket.close":
            kinds.append(("close", msg.get("code")))
            break
        kinds.append(("frame", json.loads(msg["text"])["type"]))
    assert ("frame", "error") in kinds
    assert kinds[-1] == ("close", consumers.CLOSE_FLOOD)


async def test_the_per_user_message_limit_refuses_with_429(sockets: list[Socket]) -> None:
    await sync_to_async(RoomSettings.objects.update_or_create)(
        pk=1, defaults={"message_rate_count": 2, "message_rate_seconds": 60}
    )
    r = await room()
    _, cookie = await person()
    s, _ = await opened(sockets, r, cookie)
    for i in range(2):
        await s.send({"type": "send", "body": f"m{i}", "client_id": f"c{i}"})
        await s.receive_type("ack")
    await s.send({"type": "send", "body": "m3", "client_id": "c3"})
    error = await s.receive_type("error")
    assert (error["status"], error["code"], error["client_id"]) == (429, "rate_limited", "c3")
    assert await sync_to_async(RoomMessage.objects.count)() == 2


# --- moderation reaches sockets at once ------------------------------------------------------


async def test_a_muted_person_is_told_and_refused_but_stays(sockets: list[Socket]) -> None:
    r = await room()
    mod, _ = await person(roles=[Role.MODERATOR])
    bob, cookie = await person()
    s, _ = await opened(sockets, r, cookie)
    await sync_to_async(moderation.mute)(actor=mod, room_id=r.pk, target_id=bob.pk, reason="calm")
    muted = await s.receive_type("muted")
    assert muted["reason"] == "calm"
    await s.send({"type": "send", "body": "hey", "client_id": "x"})
    error = await s.receive_type("error")
    assert error["code"] == "cannot_post"
    assert "muted" in error["message"]
    await s.send({"type": "ping"})
    await s.receive_type("pong")


@pytest.mark.parametrize("action", ["kick", "ban"])
async def test_kicked_or_banned_sockets_close_at_once(sockets: list[Socket], action: str) -> None:
    r = await room()
    mod, _ = await person(roles=[Role.MODERATOR])
    bob, b_cookie = await person()
    _, a_cookie = await person()
    other, _ = await opened(sockets, r, a_cookie)
    s = Socket(r, b_cookie)
    await s.open()
    fn = moderation.kick if action == "kick" else moderation.ban
    await sync_to_async(fn)(actor=mod, room_id=r.pk, target_id=bob.pk, reason="spam")
    closed, code = await s.receive_close()
    assert code == 4403
    assert "spam" in closed["reason"]
    # Others stay connected:
    await other.send({"type": "ping"})
    await other.receive_type("pong")


async def test_deleted_messages_and_room_state_are_broadcast(sockets: list[Socket]) -> None:
    r = await room()
    mod, _ = await person(roles=[Role.MODERATOR])
    _, cookie = await person()
    s, _ = await opened(sockets, r, cookie)
    await s.send({"type": "send", "body": "oops", "client_id": "d1"})
    ack = await s.receive_type("ack")
    await sync_to_async(moderation.delete_message)(actor=mod, message_id=ack["id"])
    assert (await s.receive_type("deleted"))["id"] == ack["id"]
    await sync_to_async(moderation.set_slow_mode)(actor=mod, room_id=r.pk, seconds=30)
    assert (await s.receive_type("room"))["slow_mode"] == 30
    await sync_to_async(moderation.lock_room)(actor=mod, room_id=r.pk, reason="break")
    state = await s.receive_type("room")
    assert state["paused"] is True
    await s.send({"type": "send", "body": "still here?", "client_id": "d2"})
    assert "break" in (await s.receive_type("error"))["message"]


async def test_a_block_hides_the_blocked_persons_messages_live(sockets: list[Socket]) -> None:
    r = await room()
    alice, a_cookie = await person()
    bob, b_cookie = await person()
    a, _ = await opened(sockets, r, a_cookie)
    b, _ = await opened(sockets, r, b_cookie)
    await sync_to_async(reports.block)(blocker=alice, blocked_id=bob.pk)
    await a.receive_type("refresh")
    await b.send({"type": "send", "body": "can you hear me", "client_id": "b1"})
    await b.receive_type("ack")
    for _ in range(5):
        if await a.nothing_more():
            break
        frame = await a.receive()
        assert frame["type"] != "message", frame


async def test_crisis_language_gets_private_help_and_alerts_moderators(
    sockets: list[Socket],
) -> None:
    r = await room()
    mod, mod_cookie = await person(roles=[Role.MODERATOR])
    writer, w_cookie = await person()
    _, o_cookie = await person()
    mod_socket, _ = await opened(sockets, r, mod_cookie)
    other, _ = await opened(sockets, r, o_cookie)
    w, _ = await opened(sockets, r, w_cookie)
    await w.send({"type": "send", "body": "i want to k i l l myself tonight", "client_id": "h1"})
    ack = await w.receive_type("ack")
    help_lines = ack["crisis"]["resources"]
    assert help_lines
    assert {"name", "contact", "detail", "url", "country"} <= set(help_lines[0])
    frame = await mod_socket.receive_type("alert")
    assert frame["user_id"] == writer.pk
    assert frame["message_id"] == ack["id"]
    # The live alert names the one safeguarding alert, which names the moderator.
    alert = await sync_to_async(SafetyAlert.objects.get)(
        source="rooms.RoomMessage", source_id=ack["id"]
    )
    assert frame["alert"] == alert.pk
    assert frame["url"] == f"/safety/alerts/{alert.pk}/"
    responders = await sync_to_async(lambda: set(alert.responders.values_list("pk", flat=True)))()
    assert responders == {mod.pk}
    # The message itself is delivered (never dropped); the alert is not shown to others.
    assert (await other.receive_type("message"))["id"] == ack["id"]
    await asyncio.sleep(0.1)
    while not await other.nothing_more():
        assert (await other.receive())["type"] != "alert"


async def test_a_teen_rooms_alert_goes_to_its_teen_moderator_live(
    sockets: list[Socket],
) -> None:
    r = await room(band="teen")
    mod, mod_cookie = await person(teen=True, roles=[Role.MODERATOR])
    await person(roles=[Role.MODERATOR])  # an adult moderator: never a responder here
    _, w_cookie = await person(teen=True)
    mod_socket, _ = await opened(sockets, r, mod_cookie)
    w, _ = await opened(sockets, r, w_cookie)
    await w.send({"type": "send", "body": "I want to end my life", "client_id": "t1"})
    ack = await w.receive_type("ack")
    assert ack["crisis"]["resources"]
    frame = await mod_socket.receive_type("alert")
    alert = await sync_to_async(SafetyAlert.objects.get)(pk=frame["alert"])
    assert alert.writer_band == "teen"
    responders = await sync_to_async(lambda: set(alert.responders.values_list("pk", flat=True)))()
    assert responders == {mod.pk}


async def test_a_detector_error_still_delivers_and_acks_without_help(
    sockets: list[Socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str) -> None:
        raise RuntimeError("lexicon missing")

    monkeypatch.setattr(crisis, "detect", broken)
    r = await room()
    _, w_cookie = await person()
    _, o_cookie = await person()
    other, _ = await opened(sockets, r, o_cookie)
    w, _ = await opened(sockets, r, w_cookie)
    await w.send({"type": "send", "body": "i want to kill myself", "client_id": "e1"})
    ack = await w.receive_type("ack")
    assert "crisis" not in ack
    assert (await other.receive_type("message"))["id"] == ack["id"]
    alert = await sync_to_async(SafetyAlert.objects.get)(source_id=ack["id"])
    assert (alert.category, alert.queued) == ("detector_error", True)


async def test_a_suspension_mid_socket_stops_the_next_message(sockets: list[Socket]) -> None:
    r = await room()
    staff, _ = await person(roles=[Role.STAFF])
    bob, cookie = await person()
    s, _ = await opened(sockets, r, cookie)
    await sync_to_async(account_services.suspend_user)(
        actor=staff, user=bob, until=timezone.now() + dt.timedelta(days=1), reason="rules"
    )
    # The consumer re-checks the person with every message (roles are cached up to a minute;
    # the account itself is fresh).
    await s.send({"type": "send", "body": "hello", "client_id": "s1"})
    closed, code = await s.receive_close()
    assert code == 4403
    assert "suspended" in closed["reason"]
    sockets.remove(s)
