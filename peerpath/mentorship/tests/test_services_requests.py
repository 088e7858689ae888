"""Requests: asking, the cascade through ranked mentors, reminders and expiry, answers,
capacity, caps and bad input. Real database, Huey in immediate mode, mail in the outbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from peerpath.accounts import services as account_services
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.errors import Conflict, NotFound, Refused
from peerpath.mentorship import tasks
from peerpath.mentorship.models import (
    EndReason,
    MenteeProfile,
    MentorProfile,
    Mentorship,
    MentorshipSettings,
    MentorshipStatus,
    RequestStatus,
    RequestTarget,
    TargetStatus,
)
from peerpath.mentorship.selectors import common as common_reads
from peerpath.mentorship.services import (
    requests,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.mentorship.tests.helpers import GOAL, counts
from peerpath.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_request_asks_the_first_mentor_and_mails_them(on_commit):
    mentor, mentee = make_mentor(), make_listener()
    with on_commit():
        request = requests.request_mentors(mentee=mentee, mentors=[mentor], goal=GOAL).obj
    target = request.targets.get()
    assert request.status == RequestStatus.OPEN
    assert target.status == TargetStatus.PENDING
    assert target.expires_at is not None
    assert target.sent_at is not None
    assert target.expires_at - target.sent_at == dt.timedelta(days=7)
    assert [m.to for m in mail.outbox] == [[mentor.email]]
    assert mentee.username in mail.outbox[0].body
    assert MenteeProfile.objects.get(pk=mentee.pk).goal == GOAL


def test_the_expiry_window_is_community_data():
    cfg = MentorshipSettings.load()
    cfg.request_expiry_days = 3
    cfg.save()
    request = requests.request_mentors(
        mentee=make_listener(), mentors=[make_mentor()], goal=GOAL
    ).obj
    target = request.targets.get()
    assert target.expires_at is not None
    assert target.sent_at is not None
    assert target.expires_at - target.sent_at == dt.timedelta(days=3)


def test_a_ranked_request_cascades_on_decline_and_expiry_then_is_exhausted(on_commit):
    first, second, third = make_mentor(), make_mentor(), make_mentor()
    mentee = make_listener()
    request = requests.request_mentors(mentee=mentee, mentors=[first, second, third], goal=GOAL).obj
    statuses = lambda: list(request.targets.order_by("rank").values_list("status", flat=True))  # noqa: E731
    assert statuses() == ["pending", "queued", "queued"]

    t1 = request.targets.get(mentor=first)
    assert (
        requests.respond_to_request(mentor=first, target_id=t1.pk, accept=False, reason="Busy").obj
        is None
    )
    assert statuses() == ["declined", "pending", "queued"]
    assert RequestTarget.objects.get(pk=t1.pk).decline_reason == "Busy"

    later = timezone.now() + dt.timedelta(days=8)
    result = requests.advance_requests(now=later)
    assert result["expired"] == 1
    assert statuses() == ["declined", "expired", "pending"]

    t3 = request.targets.get(mentor=third)
    with on_commit():
        requests.respond_to_request(mentor=third, target_id=t3.pk, accept=False)
    request.refresh_from_db()
    assert request.status == RequestStatus.EXHAUSTED
    assert statuses() == ["declined", "expired", "declined"]
    assert any("That was the last mentor on your list" in m.body for m in mail.outbox)


@pytest.mark.parametrize("listed", [1, 2])
def test_a_decline_sends_the_listener_one_notice(listed):
    """Issue 19: the last mentor's decline sent "passed your request on…" and then "None of
    the mentors you chose could take your request"; one notice says what happens now."""
    mentors = [make_mentor() for _ in range(listed)]
    mentee = make_listener()
    request = requests.request_mentors(mentee=mentee, mentors=mentors, goal=GOAL).obj
    before = Notification.objects.filter(recipient=mentee).count()
    target = request.targets.get(mentor=mentors[0])
    requests.respond_to_request(mentor=mentors[0], target_id=target.pk, accept=False, reason="Busy")
    (notice,) = Notification.objects.filter(recipient=mentee).order_by("pk")[before:]
    assert notice.body.startswith(f"{mentors[0].username} can't take you on right now: “Busy”.")
    if listed == 1:
        assert "That was the last mentor on your list" in notice.body
        assert "passed your request on" not in notice.body
    else:
        assert "passed your request on to the next mentor" in notice.body


