"""``selectors.awards.lock_progress`` (what a badge lock is missing, with the distance) and
the one display-name rule (teens see teen names)."""

from __future__ import annotations

import pytest

from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityKind
from peerpath.progression import ladder, rules
from peerpath.progression.selectors.awards import display_name, lock_progress
from peerpath.progression.tests.helpers import achievement, events, grant, listener

pytestmark = pytest.mark.django_db


def _parse(raw: object) -> rules.Criterion:
    return rules.parse(raw, ladder.read_ladder().vocab)


def test_a_badge_lock_says_how_far_the_badge_is() -> None:
    lee = listener("lee-lock")
    events(lee, ActivityKind.ONE_TO_ONE_CHAT, 2)
    lock = _parse({"held": "verified-listener"})
    progress = lock_progress(lee, {"room": lock})["room"]
    assert not progress.met
    assert progress.missing == (
        "needs the Verified Listener badge (2 of 3 one-to-one chats; 0 of 1 positive review)",
    )
    # a count lock gives the distance itself
    chats = _parse({"count": "group_chat", "min": 20})
    events(lee, ActivityKind.GROUP_CHAT, 12)
    assert lock_progress(lee, {1: chats})[1].missing == ("12 of 20 group chats",)


def test_a_teen_is_told_the_teen_name_and_a_holder_passes() -> None:
    tia = listener("tia-teen", teen=True)
    lock = _parse({"held": "group-support-mentor"})
    missing = lock_progress(tia, {"stars": lock})["stars"].missing
    assert missing[0].startswith("needs the Teen Star role (")
    assert "Group Support Mentor" not in missing[0]
    assert display_name(achievement("group-support-mentor"), tia) == "Teen Star"
    adult = UserFactory.create()
    assert display_name(achievement("group-support-mentor"), adult) == "Group Support Mentor"
    grant(tia, "group-support-mentor")
    held = lock_progress(tia, {"stars": lock})["stars"]
    assert held.met
    assert held.missing == ()
