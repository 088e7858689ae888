from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from peerpath.accounts import policies, services
from peerpath.accounts.tests.factories import UserFactory, years_ago

pytestmark = pytest.mark.django_db


def test_same_age_band(world):
    assert policies.same_age_band(world.teen_member, world.teen_listener)
    assert policies.same_age_band(world.adult_member, world.mentor)
    assert not policies.same_age_band(world.teen_member, world.adult_member)
    assert not policies.same_age_band(world.teen_listener, world.staff)


def test_private_contact_never_crosses_age_bands_whatever_the_role(world):
    for adult in [world.adult_member, world.mentor, world.moderator, world.ambassador, world.staff]:
        decision = policies.can_contact_privately(adult, world.teen_listener)
        assert not decision
        assert decision.reason == "Teens and adults cannot talk privately on peerpath."
        assert not policies.can_contact_privately(world.teen_member, adult)


def test_private_contact_within_band(world):
    assert policies.can_contact_privately(world.teen_member, world.teen_listener)
    assert policies.can_contact_privately(world.adult_listener, world.mentor)


def test_private_contact_refusals(world):
    assert not policies.can_contact_privately(world.adult_member, world.adult_member)
    assert not policies.can_contact_privately(world.adult_member, world.suspended)
    assert not policies.can_contact_privately(AnonymousUser(), world.adult_member)
    world.adult_peer.is_active = False
    assert not policies.can_contact_privately(world.adult_member, world.adult_peer)


def test_teen_becomes_adult_on_18th_birthday_without_anyone_acting(db):
    # Two days short of 18 (by the UTC date; the user lives in London, at most a day apart).
    teen = UserFactory.create(username="almost18", date_of_birth=years_ago(18, days=-2))
    adult = UserFactory.create(username="grownup")
    now = timezone.now()
    assert not policies.same_age_band(teen, adult, at=now)
    assert policies.same_age_band(teen, adult, at=teen.adult_from)
    later = now + dt.timedelta(days=3)
    assert policies.same_age_band(teen, adult, at=later)
    assert policies.can_contact_privately(teen, adult, at=later)


def test_profile_visibility(world):
    assert policies.can_view_profile(world.teen_member, world.teen_member)
    assert policies.can_view_profile(world.teen_member, world.teen_peer)
    assert not policies.can_view_profile(world.teen_member, world.adult_peer)
    assert not policies.can_view_profile(world.adult_member, world.teen_peer)
    assert not policies.can_view_profile(world.mentor, world.teen_peer)
    assert policies.can_view_profile(world.staff, world.teen_peer)
    assert not policies.can_view_profile(AnonymousUser(), world.adult_peer)
    assert not policies.can_view_profile(world.suspended, world.adult_peer)


def test_profile_editing_is_own_only(world):
    assert policies.can_edit_profile(world.adult_member, world.adult_member)
    assert not policies.can_edit_profile(world.adult_member, world.adult_peer)
    assert not policies.can_edit_profile(world.staff, world.adult_peer)


def test_roles(world):
    assert policies.is_staff_member(world.staff)
    assert not policies.is_staff_member(world.moderator)
    assert policies.is_ambassador(world.ambassador)
    assert not policies.is_ambassador(world.staff)
    assert not policies.is_staff_member(AnonymousUser())


def test_suspension_gate(world):
    decision = policies.can_use_community(world.suspended)
    assert not decision
    assert "suspended until" in decision.reason
    assert "Repeated rudeness" in decision.reason
    assert policies.can_use_community(world.adult_member)
    assert not policies.is_suspended(world.suspended, at=timezone.now() + dt.timedelta(days=4))


@pytest.mark.parametrize(
    ("name", "debug", "reserved"),
    [
        ("admin", True, True),
        ("Staff", True, True),
        ("  ROOT ", True, True),
        ("demo-member", True, False),
        ("demo-member", False, True),
        ("demo-anything", False, True),
        ("quiet-river", False, False),
    ],
)
def test_reserved_usernames(name, debug, reserved):
    assert policies.is_reserved_username(name, debug=debug) is reserved


def test_only_the_person_who_blocked_may_unblock():
    ana, ben, cai = UserFactory.create(), UserFactory.create(), UserFactory.create()
    block = services.block_user(blocker=ana, blocked=ben)
    assert policies.can_unblock(ana, block)
    assert not policies.can_unblock(ben, block)  # the blocked person: no such block
    assert not policies.can_unblock(cai, block)
    assert not policies.can_unblock(AnonymousUser(), block)
