from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.feedback import policies
from peerpath.feedback.policies import Context
from peerpath.mentorship.tests.factories import make_listener, make_mentor

pytestmark = pytest.mark.django_db

NOW = timezone.now()
CTX = Context("mentorship", 1, "Mentorship chat", NOW)


def decide(author, listener, *, context=CTX, last=None):
    return policies.can_give_feedback(
        author, listener, context=context, last_given_at=last, window_hours=48, now=NOW
    )


def test_an_eligible_author_may_give_feedback():
    assert decide(make_listener(), make_mentor())


def test_nobody_rates_themselves():
    me = make_mentor()
    decision = decide(me, me)
    assert not decision
    assert decision.reason == policies.SELF


def test_never_chatted_is_refused_with_the_reason():
    decision = decide(make_listener(), make_mentor(), context=None)
    assert not decision
    assert decision.reason == policies.NEVER_CHATTED


def test_the_other_band_looks_like_a_missing_person():
    decision = decide(make_listener(teen=True), make_mentor())
    assert not decision
    assert decision.reason == policies.NOT_FOUND
    assert decide(make_listener(), make_mentor(teen=True)).reason == policies.NOT_FOUND


def test_a_suspended_account_is_refused():
    author = make_listener()
    author.suspended_until = NOW + dt.timedelta(days=3)
    decision = decide(author, make_mentor())
    assert not decision
    assert "suspended" in decision.reason


def test_the_window_allows_one_feedback_per_48_hours():
    author, listener = make_listener(), make_mentor()
    assert not decide(author, listener, last=NOW - dt.timedelta(hours=47))
    assert decide(author, listener, last=NOW - dt.timedelta(hours=48))


def test_k_anonymity_threshold():
    assert not policies.shows_aggregate(4, 5)
    assert policies.shows_aggregate(5, 5)


def test_only_the_current_mentor_coaches():
    mentor, mentee, other = make_mentor(), make_listener(), make_mentor()
    assert policies.can_coach(mentor, mentee, mentor.pk)
    assert policies.can_coach(other, mentee, mentor.pk).reason == policies.NOT_FOUND
    assert not policies.can_coach(mentor, mentee, None)


def test_only_staff_moderate(world):
    assert policies.can_moderate(world.staff)
    assert not policies.can_moderate(world.moderator)
