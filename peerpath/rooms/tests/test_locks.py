"""Badge locks in words, the same words as ``/path/``."""

from __future__ import annotations

import pytest

from peerpath.activity.models import ActivityKind
from peerpath.progression.tests.helpers import add_events, make_person
from peerpath.rooms import locks
from peerpath.rooms.tests.helpers import make_room

pytestmark = pytest.mark.django_db


def test_lock_reasons_read_like_the_path() -> None:
    person = make_person(listener=True, days_ago=10)
    add_events(person, ActivityKind.GROUP_CHAT, 2)
    room = make_room(
        lock={"all": [{"held": "verified-listener"}, {"count": "group_chat", "min": 5}]}
    )
    either = make_room(
        lock={"any": [{"held": "room-supporter"}, {"tenure": "listener", "min_days": 14}]}
    )
    found = locks.locks_for(person, [room, either, make_room()])
    assert found[room.pk].reasons == ("needs the Verified Listener badge", "3 more group chats")
    assert found[either.pk].reasons == ("4 more days as a listener",)
    assert found[room.pk].summary == "needs the Verified Listener badge · 3 more group chats"
    assert [lk.open for lk in found.values()] == [False, False, True]
