"""The embedded live relay (``notifications.relay``) piece by piece, in one process playing
both parts: a process without sockets writes rows, the server's poller delivers them to the
in-memory layer. The cross-process proof is ``tests/test_notifications_multiprocess.py``
(real server and sender processes) and the bell's browser test.

The relay layer is set explicitly, so these run on PostgreSQL + Redis too (the relay is
what any deployment without ``REDIS_URL`` uses, whatever its database)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from channels.layers import get_channel_layer
from django.db import connections
from django.test import override_settings
from django.utils import timezone

from peerpath.core.hub import ALL, Envelope, Hub
from peerpath.notifications import realtime, relay
from peerpath.notifications.models import RelayedEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

RELAY_LAYER = {"default": {"BACKEND": "peerpath.notifications.relay.RelayedInMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def relay_layer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh relay layer and a process that has served no socket yet."""
    monkeypatch.setattr(relay, "_serving", False)
    monkeypatch.setattr(relay, "_poller", None)
    monkeypatch.setattr(relay, "_last_prune", 0.0)
    monkeypatch.setattr(relay, "_handlers", {})
    monkeypatch.setattr(relay, "_listener", (float("-inf"), False))
    # No Redis for the layer (channels resets its backends) nor for the hubs.
    with override_settings(CHANNEL_LAYERS=RELAY_LAYER, HUB_REDIS_RELAY=False):
        yield


@pytest_asyncio.fixture(autouse=True)
async def close_database_thread_connections() -> AsyncIterator[None]:
    yield
    await sync_to_async(connections.close_all)()


@pytest_asyncio.fixture
async def poller() -> AsyncIterator[relay.Poller]:
    """A server's poller, driven by hand (``poll_once``) instead of by its timer: its first
    poll says it is listening and reads where the table ends now."""
    p = relay.Poller()
    assert await p.poll_once() == 0
    yield p
    await p.stop()


async def listen(group: str) -> tuple[Any, str]:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)  # a socket joined: this process serves now
    return layer, channel


def events() -> Any:
    return RelayedEvent.objects.exclude(kind=relay.LISTENING).order_by("pk")


def count_rows() -> int:
    return int(events().count())


def stored_rows(*, with_pk: bool = False) -> list[tuple[Any, ...]]:
    fields = ("pk", "kind", "group", "payload") if with_pk else ("kind", "group", "payload")
    return list(events().values_list(*fields))


def poller_running() -> bool:
    return relay._poller is not None


async def test_a_push_from_a_process_without_sockets_reaches_the_server_socket(
    poller: relay.Poller,
) -> None:
    # The worker's part: no socket here, so the push becomes one row (not a lost group_send).
    assert relay.should_relay()
    await sync_to_async(realtime.push_unread)(
        {7: 3}, {7: {"id": 41, "title": "Hello", "url": "/n/", "category": "welcome"}}
    )
    assert await sync_to_async(count_rows)() == 1

    # The server's part: a bell socket of person 7, and the next poll.
    layer, channel = await listen(realtime.group_name(7))
    assert relay.serving()
    assert await poller.poll_once() == 1
    event = await layer.receive(channel)
    assert event["type"] == realtime.EVENT_TYPE
    assert event["frame"] == {
        "type": "unread",
        "count": 3,
        "latest": {"id": 41, "title": "Hello", "url": "/n/", "category": "welcome"},
    }
    assert poller.delivered == 1


async def test_any_group_send_without_sockets_is_relayed_and_delivered_once(
    poller: relay.Poller,
) -> None:
    layer = get_channel_layer()
    await layer.group_send("mentorship-5", {"type": "chat.closed", "reason": "Ended"})
    rows = await sync_to_async(stored_rows)()
    assert rows == [
        ("layer", "mentorship-5", json.dumps({"type": "chat.closed", "reason": "Ended"}))
    ]

    _, channel = await listen("mentorship-5")
    await poller.poll_once()
    await poller.poll_once()  # read again (the row is young): still delivered once
    assert await layer.receive(channel) == {"type": "chat.closed", "reason": "Ended"}
    assert poller.delivered == 1
    queue = layer.channels.get(channel)  # the in-memory layer drops a queue once it is empty
    assert queue is None or queue.qsize() == 0


async def test_a_process_with_sockets_delivers_locally_and_writes_nothing() -> None:
    layer, channel = await listen(realtime.group_name(8))
    assert not relay.should_relay()
    await sync_to_async(realtime.push_unread)({8: 2})
    assert (await layer.receive(channel))["frame"] == {"type": "unread", "count": 2}
    assert await sync_to_async(count_rows)() == 0


def _row(pk: int | None = None, *, age_s: float = 0.0, group: str = "g") -> RelayedEvent:
    """A row (an explicit ``pk`` plays a sequence handing ids out of commit order)."""
    return RelayedEvent.objects.create(
        pk=pk,
        created_at=timezone.now() - dt.timedelta(seconds=age_s),
        kind="test",
        group=group,
        payload=str(pk),
    )


