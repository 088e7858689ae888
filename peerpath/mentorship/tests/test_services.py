"""Service tests: every lifecycle step of requests and mentorships, the five "I can't get in
touch" branches, the conversation log, check-ins and flags. Real database, Huey in immediate
mode, mail in Django's locmem outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from peerpath.accounts import services as account_services
from peerpath.accounts.models import Topic
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.mentorship.models import (
    CheckIn,
    Conversation,
    EndReason,
    Flag,
    MenteeProfile,
    MentorProfile,
    MentorRequest,
    Mentorship,
    MentorshipSettings,
    MentorshipStatus,
    Message,
    RequestStatus,
    RequestTarget,
    StaffTicket,
    TargetStatus,
)
from peerpath.mentorship.selectors import common as common_reads
from peerpath.mentorship.selectors import lifecycle as lifecycle_reads
from peerpath.mentorship.services import (
    flags,
    lifecycle,
    logs,
    mentor_profile,
    proposals,
    requests,
    tickets,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship

pytestmark = pytest.mark.django_db

GOAL = "I'd like to get better at supporting people with anxiety."


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (mail jobs, broadcasts) as a committed transaction would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def counts():
    return (
        MentorRequest.objects.count(),
        RequestTarget.objects.count(),
        Mentorship.objects.count(),
        Message.objects.count(),
    )


# --- requests -----------------------------------------------------------------------------


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
    assert any("None of the mentors" in m.body for m in mail.outbox)


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
        ("no_rematch_pair", NotFound, "No such mentor"),
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


# --- proposals ----------------------------------------------------------------------------


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


# --- "I can't get in touch" ---------------------------------------------------------------


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


def test_branch_i_dont_know_how_to_reach_out_sends_the_template():
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    message = tickets.send_outreach_template(user=mentee, mentorship_id=m.pk)
    assert message.sender_id == mentee.pk
    assert message.body == tickets.outreach_text(m, mentee)
    assert mentor.username in message.body
    with pytest.raises(NotFound):
        tickets.send_outreach_template(user=make_listener(), mentorship_id=m.pk)


def test_branch_talk_to_staff_opens_a_ticket_and_mails_staff(on_commit):
    staff = UserFactory.create(roles=[Role.STAFF])
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    with on_commit():
        ticket = tickets.open_staff_ticket(
            user=mentee, body="My mentor hasn't replied in 3 weeks.", mentorship_id=m.pk
        ).obj
    assert StaffTicket.objects.get() == ticket
    assert ticket.mentorship_id == m.pk
    assert ticket.status == "open"
    assert [x.to for x in mail.outbox] == [[staff.email]]
    with pytest.raises(Refused, match="write a message"):
        tickets.open_staff_ticket(user=mentee, body="  ", mentorship_id=m.pk)
    with pytest.raises(NotFound):
        tickets.open_staff_ticket(user=make_listener(), body="hi", mentorship_id=m.pk)
    assert StaffTicket.objects.count() == 1


def test_branch_find_me_a_new_match_never_rematches_the_pair():
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    lifecycle.request_rematch(user=mentee, mentorship_id=m.pk, note="We never connected.")
    m.refresh_from_db()
    assert (m.status, m.end_reason, m.end_note) == ("ended", "rematch", "We never connected.")
    assert common_reads.is_excluded_pair(mentee.pk, mentor.pk)
    assert lifecycle_reads.current_mentorship_of(mentee) is None
    with pytest.raises(NotFound):
        requests.request_mentors(mentee=mentee, mentors=[mentor], goal=GOAL)
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


# --- log, check-ins, flags ----------------------------------------------------------------


def test_logging_a_call_counts_a_conversation_for_both():
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    today = timezone.localdate(timezone=mentee.tzinfo)
    c = logs.log_conversation(
        user=mentee, mentorship_id=m.pk, kind="call", day=today, note="20 minutes on the phone"
    ).obj
    assert c.logged_by_id == mentee.pk
    events = ActivityEvent.objects.filter(kind=ActivityKind.MENTOR_CONVERSATION)
    assert sorted(events.values_list("user_id", flat=True)) == sorted([mentor.pk, mentee.pk])
    assert set(events.values_list("ref_id", flat=True)) == {c.pk}


@pytest.mark.parametrize(
    ("kind", "day_offset", "message"),
    [
        ("chat", 0, "counted automatically"),
        ("carrier-pigeon", 0, "Choose call"),
        ("call", 2, "future"),
        ("call", -30, "before this mentorship"),
    ],
)
def test_bad_conversation_logs_are_refused(kind, day_offset, message):
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    day = timezone.localdate(timezone=mentee.tzinfo) + dt.timedelta(days=day_offset)
    with pytest.raises(Refused, match=message):
        logs.log_conversation(user=mentee, mentorship_id=m.pk, kind=kind, day=day)
    assert Conversation.objects.count() == 0
    assert not ActivityEvent.objects.exists()


def test_check_ins_from_each_side():
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    logs.check_in(user=mentee, mentorship_id=m.pk, rating=4, note="Going well")
    logs.check_in(user=mentor, mentorship_id=m.pk, rating=5)
    assert sorted(CheckIn.objects.values_list("author_id", "rating")) == sorted(
        [(mentee.pk, 4), (mentor.pk, 5)]
    )
    assert ActivityEvent.objects.filter(kind=ActivityKind.MENTOR_CHECK_IN).count() == 2
    for bad in (0, 6, -1):
        with pytest.raises(Refused, match="1 to 5"):
            logs.check_in(user=mentee, mentorship_id=m.pk, rating=bad)
    with pytest.raises(NotFound):
        logs.check_in(user=make_listener(), mentorship_id=m.pk, rating=3)
    lifecycle.end_mentorship(actor=mentee, mentorship_id=m.pk, reason=EndReason.COMPLETED)
    with pytest.raises(Conflict):
        logs.check_in(user=mentee, mentorship_id=m.pk, rating=3)
    assert CheckIn.objects.count() == 2


def test_immediate_flags_mail_staff_at_once_and_others_wait(on_commit):
    staff = UserFactory.create(roles=[Role.STAFF])
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    with on_commit():
        flags.raise_flag(
            user=mentor, mentorship_id=m.pk, topic="wellbeing", priority="can_wait", note="."
        )
    assert mail.outbox == []
    with on_commit():
        flag = flags.raise_flag(
            user=mentor, mentorship_id=m.pk, topic="safety", priority="immediate", note="!"
        ).obj
    assert [x.to for x in mail.outbox] == [[staff.email]]
    assert "IMMEDIATE" in mail.outbox[0].subject
    with pytest.raises(Refused):
        flags.raise_flag(user=mentor, mentorship_id=m.pk, topic="nope", priority="immediate")
    with pytest.raises(Refused):
        flags.raise_flag(user=mentor, mentorship_id=m.pk, topic="safety", priority="soon")
    assert Flag.objects.count() == 2
    with pytest.raises(Forbidden):
        flags.resolve_flag(actor=mentor, flag_id=flag.pk)
    flags.resolve_flag(actor=staff, flag_id=flag.pk)
    assert Flag.objects.get(pk=flag.pk).resolved_by_id == staff.pk


# --- safeguarding upkeep ------------------------------------------------------------------


def test_a_mentorship_ends_when_one_side_turns_eighteen():
    from peerpath.accounts.tests.factories import years_ago

    mentor = make_mentor(teen=True, date_of_birth=years_ago(13, days=10))
    mentee = make_listener(teen=True, date_of_birth=years_ago(17, days=300))
    m = make_mentorship(mentor, mentee)
    assert lifecycle.end_cross_band_mentorships() == 0
    later = mentee.adult_from + dt.timedelta(hours=1)
    assert lifecycle.end_cross_band_mentorships(now=later) == 1
    m.refresh_from_db()
    assert (m.status, m.end_reason) == ("ended", "aged_out")


def test_save_mentor_profile_validates_and_needs_the_role():
    mentor = make_mentor()
    topics = list(Topic.objects.all()[:2])
    p = mentor_profile.save_mentor_profile(
        user=mentor,
        capacity=4,
        specialties=topics,
        track_listeners=True,
        track_group_i=True,
        track_group_ii=False,
        approach="Patient, practical.",
        availability="1" * 168,
    ).obj
    assert p.capacity == 4
    assert set(p.specialties.all()) == set(topics)
    mentor.profile.refresh_from_db()
    assert mentor.profile.availability == "1" * 168
    kwargs: dict[str, Any] = {
        "specialties": [],
        "track_listeners": True,
        "track_group_i": False,
        "track_group_ii": False,
        "approach": "",
    }
    with pytest.raises(Refused, match="between 0"):
        mentor_profile.save_mentor_profile(user=mentor, capacity=21, **kwargs)
    with pytest.raises(Refused, match="track"):
        mentor_profile.save_mentor_profile(
            user=mentor,
            capacity=1,
            specialties=[],
            track_listeners=False,
            track_group_i=False,
            track_group_ii=False,
            approach="",
        )
    with pytest.raises(Refused, match="availability"):
        mentor_profile.save_mentor_profile(
            user=mentor, capacity=1, availability="2" * 168, **kwargs
        )
    with pytest.raises(Refused) as caught:
        mentor_profile.save_mentor_profile(user=make_listener(), capacity=1, **kwargs)
    assert caught.value.status == 403
    assert MentorProfile.objects.get(pk=mentor.pk).capacity == 4


def test_the_periodic_request_job_expires_and_cascades(monkeypatch):
    from peerpath.mentorship import tasks

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


def test_only_staff_close_tickets():
    staff = UserFactory.create(roles=[Role.STAFF])
    mentee = make_listener()
    ticket = tickets.open_staff_ticket(user=mentee, body="Please help.").obj
    with pytest.raises(Forbidden):
        tickets.close_tickets(actor=mentee, ticket_ids=[ticket.pk])
    assert tickets.close_tickets(actor=staff, ticket_ids=[ticket.pk]) == 1
    assert tickets.close_tickets(actor=staff, ticket_ids=[ticket.pk]) == 0
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert ticket.closed_at is not None
