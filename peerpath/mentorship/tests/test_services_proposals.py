"""Answering and expiring matching proposals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.models import Profile, User
from peerpath.core.errors import Conflict, NotFound
from peerpath.mentorship.models import (
    EndReason,
    MentorshipStatus,
)
from peerpath.mentorship.selectors import common as common_reads
from peerpath.mentorship.services import (
    lifecycle,
    proposals,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.notifications.models import Notification

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


def _new_notices(since: int, user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, pk__gt=since).order_by("pk"))


def _end_proposal(how: str, mentor: User, mentee: User, pk: int) -> None:
    if how == "mentor declines":
        proposals.decline_proposal(mentor=mentor, mentorship_id=pk, reason="Not my area")
    elif how == "mentor asks for another match":
        lifecycle.request_rematch(user=mentor, mentorship_id=pk)
    elif how == "mentee asks for another match":
        lifecycle.request_rematch(user=mentee, mentorship_id=pk)
    elif how == "mentee leaves":
        lifecycle.leave_program(user=mentee, mentorship_id=pk)
    else:
        assert proposals.expire_proposals(now=timezone.now() + dt.timedelta(days=8)) == 1


@pytest.mark.parametrize(
    ("how", "mentee_hears", "mentor_hears"),
    [
        ("mentor declines", "Mo can't take you on right now: “Not my area”.", None),
        ("mentor asks for another match", "Mo asked for another match", None),
        ("mentee asks for another match", None, "Lee asked for another match"),
        ("mentee leaves", None, "Lee has left the mentoring program"),
        (
            "it expires",
            "Mo didn't answer our proposed match in time.",
            "The proposed match with Lee expired before you answered.",
        ),
    ],
)
def test_a_proposal_that_ends_tells_each_side_once_with_what_next(how, mentee_hears, mentor_hears):
    """Issue 19: a declined proposal told the mentee nothing (and a proposal a mentee turned
    down told the mentor "Your mentorship has ended", for one that never started). The side
    that did not end it hears it once, with a link to what it can do next; the side that
    ended it reads that on the page, not in a notice."""
    mentor, mentee = make_mentor(), make_listener()
    Profile.objects.filter(user=mentor).update(display_name="Mo")
    Profile.objects.filter(user=mentee).update(display_name="Lee")
    p = make_mentorship(
        mentor,
        mentee,
        status=MentorshipStatus.PROPOSED,
        source="matching",
        proposal_expires_at=timezone.now() + dt.timedelta(days=7),
    )
    since = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    mentor, mentee = User.objects.get(pk=mentor.pk), User.objects.get(pk=mentee.pk)
    _end_proposal(how, mentor, mentee, p.pk)
    for person, hears, url, next_step in (
        (mentee, mentee_hears, reverse("mentorship:directory"), "next matching round"),
        (mentor, mentor_hears, reverse("mentorship:hub"), "your place stays free"),
    ):
        notices = _new_notices(since, person)
        if hears is None:
            assert notices == []
            continue
        (notice,) = notices
        assert notice.body.startswith(hears)
        assert next_step in notice.body
        assert "has ended" not in notice.body
        assert notice.url == url