def test_a_mentor_who_stopped_mentoring_is_skipped_in_the_cascade():
    first, second, third = make_mentor(), make_mentor(), make_mentor()
    request = requests.request_mentors(
        mentee=make_listener(), mentors=[first, second, third], goal=GOAL
    ).obj
    account_services.revoke_role(user=second, role=Role.MENTOR)
    t1 = request.targets.get(mentor=first)
    requests.respond_to_request(mentor=first, target_id=t1.pk, accept=False)
    got = dict(request.targets.values_list("mentor_id", "status"))
    assert got == {first.pk: "declined", second.pk: "cancelled", third.pk: "pending"}


def test_reminders_go_once_after_the_configured_days(on_commit):
    mentor = make_mentor()
    request = requests.request_mentors(mentee=make_listener(), mentors=[mentor], goal=GOAL).obj
    mail.outbox.clear()
    assert requests.advance_requests(now=timezone.now() + dt.timedelta(days=2))["reminded"] == 0
    with on_commit():
        done = requests.advance_requests(now=timezone.now() + dt.timedelta(days=3, minutes=1))
    assert done == {"reminded": 1, "expired": 0}
    # The delivery job sends every due mail (the request's notice too): look at reminders.
    reminders = [m for m in mail.outbox if "Reminder" in m.subject]
    assert [m.to for m in reminders] == [[mentor.email]]
    assert requests.advance_requests(now=timezone.now() + dt.timedelta(days=4))["reminded"] == 0
    assert request.targets.get().reminders_sent == 1


def test_accepting_starts_the_mentorship_and_closes_other_requests(on_commit):
    a, b = make_mentor(), make_mentor()
    mentee = make_listener()
    r1 = requests.request_mentors(mentee=mentee, mentors=[a], goal=GOAL).obj
    r2 = requests.request_mentors(mentee=mentee, mentors=[b], goal="Another goal").obj
    with on_commit():
        m = requests.respond_to_request(
            mentor=a, target_id=r1.targets.get().pk, accept=True, reason=""
        ).obj
    assert m is not None
    assert m.status == MentorshipStatus.ACTIVE
    assert m.goal == GOAL
    assert m.started_at is not None
    r2.refresh_from_db()
    assert r2.status == RequestStatus.CANCELLED
    assert r2.targets.get().status == TargetStatus.CANCELLED
    assert MentorProfile.objects.get(pk=a.pk).last_active_at is not None
    assert any(mentee.email in msg.to for msg in mail.outbox)
    # b can no longer answer
    with pytest.raises(Conflict):
        requests.respond_to_request(mentor=b, target_id=r2.targets.get().pk, accept=True)


def test_only_the_addressed_mentor_can_answer():
    mentor, other = make_mentor(), make_mentor()
    request = requests.request_mentors(mentee=make_listener(), mentors=[mentor], goal=GOAL).obj
    with pytest.raises(NotFound):
        requests.respond_to_request(mentor=other, target_id=request.targets.get().pk, accept=True)
    with pytest.raises(NotFound):
        requests.respond_to_request(mentor=mentor, target_id=999999, accept=True)
    assert Mentorship.objects.count() == 0


def test_accepting_beyond_capacity_is_refused():
    mentor = make_mentor(capacity=1)
    r1 = requests.request_mentors(mentee=make_listener(), mentors=[mentor], goal=GOAL).obj
    r2 = requests.request_mentors(mentee=make_listener(), mentors=[mentor], goal=GOAL).obj
    requests.respond_to_request(mentor=mentor, target_id=r1.targets.get().pk, accept=True)
    with pytest.raises(Conflict, match="capacity"):
        requests.respond_to_request(mentor=mentor, target_id=r2.targets.get().pk, accept=True)
    assert common_reads.mentor_load(mentor.pk) == 1
    assert r2.targets.get().status == TargetStatus.PENDING


