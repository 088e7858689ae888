"""Ending a mentorship: leaving the program, "find me a new match", a mentor's unmatch
for good, refusals, and the end of a pair whose bands crossed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from peerpath.accounts.tests.factories import years_ago
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.mentorship.models import (
    EndReason,
    MenteeProfile,
    MentorProfile,
    Mentorship,
    MentorshipStatus,
    TargetStatus,
)
from peerpath.mentorship.selectors import common as common_reads
from peerpath.mentorship.selectors import lifecycle as lifecycle_reads
from peerpath.mentorship.services import (
    lifecycle,
    requests,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.mentorship.tests.helpers import GOAL

pytestmark = pytest.mark.django_db


def test_branch_remove_me_from_the_program(on_commit):
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    other_request = requests.request_mentors(
        mentee=make_listener(), mentors=[mentor], goal=GOAL
    ).obj
    with on_commit():
        assert lifecycle.leave_program(user=mentee, mentorship_id=m.pk).obj == 1
    m.refresh_from_db()
    assert (m.status, m.end_reason, m.ended_by_id) == ("ended", "left_program", mentee.pk)
    assert MenteeProfile.objects.get(pk=mentee.pk).opted_out_at is not None
    assert any(mentor.email in x.to and "left the mentoring" in x.body for x in mail.outbox)
    # a mentor leaving pauses mentoring; their other waiting request stays theirs to answer
    lifecycle.leave_program(user=mentor)
    assert MentorProfile.objects.get(pk=mentor.pk).capacity == 0
    assert other_request.targets.get().status == TargetStatus.PENDING


def test_branch_find_me_a_new_match_never_rematches_the_pair():
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    lifecycle.request_rematch(user=mentee, mentorship_id=m.pk, note="We never connected.")
    m.refresh_from_db()
    assert (m.status, m.end_reason, m.end_note) == ("ended", "rematch", "We never connected.")
    assert common_reads.is_excluded_pair(mentee.pk, mentor.pk)
    assert lifecycle_reads.current_mentorship_of(mentee) is None
    with pytest.raises(Refused, match="be paired again") as refused:
        requests.request_mentors(mentee=mentee, mentors=[mentor], goal=GOAL)
    assert refused.value.status == 409
    # and may ask someone else
    requests.request_mentors(mentee=mentee, mentors=[make_mentor()], goal=GOAL)


def test_branch_mentor_unmatch_without_rematch_drops_capacity():
    mentor, mentee = make_mentor(capacity=3), make_listener()
    m = make_mentorship(mentor, mentee)
    with pytest.raises(Forbidden, match="Only the mentor"):
        lifecycle.mentor_unmatch_no_rematch(mentor=mentee, mentorship_id=m.pk)
    assert Mentorship.objects.get(pk=m.pk).status == MentorshipStatus.ACTIVE
    lifecycle.mentor_unmatch_no_rematch(mentor=mentor, mentorship_id=m.pk)
    m.refresh_from_db()
    assert (m.status, m.end_reason) == ("ended", "mentor_no_rematch")
    assert MentorProfile.objects.get(pk=mentor.pk).capacity == 2
    assert common_reads.is_excluded_pair(mentee.pk, mentor.pk)


def test_ending_twice_or_as_an_outsider_is_refused():
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    with pytest.raises(NotFound):
        lifecycle.end_mentorship(
            actor=make_listener(), mentorship_id=m.pk, reason=EndReason.COMPLETED
        )
    with pytest.raises(Forbidden):
        lifecycle.end_mentorship(actor=mentee, mentorship_id=m.pk, reason=EndReason.STAFF)
    lifecycle.end_mentorship(actor=mentee, mentorship_id=m.pk, reason=EndReason.COMPLETED)
    with pytest.raises(Conflict):
        lifecycle.end_mentorship(actor=mentee, mentorship_id=m.pk, reason=EndReason.COMPLETED)


def test_a_mentorship_ends_when_one_side_turns_eighteen():
    mentor = make_mentor(teen=True, date_of_birth=years_ago(13, days=10))
    mentee = make_listener(teen=True, date_of_birth=years_ago(17, days=300))
    m = make_mentorship(mentor, mentee)
    assert lifecycle.end_cross_band_mentorships() == 0
    later = mentee.adult_from + dt.timedelta(hours=1)
    assert lifecycle.end_cross_band_mentorships(now=later) == 1
    m.refresh_from_db()
    assert (m.status, m.end_reason) == ("ended", "aged_out")
