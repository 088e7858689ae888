"""Proof that each pass of the suite ran on the backends it claims.

`make test` runs the suite twice: on SQLite, then with DATABASE_URL/REDIS_URL pointing at
PostgreSQL and Redis and PEERPATH_EXPECT_BACKEND=postgresql. These tests fail if that second
pass silently fell back to SQLite or the in-memory channel layer.
"""

from __future__ import annotations

import os

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

EXPECTED = os.environ.get("PEERPATH_EXPECT_BACKEND", "sqlite")


@pytest.mark.django_db
def test_database_backend_is_the_expected_one():
    assert connection.vendor == EXPECTED
    with connection.cursor() as cursor:
        if EXPECTED == "postgresql":
            cursor.execute("SELECT version()")
            assert cursor.fetchone()[0].startswith("PostgreSQL")
        else:
            cursor.execute("SELECT sqlite_version()")
            assert cursor.fetchone()[0]


def test_channel_layer_round_trip():
    layer = get_channel_layer()
    expected = (
        "peerpath.core.channel_layer.ResilientRedisChannelLayer"
        if os.environ.get("REDIS_URL")
        else "peerpath.notifications.relay.RelayedInMemoryChannelLayer"
    )
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == expected
    if EXPECTED == "postgresql":
        assert os.environ.get("REDIS_URL"), "the services pass must also run on Redis"

    async def round_trip() -> object:
        channel = await layer.new_channel()
        await layer.group_add("backend-check", channel)
        await layer.group_send("backend-check", {"type": "check.message", "text": "hello"})
        message = await layer.receive(channel)
        await layer.group_discard("backend-check", channel)
        return message

    assert async_to_sync(round_trip)() == {"type": "check.message", "text": "hello"}
