"""Answering and expiring matching proposals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.core.errors import Conflict, NotFound
from peerpath.mentorship.models import (
    EndReason,
    MentorshipStatus,
)
from peerpath.mentorship.selectors import common as common_reads
from peerpath.mentorship.services import (
    proposals,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship

pytestmark = pytest.mark.django_db


def test_accepting_and_declining_proposals():
    mentor = make_mentor(capacity=3)
    a, b = make_listener(), make_listener()
    pa = make_mentorship(mentor, a, status=MentorshipStatus.PROPOSED, source="matching")
    pb = make_mentorship(mentor, b, status=MentorshipStatus.PROPOSED, source="matching")
    with pytest.raises(NotFound):
        proposals.accept_proposal(mentor=make_mentor(), mentorship_id=pa.pk)
    m = proposals.accept_proposal(mentor=mentor, mentorship_id=pa.pk)
    assert m.status == MentorshipStatus.ACTIVE
    assert m.started_at
    with pytest.raises(Conflict):
        proposals.accept_proposal(mentor=mentor, mentorship_id=pa.pk)
    d = proposals.decline_proposal(mentor=mentor, mentorship_id=pb.pk, reason="Not my area").obj
    assert d.status == MentorshipStatus.DECLINED
    assert d.end_reason == EndReason.DECLINED
    assert common_reads.is_excluded_pair(b.pk, mentor.pk)  # never proposed again


def test_unanswered_proposals_expire():
    mentor = make_mentor()
    p = make_mentorship(
        mentor,
        make_listener(),
        status=MentorshipStatus.PROPOSED,
        proposal_expires_at=timezone.now() + dt.timedelta(days=7),
    )
    assert proposals.expire_proposals(now=timezone.now() + dt.timedelta(days=6)) == 0
    assert proposals.expire_proposals(now=timezone.now() + dt.timedelta(days=8)) == 1
    p.refresh_from_db()
    assert p.status == MentorshipStatus.DECLINED
    assert p.end_reason == EndReason.PROPOSAL_EXPIRED
    assert common_reads.mentor_load(mentor.pk) == 0
