"""Badge locks in words, the same words as ``/path/``: what is missing with the distance, a
badge or role needed with its own criteria, names as the person sees them."""

from __future__ import annotations

import pytest

from peerpath.activity.models import ActivityKind
from peerpath.progression.tests.helpers import add_events, make_person
from peerpath.rooms import locks
from peerpath.rooms.models import RoomBand
from peerpath.rooms.tests.helpers import make_room

pytestmark = pytest.mark.django_db


def test_lock_reasons_say_how_far_one_has_to_go() -> None:
    person = make_person(listener=True, days_ago=10)
    add_events(person, ActivityKind.GROUP_CHAT, 2)
    room = make_room(
        lock={"all": [{"held": "verified-listener"}, {"count": "group_chat", "min": 5}]}
    )
    either = make_room(
        lock={"any": [{"held": "room-supporter"}, {"tenure": "listener", "min_days": 14}]}
    )
    found = locks.locks_for(person, [room, either, make_room()])
    badge, chats = found[room.pk].reasons
    # issue 19: the badge needed says how far one is from it, not only its name
    assert badge.startswith("needs the Verified Listener badge (")
    assert " of " in badge
    assert chats == "2 of 5 group chats"
    assert found[either.pk].reasons == ("10 of 14 days as a listener",)
    assert found[room.pk].summary == f"{badge} · 2 of 5 group chats"
    assert [lk.open for lk in found.values()] == [False, False, True]


def test_teens_read_the_teen_names_of_roles() -> None:
    # issue 19: the Teen Stars' Room "needs the Group Support Mentor role" for teens
    teen = make_person(teen=True, listener=True, days_ago=10)
    adult = make_person(listener=True, days_ago=10)
    teen_room = make_room(band=RoomBand.TEEN, lock={"held": "group-support-mentor"})
    adult_room = make_room(lock={"held": "group-support-mentor"})
    (teen_reason,) = locks.locks_for(teen, [teen_room])[teen_room.pk].reasons
    (adult_reason,) = locks.locks_for(adult, [adult_room])[adult_room.pk].reasons
    assert teen_reason.startswith("needs the Teen Star role")
    assert "Group Support Mentor" not in teen_reason
    assert adult_reason.startswith("needs the Group Support Mentor role")
