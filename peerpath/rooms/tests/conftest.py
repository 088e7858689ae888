"""Fixtures of the rooms page tests (``test_views_*``: they use ``only_our_rooms``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from peerpath.accounts.models import User
from peerpath.rooms.models import Room
from peerpath.rooms.tests.pages import make_room


@pytest.fixture
def only_our_rooms() -> None:
    """Rooms seeded from the catalogue on migrate are set aside: each test makes its own."""
    Room.objects.update(is_active=False)


@pytest.fixture
def login() -> Callable[[User], Client]:
    def _login(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return _login


@pytest.fixture
def rooms() -> dict[str, Room]:
    return {
        "adult": make_room("evening-room", name="Evening room"),
        "teen": make_room("teen-lounge", band="teen", name="Teen lounge"),
    }
