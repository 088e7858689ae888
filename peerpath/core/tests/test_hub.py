"""The process hub's pieces that the Redis fault test (``tests/test_redis_faults.py``) relies
on, in one process: the id read from a frame without parsing it, and an outage noted by every
local socket before the broadcast that failed to cross processes is delivered locally."""

from __future__ import annotations

import asyncio

from django.test import override_settings

from peerpath.core import hub as core_hub
from peerpath.core.hub import Envelope, Hub, message_id_of
from tests.rooms_servers import free_port


def test_the_id_of_a_message_frame_is_read_without_parsing():
    assert message_id_of('{"type":"message","id":42,"body":"x"}') == 42
    assert message_id_of('{"type":"read","up_to":42}') == 0
    assert message_id_of('{"type":"message","id":"42"}') == 0
    assert message_id_of('{"type": "message", "id": 42}') == 0  # not ours: not compact


class Sock:
    user_id = 7
    hidden: frozenset[int] = frozenset()
    is_moderator = False

    def __init__(self) -> None:
        self.events: list[str] = []

    async def deliver(self, text: str) -> None:
        self.events.append(f"deliver {text}")

    async def control(self, text: str) -> None:
        self.events.append(f"control {text}")

    def degraded(self) -> None:
        self.events.append("degraded")

    async def recovered(self) -> None:
        self.events.append("recovered")


def test_a_failed_publish_is_delivered_here_after_the_outage_is_noted():
    """Redis refuses (a port nobody listens on): the broadcast still reaches this process's
    sockets, each of which first noted the outage (to catch up later)."""
    dead = f"redis://127.0.0.1:{free_port()}/0"

    async def scenario() -> tuple[list[str], bool]:
        hub = Hub("test")
        sock = Sock()
        await hub.attach(5, sock)
        await asyncio.to_thread(hub.publish, Envelope(5, 0, 0, "all", '{"type":"message","id":1}'))
        for _ in range(50):
            if any(e.startswith("deliver") for e in sock.events):
                break
            await asyncio.sleep(0.02)
        return sock.events, hub.down

    core_hub._client = None  # a publisher for the dead address
    try:
        with override_settings(REDIS_URL=dead):
            events, down = asyncio.run(scenario())
    finally:
        core_hub._client = None
    assert down is True
    assert events[:2] == ["degraded", 'deliver {"type":"message","id":1}']
