"""A notification sent by another process reaches a bell socket held by the server process.

This is what ``make demo`` does all day: the Huey worker is its own process, and under the
embedded default (no ``REDIS_URL``) the channel layer lives in the server's memory, so a
worker's push used to vanish (the bell changed only after a reload). Here a real
``uvicorn config.asgi:application`` process (lifespan on, as ``make demo``/``make serve`` run
it) holds the socket, and a real second process (``manage.py shell``, configured like the
worker) calls ``notifications.services.notify``; the socket must receive the new count with
the notification's title. The same test runs with Redis between the processes when
``REDIS_URL`` is set (the services pass), to show both paths behave alike.

Processes share a file SQLite database of their own under ``tmp_path`` (pytest-django's test
database is invisible to other processes); the test process never configures Django for it.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from tests.rooms_servers import (
    ROOT,
    Fixture,
    Server,
    django_env,
    prepare_database,
    redis_reachable,
    running,
    start_uvicorn,
)

FRAME_TIMEOUT = 10.0  # a bound on waiting, not a measurement: the relay polls every second
SEND_TIMEOUT = 120.0
REDIS_URL = os.environ.get("REDIS_URL", "")


@dataclass(frozen=True)
class Setup:
    server: Server
    fixture: Fixture
    env: dict[str, str]
    database: Path


@pytest.fixture(scope="module", params=["embedded", "redis"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Setup]:
    mode: str = request.param
    if mode == "redis":
        if not REDIS_URL:
            pytest.skip("REDIS_URL is not set: the Redis variant runs in the services pass")
        problem = redis_reachable(REDIS_URL)
        if problem is not None:
            pytest.skip(f"Redis at {REDIS_URL} does not answer ({problem})")
    workdir = tmp_path_factory.mktemp(f"bell-{mode}")
    database = workdir / "bell.sqlite3"
    url = f"sqlite:///{database}"
    secret = secrets.token_urlsafe(48)
    fixture = prepare_database(
        env=django_env(database_url=url, secret_key=secret), users=1, rooms=0, workdir=workdir
    )
    env = django_env(
        database_url=url, secret_key=secret, redis_url=REDIS_URL if mode == "redis" else None
    )
    server = start_uvicorn(env, log_dir=workdir, name=f"bell-{mode}")
    with running(server):
        yield Setup(server, fixture, env, database)
        server.check_alive()


def send_from_another_process(env: dict[str, str], user_id: int, title: str) -> None:
    """What a Huey job does, in a process of its own: ``notify`` commits, then pushes."""
    code = (
        "from peerpath.notifications import services; "
        f"services.notify([{user_id}], 'mentorship', {title!r}, 'Sent by another process.', "
        "url='/mentors/')"
    )
    proc = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SEND_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


async def next_frame(ws: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(FRAME_TIMEOUT):
        frame: dict[str, Any] = json.loads(await ws.recv())
    return frame


async def bell_hears_the_other_process(setup: Setup, title: str) -> list[dict[str, Any]]:
    user_id, _, session_key = setup.fixture.users[0]
    async with connect(
        setup.server.ws_url("/ws/notifications/"),
        origin=Origin(setup.server.origin),
        additional_headers={"Cookie": f"sessionid={session_key}"},
        proxy=None,
        open_timeout=FRAME_TIMEOUT,
    ) as ws:
        first = await next_frame(ws)
        # The sender is a blocking subprocess: run it off the loop so frames keep flowing.
        await asyncio.to_thread(send_from_another_process, setup.env, user_id, title)
        return [first, await next_frame(ws)]


def test_a_notification_from_another_process_reaches_the_open_bell(served: Setup) -> None:
    first, pushed = asyncio.run(bell_hears_the_other_process(served, "Your mentor accepted"))

    assert first == {"type": "unread", "count": 0}
    assert pushed["type"] == "unread"
    assert pushed["count"] == 1
    assert pushed["latest"]["title"] == "Your mentor accepted"
    assert pushed["latest"]["url"] == "/mentors/"
    # The count came from the row the other process committed.
    with sqlite3.connect(served.database) as conn:
        rows = conn.execute(
            "SELECT id, title FROM notifications_notification WHERE recipient_id = ?",
            [served.fixture.users[0][0]],
        ).fetchall()
    assert rows == [(pushed["latest"]["id"], "Your mentor accepted")]
