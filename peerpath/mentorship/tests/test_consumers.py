"""The mentorship chat socket, end to end through ``config.asgi`` (origin validator, session
auth, URL router), the channel layer from settings and the real database.

Each socket is Channels' ``WebsocketCommunicator`` (``peerpath.core.tests.ws``). Data is
committed (``transaction=True``) because the consumer reads and writes from Channels' database
thread.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from django.db import connection, connections
from django.utils import timezone

from config.asgi import application
from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.tests import ws
from peerpath.core.tests.ws import communicator
from peerpath.mentorship.consumers import MAX_FRAME_BYTES
from peerpath.mentorship.models import (
    MESSAGE_MAX_CHARS,
    EndReason,
    Mentorship,
    MentorshipSettings,
    MentorshipSource,
    MentorshipStatus,
    Message,
)
from peerpath.mentorship.selectors import chat as chat_reads
from peerpath.mentorship.services import lifecycle
from peerpath.safety.models import SafetyAlert

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = ws.ORIGIN


# --- helpers ------------------------------------------------------------------------------


def session_cookie(user: User) -> str:
    cookie = ws.session_cookie(user)
    assert cookie is not None
    return cookie


def chat_path(mentorship_id: int) -> str:
    return f"/ws/mentorships/{mentorship_id}/"


class Socket:
    """One browser tab's WebSocket, spoken as ASGI messages."""

    def __init__(self, path: str, cookie: str | None = None, origin: bytes | None = ORIGIN):
        self.comm = communicator(application, path, cookie=cookie, origin=origin)

    async def connect(self) -> dict[str, Any]:
        """The server's answer to the handshake: websocket.accept or websocket.close."""
        await self.comm.send_input({"type": "websocket.connect"})
        message: dict[str, Any] = await self.comm.receive_output(timeout=5)
        return message

    async def open(self) -> dict[str, Any]:
        """Connect, expect acceptance, and return the hello frame."""
        answer = await self.connect()
        assert answer["type"] == "websocket.accept", answer
        hello = await self.receive()
        assert hello["type"] == "hello", hello
        return hello

    async def send(self, frame: Any) -> None:
        text = frame if isinstance(frame, str) else json.dumps(frame)
        await self.comm.send_input({"type": "websocket.receive", "text": text})

    async def send_bytes(self, data: bytes) -> None:
        await self.comm.send_input({"type": "websocket.receive", "bytes": data})

    async def receive(self) -> dict[str, Any]:
        message = await self.comm.receive_output(timeout=5)
        assert message["type"] == "websocket.send", message
        frame: dict[str, Any] = json.loads(message["text"])
        return frame

    async def receive_type(self, kind: str) -> dict[str, Any]:
        """The next frame of ``kind``, skipping others (e.g. our own message's broadcast)."""
        for _ in range(50):
            frame = await self.receive()
            if frame["type"] == kind:
                return frame
        raise AssertionError(f"no {kind} frame")

    async def receive_close(self) -> int | None:
        message = await self.comm.receive_output(timeout=5)
        assert message["type"] == "websocket.close", message
        code: int | None = message.get("code")
        return code

    async def nothing_more(self) -> bool:
        result: bool = await self.comm.receive_nothing(timeout=0.2)
        return result

    async def disconnect(self) -> None:
        await self.comm.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.comm.wait(timeout=5)


@dataclass
class Pair:
    mentor: User
    mentee: User
    mentorship: Mentorship
    mentor_cookie: str
    mentee_cookie: str

    @property
    def path(self) -> str:
        return chat_path(self.mentorship.pk)