@pytest.mark.parametrize(
    ("setup", "error", "message"),
    [
        ("full", Refused, "full"),
        ("paused", Refused, "paused"),
        ("cross_age", NotFound, "No such mentor"),
        ("blocked_by_mentor", NotFound, "No such mentor"),
        ("blocked_by_mentee", NotFound, "No such mentor"),
        ("not_a_mentor", NotFound, "No such mentor"),
        ("member_not_listener", Refused, "for listeners"),
        ("suspended", Refused, "suspended"),
        ("self", Refused, "yourself"),
        ("already_has_mentor", Refused, "already have a mentor"),
        ("no_rematch_pair", Refused, "won't be paired again"),
    ],
)
def test_bad_requests_are_refused_and_create_nothing(setup, error, message):
    mentor, mentee = make_mentor(capacity=1), make_listener()
    if setup == "full":
        make_mentorship(mentor, make_listener())
    elif setup == "paused":
        MentorProfile.objects.filter(pk=mentor.pk).update(capacity=0)
    elif setup == "cross_age":
        mentee = make_listener(teen=True)
    elif setup == "blocked_by_mentor":
        account_services.block_user(blocker=mentor, blocked=mentee)
    elif setup == "blocked_by_mentee":
        account_services.block_user(blocker=mentee, blocked=mentor)
    elif setup == "not_a_mentor":
        account_services.revoke_role(user=mentor, role=Role.MENTOR)
    elif setup == "member_not_listener":
        mentee = UserFactory.create()
    elif setup == "suspended":
        account_services.suspend_user(
            actor=UserFactory.create(roles=[Role.STAFF]),
            user=mentee,
            until=timezone.now() + dt.timedelta(days=1),
            reason="x",
        )
    elif setup == "self":
        mentee = mentor
    elif setup == "already_has_mentor":
        make_mentorship(make_mentor(), mentee)
    elif setup == "no_rematch_pair":
        make_mentorship(
            mentor,
            mentee,
            status=MentorshipStatus.ENDED,
            end_reason=EndReason.REMATCH,
            ended_at=timezone.now(),
        )
    before = counts()
    with pytest.raises(error, match=message) as caught:
        requests.request_mentors(mentee=mentee, mentors=[mentor], goal=GOAL)
    assert 400 <= caught.value.status < 500
    assert counts() == before


def test_one_open_request_per_mentor_and_a_cap_per_mentee():
    cfg = MentorshipSettings.load()
    cfg.max_open_requests = 2
    cfg.save()
    mentee = make_listener()
    a, b, c = make_mentor(), make_mentor(), make_mentor()
    requests.request_mentors(mentee=mentee, mentors=[a], goal=GOAL)
    with pytest.raises(Refused, match="already have a request waiting") as caught:
        requests.request_mentors(mentee=mentee, mentors=[a], goal=GOAL)
    assert caught.value.status == 409
    requests.request_mentors(mentee=mentee, mentors=[b], goal=GOAL)
    before = counts()
    with pytest.raises(Refused, match="limit is 2"):
        requests.request_mentors(mentee=mentee, mentors=[c], goal=GOAL)
    assert counts() == before


@pytest.mark.parametrize(
    ("goal", "mentors", "message"),
    [
        ("", 1, "write a goal"),
        ("   ", 1, "write a goal"),
        ("x" * 1001, 1, "too long"),
        ("bad\x00byte", 1, "not allowed"),
        (GOAL, 0, "between 1 and 3"),
        (GOAL, 4, "between 1 and 3"),
        (GOAL, "dup", "only once"),
    ],
)
def test_bad_request_input_is_refused(goal, mentors, message):
    pool = [make_mentor() for _ in range(4)]
    chosen = [pool[0], pool[0]] if mentors == "dup" else pool[:mentors]
    before = counts()
    with pytest.raises(Refused, match=message):
        requests.request_mentors(mentee=make_listener(), mentors=chosen, goal=goal)
    assert counts() == before


def test_withdrawing_a_request():
    mentee, mentor = make_listener(), make_mentor()
    request = requests.request_mentors(mentee=mentee, mentors=[mentor], goal=GOAL).obj
    with pytest.raises(NotFound):
        requests.withdraw_request(mentee=make_listener(), request_id=request.pk)
    requests.withdraw_request(mentee=mentee, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert request.targets.get().status == TargetStatus.CANCELLED
    with pytest.raises(Conflict):
        requests.withdraw_request(mentee=mentee, request_id=request.pk)
    # the pair may ask again
    requests.request_mentors(mentee=mentee, mentors=[mentor], goal=GOAL)


def test_the_periodic_request_job_expires_and_cascades(monkeypatch):
    first, second = make_mentor(), make_mentor()
    request = requests.request_mentors(
        mentee=make_listener(), mentors=[first, second], goal=GOAL
    ).obj
    RequestTarget.objects.filter(mentor=first).update(
        sent_at=timezone.now() - dt.timedelta(days=8),
        expires_at=timezone.now() - dt.timedelta(days=1),
    )
    tasks.advance_requests.call_local()
    got = dict(request.targets.values_list("mentor_id", "status"))
    assert got == {first.pk: "expired", second.pk: "pending"}
