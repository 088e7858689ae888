"""Room policies as pure functions: age band, account type, badges, sanctions and roles."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from peerpath.rooms import policies
from peerpath.rooms.models import (
    Room,
    RoomAudience,
    RoomBand,
    RoomCategory,
    RoomSession,
    Sanction,
)
from peerpath.rooms.policies import OPEN, Lock, Standing, Viewer

NOW = timezone.now()
LOCKED = Lock(False, ("needs the Verified Listener badge", "0 of 3 group chats"))


def room(**kw: Any) -> Room:
    base: dict[str, Any] = {
        "pk": 7,
        "slug": "r",
        "name": "R",
        "category": RoomCategory.MEMBER_SUPPORT,
        "community_id": 3,
        "band": RoomBand.ADULT,
        "audience": RoomAudience.EVERYONE,
        "is_active": True,
    }
    base.update(kw)
    return Room(**base)


def person(**kw: Any) -> Viewer:
    base: dict[str, Any] = {"user_id": 1, "band": "adult", "account_type": "member"}
    base.update(kw)
    return Viewer(**base)


BANDS = ["teen", "adult"]


@pytest.mark.parametrize("viewer_band", BANDS)
@pytest.mark.parametrize("room_band", BANDS)
@pytest.mark.parametrize("account", ["member", "listener"])
def test_rooms_of_the_other_band_are_never_seen_or_entered(
    viewer_band: str, room_band: str, account: str
) -> None:
    v = person(band=viewer_band, account_type=account, held=frozenset({"room-supporter"}))
    r = room(band=room_band)
    same = viewer_band == room_band
    assert bool(policies.can_see_room(v, r)) is same
    assert bool(policies.can_enter(v, r, OPEN, Standing(), NOW)) is same
    assert bool(policies.can_post(v, r, OPEN, Standing(), NOW)) is same
    if not same:
        # Indistinguishable from a missing room.
        assert policies.can_see_room(v, r).reason == "No such room."


def test_global_moderators_stay_in_their_band_and_staff_cross() -> None:
    teen_room = room(band=RoomBand.TEEN)
    adult_mod = person(is_global_moderator=True)
    staff = person(is_staff=True)
    assert not policies.can_see_room(adult_mod, teen_room)
    assert not policies.is_moderator(adult_mod, teen_room)
    assert policies.can_see_room(staff, teen_room)
    assert policies.is_moderator(staff, teen_room)
    teen_mod = person(band="teen", is_global_moderator=True)
    assert policies.is_moderator(teen_mod, teen_room)


def test_nobody_without_a_band_sees_anything() -> None:
    assert not policies.can_see_room(person(band=None), room())


@pytest.mark.parametrize(
    ("audience", "account", "held", "allowed"),
    [
        (RoomAudience.EVERYONE, "member", frozenset(), True),
        (RoomAudience.EVERYONE, "listener", frozenset(), True),
        (RoomAudience.LISTENERS, "member", frozenset(), False),
        (RoomAudience.LISTENERS, "listener", frozenset(), True),
        (RoomAudience.MEMBERS, "member", frozenset(), True),
        (RoomAudience.MEMBERS, "listener", frozenset(), False),
        (RoomAudience.MEMBERS, "listener", frozenset({"room-supporter"}), True),
        (RoomAudience.MEMBERS, "listener", frozenset({"verified-listener"}), False),
    ],
)
def test_audience(audience: str, account: str, held: frozenset[str], allowed: bool) -> None:
    v = person(account_type=account, held=held)
    assert bool(policies.can_enter(v, room(audience=audience), OPEN, Standing(), NOW)) is allowed


def test_a_badge_lock_refuses_with_what_unlocks_it_and_moderators_pass() -> None:
    decision = policies.can_enter(person(), room(), LOCKED, Standing(), NOW)
    assert not decision
    assert "needs the Verified Listener badge · 0 of 3 group chats" in decision.reason
    mod = person(is_global_moderator=True)
    assert policies.can_enter(mod, room(), LOCKED, Standing(), NOW)


def test_bans_and_kicks_keep_people_out_until_they_end() -> None:
    banned = Standing(banned="spam", banned_until=NOW + dt.timedelta(days=1))
    refused = policies.can_enter(person(), room(), OPEN, banned, NOW)
    assert not refused
    assert "banned" in refused.reason
    assert "spam" in refused.reason
    kicked = Standing(kicked_until=NOW + dt.timedelta(minutes=5))
    assert not policies.can_enter(person(), room(), OPEN, kicked, NOW)
    assert policies.can_enter(person(), room(), OPEN, kicked, NOW + dt.timedelta(minutes=6))


def test_muted_people_read_but_cannot_post() -> None:
    muted = Standing(muted_until=NOW + dt.timedelta(minutes=10), mute_reason="heated")
    assert policies.can_enter(person(), room(), OPEN, muted, NOW)
    refused = policies.can_post(person(), room(), OPEN, muted, NOW)
    assert not refused
    assert "muted" in refused.reason
    assert policies.can_post(person(), room(), OPEN, muted, NOW + dt.timedelta(minutes=11))


def test_a_suspended_person_cannot_enter() -> None:
    v = person(suspended="Your account is suspended until tomorrow.")
    assert policies.can_enter(v, room(), OPEN, Standing(), NOW).reason.startswith("Your account")


def test_a_paused_room_is_read_only_except_for_moderators() -> None:
    paused = room(locked_at=NOW, locked_reason="cooling down")
    refused = policies.can_post(person(), paused, OPEN, Standing(), NOW)
    assert not refused
    assert "cooling down" in refused.reason
    assert policies.can_post(person(is_global_moderator=True), paused, OPEN, Standing(), NOW)


def test_host_required_rooms_open_only_with_a_host_present() -> None:
    circle = room(category=RoomCategory.SHARING_CIRCLE, host_required=True)
    assert not policies.can_post(person(), circle, OPEN, Standing(), NOW)
    assert policies.can_post(person(), circle, OPEN, Standing(host_present=True), NOW)
    host = person(held=frozenset({"sharing-circle-host"}))
    assert policies.is_host(host, circle)
    assert policies.can_post(host, circle, OPEN, Standing(), NOW)


def test_pop_up_rooms_close_outside_their_window() -> None:
    popup = room(
        category=RoomCategory.POP_UP,
        opens_at=NOW + dt.timedelta(hours=1),
        closes_at=NOW + dt.timedelta(hours=2),
    )
    assert not policies.can_post(person(), popup, OPEN, Standing(), NOW)
    assert policies.can_post(person(), popup, OPEN, Standing(), NOW + dt.timedelta(minutes=90))


def test_who_may_warn_and_sanction() -> None:
    r = room()
    target = person(user_id=2)
    supporter = person(held=frozenset({"room-supporter"}))
    community_mod = person(moderates_communities=frozenset({3}))
    other_mod = person(moderates_communities=frozenset({4}))
    assert policies.can_warn(supporter, r, target)
    assert not policies.can_sanction(supporter, r, target)
    assert policies.can_sanction(community_mod, r, target)
    assert not policies.can_sanction(other_mod, r, target)
    assert not policies.can_warn(person(), r, target)
    # Nobody moderates themselves, staff are not sanctioned, mods only by staff.
    assert not policies.can_sanction(community_mod, r, person(user_id=1))
    assert not policies.can_sanction(community_mod, r, person(user_id=2, is_staff=True))
    assert not policies.can_sanction(community_mod, r, person(user_id=2, is_global_moderator=True))
    assert policies.can_sanction(
        person(is_staff=True), r, person(user_id=2, is_global_moderator=True)
    )
    # Without a target: may this person warn anyone here (the room page's control)?
    assert policies.can_warn(supporter, r)
    assert policies.can_warn(community_mod, r)
    assert not policies.can_warn(other_mod, r)
    assert not policies.can_warn(person(), r)


def test_who_may_lift_a_sanction() -> None:
    r = room()
    in_room = Sanction(room=r, community_id=3, user_id=2)
    in_community = Sanction(room=None, community_id=3, user_id=2)
    everywhere = Sanction(room=None, community_id=None, user_id=2)
    room_mod = person(moderates_rooms=frozenset({7}))
    community_mod = person(moderates_communities=frozenset({3}))
    global_mod = person(is_global_moderator=True)
    staff = person(is_staff=True)
    assert policies.can_lift(room_mod, in_room)
    assert policies.can_lift(community_mod, in_community)
    assert policies.can_lift(global_mod, in_community)
    assert policies.can_lift(staff, everywhere)
    # Anyone else: the sanction does not exist for them.
    assert policies.can_lift(room_mod, in_community).reason == policies.NO_SUCH_SANCTION
    assert policies.can_lift(person(), in_room).reason == policies.NO_SUCH_SANCTION
    assert policies.can_lift(global_mod, everywhere).reason == policies.NO_SUCH_SANCTION
    # Nobody but staff lifts a sanction on themselves.
    on_self = Sanction(room=r, community_id=3, user_id=1)
    assert policies.can_lift(room_mod, on_self).reason == "You cannot lift a sanction on yourself."
    assert policies.can_lift(staff, on_self)


def test_reports_and_sessions() -> None:
    r = room()
    assert policies.can_report(person(), r, sender_id=2)
    assert not policies.can_report(person(), r, sender_id=1)
    assert not policies.can_report(person(band="teen"), r, sender_id=2)
    assert not policies.can_schedule(person(), r)
    assert policies.can_schedule(person(hosts_rooms=frozenset({7})), r)
    assert not policies.can_host_session(person(band="teen", hosts_rooms=frozenset({7})), r)
    assert policies.can_run_session(person(), r, host_id=1)
    assert not policies.can_run_session(person(), r, host_id=2)


def test_a_session_can_be_started_from_15_minutes_before_to_its_end() -> None:
    start = dt.datetime(2025, 3, 1, 18, 0, tzinfo=dt.UTC)
    s = RoomSession(starts_at=start, ends_at=start + dt.timedelta(hours=1))
    assert policies.session_opens_at(s) == start - dt.timedelta(minutes=15)
    assert not policies.can_start_session(s, start - dt.timedelta(minutes=16))
    assert "15 minutes before" in policies.can_start_session(s, start - dt.timedelta(days=2)).reason
    assert policies.can_start_session(s, start - dt.timedelta(minutes=15))
    assert policies.can_start_session(s, start + dt.timedelta(minutes=59))
    assert not policies.can_start_session(s, start + dt.timedelta(hours=1))
