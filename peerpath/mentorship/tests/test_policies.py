"""Policy tests: teen/adult by party/non-party by role, on real users."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.accounts import services as account_services
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.mentorship import policies
from peerpath.mentorship.models import EndReason, MentorshipStatus
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship

pytestmark = pytest.mark.django_db


def facts(**overrides):
    base = {
        "capacity": 2,
        "load": 0,
        "blocked": False,
        "open_request_to_mentor": False,
        "open_requests": 0,
        "max_open_requests": 3,
        "has_current_mentorship": False,
    }
    return policies.RequestFacts(**(base | overrides))


@pytest.mark.parametrize(
    ("viewer_teen", "mentor_teen", "allowed"),
    [
        (True, True, True),
        (False, False, True),
        (True, False, False),
        (False, True, False),
    ],
)
def test_mentors_are_seen_only_within_the_age_band(viewer_teen, mentor_teen, allowed):
    viewer = make_listener(teen=viewer_teen)
    mentor = make_mentor(teen=mentor_teen)
    decision = policies.can_see_mentor(viewer, mentor)
    assert bool(decision) is allowed
    if not allowed:
        assert decision.reason == policies.NOT_FOUND  # identical to a missing mentor


def test_staff_see_every_mentor_and_nobody_sees_a_non_mentor():
    staff = UserFactory.create(roles=[Role.STAFF])
    assert policies.can_see_mentor(staff, make_mentor(teen=True))
    plain = make_listener()
    assert not policies.can_see_mentor(make_listener(), plain)


@pytest.mark.parametrize(("mentee_teen", "mentor_teen"), [(True, True), (False, False)])
def test_requests_within_the_band_are_allowed(mentee_teen, mentor_teen):
    mentee, mentor = make_listener(teen=mentee_teen), make_mentor(teen=mentor_teen)
    assert policies.can_request_mentor(mentee, mentor, facts())


@pytest.mark.parametrize(("mentee_teen", "mentor_teen"), [(True, False), (False, True)])
def test_requests_across_bands_look_like_a_missing_mentor(mentee_teen, mentor_teen):
    mentee, mentor = make_listener(teen=mentee_teen), make_mentor(teen=mentor_teen)
    decision = policies.can_request_mentor(mentee, mentor, facts())
    assert decision.reason == policies.NOT_FOUND


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"capacity": 0}, "paused"),
        ({"load": 2}, "full"),
        ({"blocked": True}, policies.NOT_FOUND),
        ({"open_request_to_mentor": True}, "already have a request"),
        ({"open_requests": 3}, "limit is 3"),
        ({"has_current_mentorship": True}, "already have a mentor"),
    ],
)
def test_request_refusals_say_why(override, reason):
    decision = policies.can_request_mentor(make_listener(), make_mentor(), facts(**override))
    assert not decision
    assert reason in decision.reason


def test_members_and_suspended_listeners_cannot_be_mentored():
    assert "for listeners" in policies.may_be_mentored(UserFactory.create()).reason
    listener = make_listener()
    account_services.suspend_user(
        actor=UserFactory.create(roles=[Role.STAFF]),
        user=listener,
        until=timezone.now() + dt.timedelta(days=1),
        reason="x",
    )
    assert "suspended" in policies.may_be_mentored(listener).reason


@pytest.mark.parametrize("teen", [True, False])
def test_chat_is_for_the_two_parties_of_an_active_mentorship(teen):
    mentor, mentee = make_mentor(teen=teen), make_listener(teen=teen)
    m = make_mentorship(mentor, mentee)
    assert policies.can_chat(mentor, m)
    assert policies.can_chat(mentee, m)
    outsider_same_band = make_listener(teen=teen)
    outsider_other_band = make_listener(teen=not teen)
    staff = UserFactory.create(roles=[Role.STAFF])
    for outsider in (outsider_same_band, outsider_other_band, staff):
        assert not policies.can_chat(outsider, m)
        assert not policies.can_view_mentorship(outsider, m)


def test_chat_closes_when_ended_proposed_or_across_bands():
    mentor, mentee = make_mentor(), make_listener()
    proposed = make_mentorship(mentor, mentee, status=MentorshipStatus.PROPOSED)
    assert "not active" in policies.can_chat(mentee, proposed).reason
    proposed.status = MentorshipStatus.ENDED
    assert "not active" in policies.can_chat(mentee, proposed).reason
    # a pair written across bands (e.g. a birthday passed): refused by the band check
    crossed = make_mentorship(make_mentor(), make_listener(teen=True))
    assert "Teens and adults" in policies.can_chat(crossed.mentee, crossed).reason


def test_only_mentors_can_choose_no_rematch_and_system_reasons_are_not_choosable():
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    assert policies.can_end(mentor, m, EndReason.MENTOR_NO_REMATCH)
    assert not policies.can_end(mentee, m, EndReason.MENTOR_NO_REMATCH)
    assert policies.can_end(mentee, m, EndReason.REMATCH)
    for reason in (EndReason.STAFF, EndReason.AGED_OUT, EndReason.DECLINED):
        assert not policies.can_end(mentor, m, reason)
    assert not policies.can_end(make_listener(), m, EndReason.COMPLETED)


def test_only_staff_run_matching():
    assert policies.can_run_matching(UserFactory.create(roles=[Role.STAFF]))
    assert not policies.can_run_matching(make_mentor())
    assert not policies.can_run_matching(make_listener())