async def test_a_row_committed_after_a_newer_one_is_still_delivered(
    poller: relay.Poller,
) -> None:
    """PostgreSQL hands out ids before commit: id 5 may commit after id 10 was read."""
    got: list[str] = []

    async def handler(group: str, payload: str) -> None:
        got.append(payload)

    relay.register("test", handler)
    base = poller.low or 0
    await sync_to_async(_row)(base + 10)
    await poller.poll_once()
    await sync_to_async(_row)(base + 5)  # the late commit
    await poller.poll_once()
    await poller.poll_once()
    assert got == [str(base + 10), str(base + 5)]
    assert poller.low == base  # both are younger than the grace period: nothing settled

    # Once they are old, the mark moves past them and forgets their ids.
    await sync_to_async(RelayedEvent.objects.update)(
        created_at=timezone.now() - dt.timedelta(seconds=relay.GRACE_SECONDS + 1)
    )
    await poller.poll_once()
    assert poller.low == base + 10
    assert poller.seen == set()
    assert got == [str(base + 10), str(base + 5)]


class HubSocket:
    """What a hub needs of a socket; keeps what it was sent."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.hidden: frozenset[int] = frozenset()
        self.is_moderator = False
        self.got: list[str] = []

    async def deliver(self, text: str) -> None:
        self.got.append(text)

    async def control(self, text: str) -> None:
        self.got.append(text)

    def degraded(self) -> None:
        pass

    async def recovered(self) -> None:
        pass


async def test_a_hub_publish_from_a_process_without_sockets_reaches_the_server_sockets(
    poller: relay.Poller,
) -> None:
    """Rooms and mentorships ride hubs: a job's room-state broadcast reaches the room."""
    hub = Hub("relaytest")
    env = Envelope(3, 0, 0, ALL, '{"type":"room","paused":true}')
    await sync_to_async(hub.publish)(env)  # the worker: no sockets here
    assert await sync_to_async(stored_rows)() == [("hub:relaytest", "", env.encode())]

    sock = HubSocket(user_id=11)
    await hub.attach(3, sock)
    assert await poller.poll_once() == 1
    assert sock.got == ['{"type":"room","paused":true}']


async def test_a_failing_handler_does_not_stop_the_others(poller: relay.Poller) -> None:
    got: list[str] = []

    async def broken(group: str, payload: str) -> None:
        raise RuntimeError("boom")

    async def fine(group: str, payload: str) -> None:
        got.append(payload)

    relay.register("broken", broken)
    relay.register("test", fine)
    await sync_to_async(relay.store)("broken", [("g", "x")])
    await sync_to_async(relay.store)("test", [("g", "y")])
    assert await poller.poll_once() == 2
    assert got == ["y"]


async def test_rows_older_than_a_minute_are_pruned(poller: relay.Poller) -> None:
    old = await sync_to_async(_row)(age_s=relay.KEEP_SECONDS + 5)
    young = await sync_to_async(_row)(age_s=1)
    assert await sync_to_async(relay.store)("test", [("g", "new")]) == 1
    left = {pk for pk, *_ in await sync_to_async(stored_rows)(with_pk=True)}
    assert old.pk not in left
    assert young.pk in left
    assert len(left) == 2


async def test_nothing_is_written_while_no_server_listens() -> None:
    """A seed, a benchmark or a command run with no server up: no rows for nobody."""
    assert relay.should_relay()
    await sync_to_async(realtime.push_unread)({7: 1})
    assert await sync_to_async(relay.store)("test", [("g", "x")]) == 0
    assert await sync_to_async(count_rows)() == 0


async def test_a_stopped_server_stops_listening() -> None:
    p = relay.Poller()
    await p.poll_once()
    assert await sync_to_async(relay.listener_alive)()
    await p.stop()
    relay._listener = (float("-inf"), True)  # look again now
    assert not await sync_to_async(relay.listener_alive)()


async def test_a_message_that_is_not_json_is_dropped_not_raised(poller: relay.Poller) -> None:
    stored = await sync_to_async(relay.store_group_messages)(
        [("g", {"type": "x", "blob": object()}), ("g", {"type": "y"})]
    )
    assert stored == 1


async def test_the_asgi_lifespan_starts_and_stops_the_poller() -> None:
    from config.asgi import application

    app = ApplicationCommunicator(application, {"type": "lifespan", "asgi": {"version": "3.0"}})
    await app.send_input({"type": "lifespan.startup"})
    assert await app.receive_output(5) == {"type": "lifespan.startup.complete"}
    assert relay.serving()
    assert poller_running()
    await app.send_input({"type": "lifespan.shutdown"})
    assert await app.receive_output(5) == {"type": "lifespan.shutdown.complete"}
    assert not poller_running()
    await app.wait(5)


@override_settings(CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}})
async def test_with_another_layer_the_relay_stays_out_of_the_way() -> None:
    """Another layer (Redis) crosses processes itself: nothing is written or polled."""
    assert not relay.should_relay()
    await relay.startup()
    assert not poller_running()
    await sync_to_async(realtime.push_unread)({9: 1})
    assert await sync_to_async(count_rows)() == 0
