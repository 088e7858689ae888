"""Two real server processes, one room, Redis between them.

Client A holds a socket on process 1 and client B on process 2, in the same room: a message
A sends is acknowledged to A after it is stored, reaches B (through the Redis relay) exactly
once with the same id, and B's reply reaches A. This is what no in-process test can show:
each process only knows its own sockets.

It runs in the services pass (``scripts/test-services.sh`` sets ``REDIS_URL``) and skips,
saying why, when ``REDIS_URL`` is unset or Redis does not answer. The servers are
``uvicorn config.asgi:application`` subprocesses (``tests/rooms_servers.py``, shared with
``bench/rooms.py``) on a file SQLite database of their own under ``tmp_path``: pytest-django's
test database is invisible to other processes (in memory on SQLite, uncommitted rows on
PostgreSQL), and the test process never touches it.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from tests.rooms_servers import (
    Fixture,
    Server,
    django_env,
    prepare_database,
    redis_reachable,
    running,
    start_many_uvicorn,
)

REDIS_URL = os.environ.get("REDIS_URL", "")
FRAME_TIMEOUT = 10.0

pytestmark = pytest.mark.skipif(
    not REDIS_URL,
    reason="REDIS_URL is not set: the two-process rooms test needs Redis "
    "(it runs in the services pass, scripts/test-services.sh)",
)


class Servers:
    def __init__(self, servers: list[Server], fixture: Fixture, database: Path) -> None:
        self.servers = servers
        self.fixture = fixture
        self.database = database


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    problem = redis_reachable(REDIS_URL)
    if problem is not None:
        pytest.skip(f"Redis at {REDIS_URL} does not answer ({problem})")
    workdir = tmp_path_factory.mktemp("rooms-multiprocess")
    database = workdir / "rooms.sqlite3"
    url = f"sqlite:///{database}"
    secret = secrets.token_urlsafe(48)
    fixture = prepare_database(
        env=django_env(database_url=url, secret_key=secret), users=2, rooms=1, workdir=workdir
    )
    env = django_env(database_url=url, secret_key=secret, redis_url=REDIS_URL)
    servers = start_many_uvicorn(2, env, log_dir=workdir)
    with running(*servers):
        yield Servers(servers, fixture, database)
        for server in servers:
            server.check_alive()


class Peer:
    """One socket and every frame it received (in order)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self.used: set[int] = set()  # indexes of frames an expect() returned

    async def expect(self, kind: str, client_id: str | None = None) -> dict[str, Any]:
        """The first frame of ``kind`` (for ``client_id``) not returned before, whether it
        already arrived or is still to come; other frames (presence...) are kept."""

        def match(i: int, frame: dict[str, Any]) -> bool:
            if frame.get("type") == "error":
                raise AssertionError(f"error frame: {frame}")
            return (
                i not in self.used
                and frame.get("type") == kind
                and client_id in (None, frame.get("client_id"))
            )

        for i, frame in enumerate(self.frames):
            if match(i, frame):
                self.used.add(i)
                return frame
        async with asyncio.timeout(FRAME_TIMEOUT):
            while True:
                got: dict[str, Any] = json.loads(await self.ws.recv())
                self.frames.append(got)
                if match(len(self.frames) - 1, got):
                    self.used.add(len(self.frames) - 1)
                    return got

    async def drain(self, seconds: float) -> None:
        """Keep whatever else arrives for a moment (to catch a second copy)."""
        try:
            async with asyncio.timeout(seconds):
                while True:
                    self.frames.append(json.loads(await self.ws.recv()))
        except TimeoutError:
            pass

    def copies(self) -> Counter[str]:
        return Counter(f["client_id"] for f in self.frames if f.get("type") == "message")


async def open_peer(server: Server, room: int, session_key: str) -> Peer:
    ws = await connect(
        server.ws_url(f"/ws/rooms/{room}/"),
        origin=Origin(server.origin),
        additional_headers={"Cookie": f"sessionid={session_key}"},
        compression=None,
        proxy=None,
        open_timeout=FRAME_TIMEOUT,
    )
    peer = Peer(ws)
    await peer.expect("hello")
    return peer


async def conversation(setup: Servers) -> tuple[Peer, Peer, dict[str, Any], dict[str, Any]]:
    (a_id, _, a_key), (b_id, _, b_key) = setup.fixture.users
    room = setup.fixture.rooms[0]
    one, two = setup.servers
    a = await open_peer(one, room, a_key)
    b = await open_peer(two, room, b_key)
    try:
        await a.ws.send(json.dumps({"type": "send", "body": "hello from A", "client_id": "a-1"}))
        ack = await a.expect("ack", "a-1")
        at_b = await b.expect("message", "a-1")
        assert at_b["id"] == ack["id"]
        assert at_b["body"] == "hello from A"
        assert at_b["sender_id"] == a_id
        assert at_b["room"] == room
        own = await a.expect("message", "a-1")  # the sender gets its own message too
        assert own["id"] == ack["id"]

        await b.ws.send(json.dumps({"type": "send", "body": "hi A, B here", "client_id": "b-1"}))
        ack_b = await b.expect("ack", "b-1")
        at_a = await a.expect("message", "b-1")
        assert at_a["id"] == ack_b["id"] > ack["id"]
        assert at_a["sender_id"] == b_id
        await b.expect("message", "b-1")
        await asyncio.gather(a.drain(0.5), b.drain(0.5))
    finally:
        await asyncio.gather(a.ws.close(), b.ws.close())
    return a, b, ack, ack_b


def test_a_message_crosses_server_processes_through_redis(two_servers: Servers) -> None:
    a, b, ack_a, ack_b = asyncio.run(conversation(two_servers))

    # Exactly once at each end, whichever process the sender was on.
    assert a.copies() == Counter({"a-1": 1, "b-1": 1})
    assert b.copies() == Counter({"a-1": 1, "b-1": 1})
    # Acknowledged means stored: both rows are in the database the processes share.
    with sqlite3.connect(two_servers.database) as conn:
        rows = conn.execute(
            "SELECT id, client_id, body FROM rooms_roommessage WHERE room_id = ? ORDER BY id",
            [two_servers.fixture.rooms[0]],
        ).fetchall()
    assert rows == [
        (ack_a["id"], "a-1", "hello from A"),
        (ack_b["id"], "b-1", "hi A, B here"),
    ]
