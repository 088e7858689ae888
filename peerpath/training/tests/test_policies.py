from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.training import policies
from peerpath.training.models import Audience
from peerpath.training.policies import StepFacts
from peerpath.training.tests.factories import make_cohort, program

pytestmark = pytest.mark.django_db


def test_band_of_people_and_visitors() -> None:
    assert policies.band_of(UserFactory.create(teen=True)) == "teen"
    assert policies.band_of(UserFactory.create()) == "adult"
    from django.contrib.auth.models import AnonymousUser

    assert policies.band_of(AnonymousUser()) is None


def test_a_cohort_of_the_other_band_is_hidden_except_from_staff() -> None:
    teen_cohort = make_cohort(band="teen")
    adult = UserFactory.create(listener=True)
    teen = UserFactory.create(teen=True, listener=True)
    staff = UserFactory.create(roles=[Role.STAFF])
    assert not policies.can_see_cohort(adult, teen_cohort)
    assert policies.can_see_cohort(adult, teen_cohort).reason == policies.NO_SUCH_COHORT
    assert policies.can_see_cohort(teen, teen_cohort)
    assert policies.can_see_cohort(staff, teen_cohort)


def test_joining_only_open_cohorts_of_ones_band_once() -> None:
    now = timezone.now()
    adult = UserFactory.create(listener=True)
    cohort = make_cohort(band="adult")
    assert policies.can_join_cohort(adult, cohort, already_enrolled=False, at=now)
    assert not policies.can_join_cohort(adult, cohort, already_enrolled=True, at=now)
    teen_cohort = make_cohort(band="teen")
    assert (
        policies.can_join_cohort(adult, teen_cohort, already_enrolled=False, at=now).reason
        == policies.NO_SUCH_COHORT
    )
    later = make_cohort(band="adult", opens_at=now + dt.timedelta(days=2))
    assert "not open" in policies.can_join_cohort(adult, later, already_enrolled=False).reason
    closed = make_cohort(band="adult", closes_at=now - dt.timedelta(minutes=1))
    assert not policies.can_join_cohort(adult, closed, already_enrolled=False, at=now)


def test_program_audience_fits_band() -> None:
    prog = program()
    prog.audience = Audience.ADULTS
    assert policies.program_fits_band(prog, "adult")
    assert not policies.program_fits_band(prog, "teen")
    assert not policies.program_fits_band(prog, None)


def test_facilitators_are_staff_or_appointed_leaders_of_the_band() -> None:
    moderator = UserFactory.create(listener=True, roles=[Role.MODERATOR])
    ambassador = UserFactory.create(listener=True, roles=[Role.AMBASSADOR])
    listener = UserFactory.create(listener=True)
    staff = UserFactory.create(roles=[Role.STAFF])
    teen_moderator = UserFactory.create(teen=True, listener=True, roles=[Role.MODERATOR])
    cohort = make_cohort(band="adult")
    ids = {moderator.pk, listener.pk, teen_moderator.pk}
    assert policies.can_facilitate(moderator, cohort, facilitator_ids=ids)
    assert not policies.can_facilitate(ambassador, cohort, facilitator_ids=ids)  # not appointed
    assert (
        "leadership role" in policies.can_facilitate(listener, cohort, facilitator_ids=ids).reason
    )
    assert not policies.can_facilitate(teen_moderator, cohort, facilitator_ids=ids)
    assert policies.can_facilitate(staff, cohort, facilitator_ids=set())
    assert policies.may_be_facilitator(moderator, "adult")
    assert not policies.may_be_facilitator(moderator, "teen")
    assert not policies.may_be_facilitator(listener, "adult")


def test_a_discussion_unlocks_when_every_earlier_one_is_complete() -> None:
    steps = [
        StepFacts(1, "Intro", True),
        StepFacts(2, "Space", False),
        StepFacts(3, "Safety", False),
    ]
    assert policies.step_lock(steps, 1)
    assert policies.step_lock(steps, 2)
    locked = policies.step_lock(steps, 3)
    assert not locked
    assert locked.reason == "Complete 02 “Space” first."