def make_pair(*, teen: bool = False, status: str = MentorshipStatus.ACTIVE) -> Pair:
    mentor = UserFactory.create(teen=teen, listener=True, roles=[Role.MENTOR])
    mentee = UserFactory.create(teen=teen, listener=True)
    mentorship = Mentorship.objects.create(
        mentor=mentor,
        mentee=mentee,
        status=status,
        source=MentorshipSource.REQUEST,
        started_at=timezone.now(),
        end_reason="" if status == MentorshipStatus.ACTIVE else EndReason.COMPLETED,
    )
    return Pair(mentor, mentee, mentorship, session_cookie(mentor), session_cookie(mentee))


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> Iterator[None]:
    """Each test runs in its own event loop: give it its own channel layer instance."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest_asyncio.fixture(autouse=True)
async def close_database_thread_connections() -> AsyncIterator[None]:
    """The consumer's queries run in asgiref's one database thread; with CONN_MAX_AGE its
    connection would outlive the test (and block dropping the PostgreSQL test database)."""
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture
def pair() -> Pair:
    return make_pair(teen=True)


@pytest_asyncio.fixture
async def sockets(pair: Pair) -> AsyncIterator[list[Socket]]:
    """Sockets opened by a test, disconnected (and checked for crashes) afterwards."""
    opened: list[Socket] = []
    yield opened
    for socket in opened:
        await socket.disconnect()


def committed_message(pk: int) -> Message | None:
    """Read from a connection of a different thread: only committed rows are visible."""
    try:
        return Message.objects.filter(pk=pk).first()
    finally:
        connection.close()


# --- who may connect ----------------------------------------------------------------------


async def test_anonymous_is_rejected_before_accept(pair: Pair) -> None:
    answer = await Socket(pair.path).connect()
    assert answer == {"type": "websocket.close", "code": 4401}


async def test_a_non_party_gets_the_same_close_as_a_missing_mentorship(pair: Pair) -> None:
    outsider = await sync_to_async(UserFactory.create)(teen=True, listener=True)
    cookie = await sync_to_async(session_cookie)(outsider)
    hidden = await Socket(pair.path, cookie).connect()
    missing = await Socket(chat_path(pair.mentorship.pk + 999), cookie).connect()
    overflow = await Socket(chat_path(2**70), cookie).connect()
    assert hidden == missing == overflow == {"type": "websocket.close", "code": 4404}


async def test_both_parties_are_accepted_with_a_hello(pair: Pair, sockets: list[Socket]) -> None:
    for cookie in (pair.mentor_cookie, pair.mentee_cookie):
        socket = Socket(pair.path, cookie)
        sockets.append(socket)
        hello = await socket.open()
        assert hello == {
            "type": "hello",
            "mentorship": pair.mentorship.pk,
            "unread": 0,
            "last_read": 0,
        }


async def test_an_ended_mentorship_is_rejected() -> None:
    ended = await sync_to_async(make_pair)(status=MentorshipStatus.ENDED)
    for cookie in (ended.mentor_cookie, ended.mentee_cookie):
        answer = await Socket(ended.path, cookie).connect()
        assert answer == {"type": "websocket.close", "code": 4404}


async def test_a_proposed_mentorship_is_rejected() -> None:
    proposed = await sync_to_async(make_pair)(status=MentorshipStatus.PROPOSED)
    answer = await Socket(proposed.path, proposed.mentee_cookie).connect()
    assert answer == {"type": "websocket.close", "code": 4404}


async def test_a_cross_band_pair_is_rejected() -> None:
    """Teen mentee + adult mentor written straight into the database (no service would)."""

    def build() -> Pair:
        mentor = UserFactory.create(listener=True, roles=[Role.MENTOR])
        mentee = UserFactory.create(teen=True, listener=True)
        m = Mentorship.objects.create(mentor=mentor, mentee=mentee, source=MentorshipSource.REQUEST)
        return Pair(mentor, mentee, m, session_cookie(mentor), session_cookie(mentee))

    crossed = await sync_to_async(build)()
    for cookie in (crossed.mentor_cookie, crossed.mentee_cookie):
        answer = await Socket(crossed.path, cookie).connect()
        assert answer == {"type": "websocket.close", "code": 4404}


async def test_a_foreign_origin_is_rejected(pair: Pair) -> None:
    answer = await Socket(pair.path, pair.mentee_cookie, origin=b"https://evil.example").connect()
    assert answer["type"] == "websocket.close"


async def test_a_suspended_party_is_rejected(pair: Pair) -> None:
    until = timezone.now() + dt.timedelta(days=1)
    await sync_to_async(User.objects.filter(pk=pair.mentee.pk).update)(suspended_until=until)
    answer = await Socket(pair.path, pair.mentee_cookie).connect()
    assert answer == {"type": "websocket.close", "code": 4404}


# --- sending ------------------------------------------------------------------------------


async def test_a_message_is_committed_before_the_ack_and_reaches_the_other_party(
    pair: Pair, sockets: list[Socket]
) -> None:
    mentee, mentor = Socket(pair.path, pair.mentee_cookie), Socket(pair.path, pair.mentor_cookie)
    sockets += [mentee, mentor]
    await mentee.open()
    await mentor.open()

    await mentee.send({"type": "send", "body": "  hello there  ", "client_id": "c-1"})
    ack = await mentee.receive()
    assert ack["type"] == "ack"
    assert ack["client_id"] == "c-1"
    stored = await sync_to_async(committed_message, thread_sensitive=False)(ack["id"])
    assert stored is not None
    assert stored.body == "hello there"
    assert ack["created_at"] == stored.created_at.isoformat()

    live = await mentor.receive()
    assert live == {
        "type": "message",
        "id": ack["id"],
        "sender": pair.mentee.username,
        "sender_id": pair.mentee.pk,
        "body": "hello there",
        "client_id": "c-1",
        "created_at": ack["created_at"],
    }
    echo = await mentee.receive()  # the sender's other tabs get it too: dedupe by id
    assert echo == live


def safety_alert_of(message_id: int) -> SafetyAlert | None:
    try:
        return (
            SafetyAlert.objects.filter(source="mentorship.Message", source_id=message_id)
            .prefetch_related("responders")
            .first()
        )
    finally:
        connection.close()


async def test_a_crisis_message_is_delivered_and_its_ack_carries_help_for_the_writer(
    pair: Pair, sockets: list[Socket]
) -> None:
    staff = await sync_to_async(UserFactory.create)(roles=[Role.STAFF])
    mentee, mentor = Socket(pair.path, pair.mentee_cookie), Socket(pair.path, pair.mentor_cookie)
    sockets += [mentee, mentor]
    await mentee.open()
    await mentor.open()

    body = "honestly i want to end my life"
    await mentee.send({"type": "send", "body": body, "client_id": "c-crisis"})
    ack = await mentee.receive_type("ack")
    crisis = ack["crisis"]
    assert "don't have to carry this alone" in crisis["message"]
    assert crisis["resources"]
    first = crisis["resources"][0]
    assert first["name"]
    assert first["contact"]
    assert set(first) == {"name", "contact", "detail", "url", "country"}

    live = await mentor.receive_type("message")  # delivered as usual, with no help in it
    assert live["body"] == body
    assert "crisis" not in live
    alert = await sync_to_async(safety_alert_of, thread_sensitive=False)(ack["id"])
    assert alert is not None
    assert alert.channel == "mentorship_chat"
    assert {u.pk for u in alert.responders.all()} == {pair.mentor.pk, staff.pk}

    await mentee.send({"type": "send", "body": "thanks for listening", "client_id": "c-ok"})
    ordinary = await mentee.receive_type("ack")
    assert "crisis" not in ordinary


async def test_the_same_client_id_is_stored_once(pair: Pair, sockets: list[Socket]) -> None:
    first = Socket(pair.path, pair.mentee_cookie)
    sockets.append(first)
    await first.open()
    frame = {"type": "send", "body": "once", "client_id": "dup-1"}
    await first.send(frame)
    ack1 = await first.receive_type("ack")
    await first.send(frame)  # a resend on the same socket
    ack2 = await first.receive_type("ack")
    second = Socket(pair.path, pair.mentee_cookie)  # a resend after a reconnect
    sockets.append(second)
    await second.open()
    await second.send(frame)
    ack3 = await second.receive_type("ack")
    assert ack1["id"] == ack2["id"] == ack3["id"]
    assert await sync_to_async(Message.objects.filter(sender=pair.mentee).count)() == 1


async def test_an_oversize_body_is_refused_and_nothing_stored(
    pair: Pair, sockets: list[Socket]
) -> None:
    socket = Socket(pair.path, pair.mentee_cookie)
    sockets.append(socket)
    await socket.open()
    await socket.send({"type": "send", "body": "x" * (MESSAGE_MAX_CHARS + 1), "client_id": "big"})
    error = await socket.receive()
    assert error["type"] == "error"
    assert error["status"] == 400
    assert error["client_id"] == "big"
    assert "too long" in error["message"]
    assert not await sync_to_async(Message.objects.exists)()


async def test_an_oversize_frame_is_refused_and_the_socket_stays_usable(
    pair: Pair, sockets: list[Socket]
) -> None:
    socket = Socket(pair.path, pair.mentee_cookie)
    sockets.append(socket)
    await socket.open()
    await socket.send({"type": "send", "body": "é" * MAX_FRAME_BYTES, "client_id": "huge"})
    error = await socket.receive()
    assert error == {"type": "error", "message": error["message"], "status": 400}
    assert "too large" in error["message"]
    await socket.send({"type": "send", "body": "still here", "client_id": "after"})
    assert (await socket.receive())["type"] == "ack"


async def test_sending_faster_than_the_rate_limit_answers_429(
    pair: Pair, sockets: list[Socket]
) -> None:
    await sync_to_async(MentorshipSettings.objects.update_or_create)(
        pk=1, defaults={"messages_per_minute": 2}
    )
    socket = Socket(pair.path, pair.mentee_cookie)
    sockets.append(socket)
    await socket.open()
    for n in range(2):
        await socket.send({"type": "send", "body": f"m{n}", "client_id": f"r{n}"})
        assert (await socket.receive_type("ack"))["client_id"] == f"r{n}"
    await socket.send({"type": "send", "body": "too fast", "client_id": "r2"})
    error = await socket.receive_type("error")
    assert error["status"] == 429
    assert error["client_id"] == "r2"
    assert await sync_to_async(Message.objects.count)() == 2
    await socket.send({"type": "resync", "after": 0})  # still open
    assert len((await socket.receive_type("history"))["messages"]) == 2


BAD_FRAMES = [
    "{not json",
    "[1, 2]",
    '"send"',
    json.dumps({"type": "shout", "body": "hi"}),
    json.dumps({"body": "no type"}),
    json.dumps({"type": "send", "body": 42, "client_id": "t"}),
    json.dumps({"type": "send", "body": "hi", "client_id": ["x"]}),
    json.dumps({"type": "send", "body": "hi", "client_id": "x" * 65}),
    json.dumps({"type": "send", "body": "   ", "client_id": "blank"}),
    json.dumps({"type": "resync", "after": "7"}),
    json.dumps({"type": "resync", "after": -1}),
    json.dumps({"type": "resync", "after": 2**64}),
    json.dumps({"type": "read", "up_to": True}),
    json.dumps({"type": "read"}),
]


async def test_bad_frames_get_an_error_and_the_socket_stays_usable(
    pair: Pair, sockets: list[Socket]
) -> None:
    """One socket, every kind of bad frame (one transactional test: flushes are slow)."""
    socket = Socket(pair.path, pair.mentee_cookie)
    sockets.append(socket)
    await socket.open()
    for frame in BAD_FRAMES:
        await socket.send(frame)
        error = await socket.receive()
        assert (error["type"], error["status"]) == ("error", 400), (frame, error)
        assert error["message"], frame
    await socket.send({"type": "send", "body": "fine", "client_id": "ok"})
    assert (await socket.receive())["type"] == "ack"
    assert await sync_to_async(Message.objects.count)() == 1


async def test_a_binary_frame_gets_an_error(pair: Pair, sockets: list[Socket]) -> None:
    socket = Socket(pair.path, pair.mentee_cookie)
    sockets.append(socket)
    await socket.open()
    await socket.send_bytes(b'{"type": "send"}')
    error = await socket.receive()
    assert error["type"] == "error"
    assert error["status"] == 400


async def test_html_is_stored_and_relayed_as_plain_text(pair: Pair, sockets: list[Socket]) -> None:
    socket = Socket(pair.path, pair.mentee_cookie)
    sockets.append(socket)
    await socket.open()
    body = "<script>alert('x')</script>"
    await socket.send({"type": "send", "body": body, "client_id": "xss"})
    ack = await socket.receive_type("ack")
    assert (await socket.receive_type("message"))["body"] == body  # clients use textContent
    stored = await sync_to_async(Message.objects.get)(pk=ack["id"])
    assert stored.body == body


# --- history, resync, read markers --------------------------------------------------------


async def test_resync_after_a_reconnect_returns_exactly_the_missed_messages(
    pair: Pair, sockets: list[Socket]
) -> None:
    mentor = Socket(pair.path, pair.mentor_cookie)
    sockets.append(mentor)
    await mentor.open()
    mentee = Socket(pair.path, pair.mentee_cookie)
    await mentee.open()
    await mentor.send({"type": "send", "body": "seen", "client_id": "s0"})
    await mentor.receive_type("ack")
    seen = await mentee.receive_type("message")
    await mentee.disconnect()  # the mentee's network drops

    missed = []
    for n in range(3):
        await mentor.send({"type": "send", "body": f"missed {n}", "client_id": f"s{n + 1}"})
        missed.append((await mentor.receive_type("ack"))["id"])

    back = Socket(pair.path, pair.mentee_cookie)
    sockets.append(back)
    hello = await back.open()
    assert hello["unread"] == 4  # the mentee never sent a read
    await back.send({"type": "resync", "after": seen["id"]})
    history = await back.receive()
    assert history["type"] == "history"
    assert [m["id"] for m in history["messages"]] == missed
    assert [m["body"] for m in history["messages"]] == ["missed 0", "missed 1", "missed 2"]
    assert all(m["type"] == "message" for m in history["messages"])


async def test_resync_pages_by_200(pair: Pair, sockets: list[Socket]) -> None:
    def write(n: int) -> None:
        Message.objects.bulk_create(
            Message(mentorship=pair.mentorship, sender=pair.mentor, body=f"b{i}") for i in range(n)
        )

    await sync_to_async(write)(205)
    socket = Socket(pair.path, pair.mentee_cookie)
    sockets.append(socket)
    await socket.open()
    await socket.send({"type": "resync", "after": 0})
    page = (await socket.receive())["messages"]
    assert len(page) == 200
    await socket.send({"type": "resync", "after": page[-1]["id"]})
    rest = (await socket.receive())["messages"]
    assert [m["body"] for m in rest] == [f"b{i}" for i in range(200, 205)]


async def test_read_moves_the_marker_and_tells_both_sides(
    pair: Pair, sockets: list[Socket]
) -> None:
    mentor, mentee = Socket(pair.path, pair.mentor_cookie), Socket(pair.path, pair.mentee_cookie)
    sockets += [mentor, mentee]
    await mentor.open()
    await mentee.open()
    ids = []
    for n in range(2):
        await mentor.send({"type": "send", "body": f"q{n}", "client_id": f"q{n}"})
        ids.append((await mentor.receive_type("ack"))["id"])

    def unread() -> dict[int, int]:
        m = Mentorship.objects.get(pk=pair.mentorship.pk)
        return chat_reads.unread_counts(pair.mentee, [m])

    assert await sync_to_async(unread)() == {pair.mentorship.pk: 2}
    await mentee.send({"type": "read", "up_to": ids[0]})
    expected = {"type": "read", "user_id": pair.mentee.pk, "up_to": ids[0]}
    assert await mentee.receive_type("read") == expected
    assert await mentor.receive_type("read") == expected
    assert await sync_to_async(unread)() == {pair.mentorship.pk: 1}

    await mentee.send({"type": "read", "up_to": ids[1] + 1000})  # clamped to the last message
    assert (await mentee.receive_type("read"))["up_to"] == ids[1]
    assert await sync_to_async(unread)() == {}
    await mentee.send({"type": "read", "up_to": ids[0]})  # never moves back: no event
    assert await mentee.nothing_more()
    again = Socket(pair.path, pair.mentee_cookie)
    sockets.append(again)
    hello = await again.open()
    assert hello["unread"] == 0
    assert hello["last_read"] == ids[1]


# --- the mentorship stops being active ----------------------------------------------------


async def test_ending_the_mentorship_closes_every_open_socket(
    pair: Pair, sockets: list[Socket]
) -> None:
    mentor, mentee = Socket(pair.path, pair.mentor_cookie), Socket(pair.path, pair.mentee_cookie)
    sockets += [mentor, mentee]
    await mentor.open()
    await mentee.open()
    await sync_to_async(lifecycle.end_mentorship)(
        actor=pair.mentee, mentorship_id=pair.mentorship.pk, reason=EndReason.COMPLETED
    )
    for socket in (mentor, mentee):
        closed = await socket.receive()
        assert closed == {"type": "closed", "reason": EndReason.COMPLETED.label}
        assert await socket.receive_close() == 4410
    answer = await Socket(pair.path, pair.mentee_cookie).connect()
    assert answer == {"type": "websocket.close", "code": 4404}


async def test_a_send_after_the_chat_stopped_being_allowed_closes_with_4403(
    pair: Pair, sockets: list[Socket]
) -> None:
    """Suspended while the socket is open (no broadcast): the next send is refused."""
    socket = Socket(pair.path, pair.mentee_cookie)
    sockets.append(socket)
    await socket.open()
    until = timezone.now() + dt.timedelta(days=1)
    await sync_to_async(User.objects.filter(pk=pair.mentee.pk).update)(suspended_until=until)
    await socket.send({"type": "send", "body": "hello?", "client_id": "late"})
    error = await socket.receive()
    assert error["type"] == "error"
    assert error["status"] == 403
    assert error["client_id"] == "late"
    assert await socket.receive_close() == 4403
    assert not await sync_to_async(Message.objects.exists)()


async def test_a_send_to_a_silently_ended_mentorship_closes_with_4403(
    pair: Pair, sockets: list[Socket]
) -> None:
    socket = Socket(pair.path, pair.mentor_cookie)
    sockets.append(socket)
    await socket.open()
    await sync_to_async(Mentorship.objects.filter(pk=pair.mentorship.pk).update)(
        status=MentorshipStatus.ENDED, end_reason=EndReason.STAFF
    )
    await socket.send({"type": "send", "body": "anyone?", "client_id": "gone"})
    error = await socket.receive()
    assert error["status"] == 403
    assert "not active" in error["message"]
    assert await socket.receive_close() == 4403
