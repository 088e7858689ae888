"""The demo community's mentoring data keeps every invariant the mentorship services keep."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.utils import timezone

from peerpath.accounts.models import AccountType, User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.demo.generator import Size, seed_demo
from peerpath.mentorship.models import (
    CURRENT_STATUSES,
    OPEN_TARGET_STATUSES,
    Conversation,
    ConversationKind,
    MatchRun,
    MenteeProfile,
    MentorProfile,
    MentorRequest,
    Mentorship,
    MentorshipSettings,
    MentorshipSource,
    MentorshipStatus,
    Message,
    RequestStatus,
    RequestTarget,
    TargetStatus,
)
from peerpath.mentorship.selectors import chat as chat_reads
from peerpath.mentorship.selectors import common as common_reads
from peerpath.mentorship.selectors import directory as directory_reads
from peerpath.mentorship.selectors import lifecycle as lifecycle_reads
from peerpath.mentorship.selectors.directory import DirectoryFilters
from peerpath.mentorship.services import chat, requests

ANCHOR = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(0), tzinfo=dt.UTC)
# Big enough for a few teen mentors and spare listeners in both bands; small enough to be quick.
SIZE = Size(users=900, events_per_user=2.0)


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True


@pytest.fixture
def seeded(db):
    return seed_demo(SIZE, seed=11, anchor=ANCHOR)


def _user(username: str) -> User:
    user: User = User.objects.get(username=username)
    return user


def _adult(user: User) -> bool:
    return bool(user.adult_from <= ANCHOR)


def test_current_mentorships_are_same_band_within_capacity_one_per_mentee(seeded):
    current = list(
        Mentorship.objects.filter(status__in=CURRENT_STATUSES).select_related("mentor", "mentee")
    )
    assert len(current) > 20
    assert seeded.mentorships == sum(m.status == MentorshipStatus.ACTIVE for m in current)
    for m in current:
        assert m.mentor_id != m.mentee_id
        assert _adult(m.mentor) == _adult(m.mentee), m
        assert m.mentor.teen_from <= ANCHOR
        assert m.mentee.teen_from <= ANCHOR
        assert m.mentor.age_band_at(timezone.now()) is m.mentee.age_band_at(timezone.now())
        assert m.mentor.has_role(Role.MENTOR)
        assert m.mentee.account_type == AccountType.LISTENER
        assert not m.mentee.has_role(Role.MENTOR)
        if m.status == MentorshipStatus.ACTIVE:
            assert m.started_at is not None
            assert m.started_at >= max(m.mentor.date_joined, m.mentee.date_joined)
            assert m.started_at < ANCHOR
        else:
            assert m.started_at is None
            assert m.score is not None
            assert m.explanation
            assert m.proposal_expires_at is not None
            assert m.proposal_expires_at > timezone.now()
    per_mentee = Counter(m.mentee_id for m in current)
    assert max(per_mentee.values()) == 1
    load = Counter(m.mentor_id for m in current)
    capacity = dict(MentorProfile.objects.values_list("pk", "capacity"))
    for mentor_id, n in load.items():
        assert n <= capacity[mentor_id]
    # About 60% of the capacity is in use by active mentorships.
    active = sum(m.status == MentorshipStatus.ACTIVE for m in current)
    assert 0.4 < active / sum(capacity.values()) < 0.8
    # A pair that ended is never current again; every ending has a reason.
    ended = Mentorship.objects.exclude(status__in=CURRENT_STATUSES)
    assert ended.exists()
    assert not ended.filter(end_reason="").exists()
    ended_pairs = set(ended.values_list("mentor_id", "mentee_id"))
    assert not ended_pairs & {(m.mentor_id, m.mentee_id) for m in current}
    # Nobody ever had two current mentorships at once.
    spans = defaultdict(list)
    for created, ended_at, mentee_id in Mentorship.objects.values_list(
        "created_at", "ended_at", "mentee_id"
    ):
        spans[mentee_id].append((created, ended_at or timezone.now()))
    for intervals in spans.values():
        intervals.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(intervals))
    # A mentee who left the program has nothing current and is opted out.
    left = ended.filter(end_reason="left_program").values_list("mentee_id", flat=True)
    assert not MenteeProfile.objects.filter(pk__in=left, opted_out_at__isnull=True).exists()
    assert not Mentorship.objects.filter(mentee_id__in=left, status__in=CURRENT_STATUSES).exists()
    connection.check_constraints()


def test_every_mentor_has_a_profile_and_about_a_third_of_listeners_a_goal(seeded):
    mentors = User.objects.filter(groups__name=Role.MENTOR.value)
    assert mentors.count() == MentorProfile.objects.count() > 10
    profiles = MentorProfile.objects.annotate(n=Count("specialties"))
    since = ANCHOR - dt.timedelta(days=30)
    for profile in profiles:
        assert 0 <= profile.capacity <= 6
        assert 2 <= profile.n <= 5
        assert profile.tracks
        assert profile.approach
        assert profile.last_active_at is not None
        assert since <= profile.last_active_at < ANCHOR
    listeners = User.objects.listeners().count()
    mentees = MenteeProfile.objects.count()
    assert 0.2 < mentees / listeners < 0.45
    assert not MenteeProfile.objects.filter(goal="").exists()


def test_open_requests_respect_the_cascade_and_the_constraints(seeded):
    cfg = MentorshipSettings.load()
    now = timezone.now()
    requests = MentorRequest.objects.filter(status=RequestStatus.OPEN).prefetch_related(
        "targets__mentor", "mentee"
    )
    assert requests.count() >= 3
    for request in requests:
        targets = list(request.targets.all())
        assert [t.rank for t in targets] == list(range(1, len(targets) + 1))
        pending = [t for t in targets if t.status == TargetStatus.PENDING]
        assert len(pending) == 1
        target = pending[0]
        assert target.sent_at is not None
        assert target.expires_at is not None
        assert target.sent_at < ANCHOR < target.expires_at
        assert target.expires_at == target.sent_at + cfg.request_expiry
        queued = [t for t in targets if t.rank > target.rank]
        assert all(t.status == TargetStatus.QUEUED and t.sent_at is None for t in queued)
        assert not Mentorship.objects.filter(
            mentee=request.mentee, status__in=CURRENT_STATUSES
        ).exists()
        for t in targets:
            assert t.mentee_id == request.mentee_id
            assert _adult(t.mentor) == _adult(request.mentee)
            assert not common_reads.is_excluded_pair(request.mentee_id, t.mentor_id)
        # The mentor being asked can still say yes.
        assert common_reads.mentor_load(target.mentor_id) < target.mentor.mentor_profile.capacity
    open_per_mentee = Counter(
        MentorRequest.objects.filter(status=RequestStatus.OPEN).values_list("mentee_id", flat=True)
    )
    assert max(open_per_mentee.values()) <= cfg.max_open_requests
    pairs = Counter(
        RequestTarget.objects.filter(status__in=OPEN_TARGET_STATUSES).values_list(
            "mentee_id", "mentor_id"
        )
    )
    assert max(pairs.values()) == 1
    assert not RequestTarget.objects.filter(
        status=TargetStatus.PENDING, expires_at__lte=now
    ).exists()


def test_chat_conversations_check_ins_and_activity(seeded):
    messages = list(Message.objects.select_related("mentorship").order_by("id"))
    assert messages
    days: dict[tuple[int, dt.date], set[int]] = defaultdict(set)
    previous: dict[int, dt.datetime] = {}
    for message in messages:
        m = message.mentorship
        assert m.status == MentorshipStatus.ACTIVE
        assert message.sender_id in (m.mentor_id, m.mentee_id)
        assert m.started_at is not None
        assert m.started_at <= message.created_at < ANCHOR
        assert message.created_at >= previous.get(m.pk, message.created_at)  # ids follow time
        previous[m.pk] = message.created_at
        days[m.pk, message.created_at.date()].add(message.sender_id)
    both = {key for key, senders in days.items() if len(senders) == 2}
    chats = set(
        Conversation.objects.filter(kind=ConversationKind.CHAT).values_list("mentorship_id", "day")
    )
    assert chats == both
    assert Conversation.objects.exclude(kind=ConversationKind.CHAT).exists()
    for m in Mentorship.objects.filter(status=MentorshipStatus.ACTIVE):
        top = m.messages.order_by("-id").values_list("id", flat=True).first() or 0
        assert m.mentor_last_read <= top
        assert m.mentee_last_read <= top
    # One mentor_conversation event per conversation and party, referencing it.
    events = ActivityEvent.objects.filter(
        kind=ActivityKind.MENTOR_CONVERSATION, ref_id__isnull=False
    )
    assert events.count() == 2 * Conversation.objects.count()
    for conversation in Conversation.objects.select_related("mentorship")[:50]:
        users = set(
            events.filter(ref_type="mentorship.conversation", ref_id=conversation.pk).values_list(
                "user_id", flat=True
            )
        )
        assert users == {conversation.mentorship.mentor_id, conversation.mentorship.mentee_id}
    assert not ActivityEvent.objects.filter(occurred_at__gte=ANCHOR).exists()
    # Some active pairs never got talking (what staff look for with the 0-conversation
    # filter), most did.
    active = Mentorship.objects.filter(status=MentorshipStatus.ACTIVE)
    silent = active.exclude(pk__in=Conversation.objects.values("mentorship_id")).count()
    assert 0 < silent < active.count() / 3


def test_demo_logins_have_their_mentoring_story(seeded):
    for username, mentee_login, adult in (
        ("demo-mentor", None, True),
        ("demo-teen-mentor", "demo-teen-listener", False),
    ):
        mentor = _user(username)
        assert mentor.mentor_profile.capacity == 3
        active = Mentorship.objects.get(mentor=mentor, status=MentorshipStatus.ACTIVE)
        assert _adult(active.mentee) is adult
        if mentee_login:
            assert active.mentee.username == mentee_login
        else:
            assert not active.mentee.username.startswith("demo-")
        assert 3 <= active.messages.count() <= 8
        assert active.conversations.filter(kind=ConversationKind.CHAT).exists()
        pending = RequestTarget.objects.get(mentor=mentor, status=TargetStatus.PENDING)
        proposal = Mentorship.objects.get(mentor=mentor, status=MentorshipStatus.PROPOSED)
        others = {active.mentee_id, pending.mentee_id, proposal.mentee_id}
        assert len(others) == 3
        assert all(_adult(u) is adult for u in User.objects.filter(pk__in=others))
        assert proposal.explanation
        assert common_reads.mentor_load(mentor.pk) == 2  # room left to accept the request
        # The services accept the waiting request on this data.
        assert requests.respond_to_request(mentor=mentor, target_id=pending.pk, accept=True)
    listener = _user("demo-listener")
    assert listener.account_type == AccountType.LISTENER
    assert listener.profile.languages.exists()
    assert listener.profile.topics.exists()
    assert not Mentorship.objects.filter(mentee=listener).exists()
    assert not MentorRequest.objects.filter(mentee=listener).exists()
    assert lifecycle_reads.current_mentorship_of(listener) is None
    teen = _user("demo-teen-listener")
    teen_mentorship = lifecycle_reads.current_mentorship_of(teen)
    assert teen_mentorship is not None
    assert teen_mentorship.mentor.username == "demo-teen-mentor"


def test_directory_shows_demo_listener_good_matches_and_a_request_works(seeded):
    listener = _user("demo-listener")
    _, cards = directory_reads.mentor_directory(viewer=listener, filters=DirectoryFilters())
    assert cards
    assert all(_adult(card.user) for card in cards)
    assert cards[0].state == "accepting"
    english = [c for c in cards if any(lang.code == "en" for lang in c.languages)]
    topics = set(listener.profile.topics.values_list("pk", flat=True))
    assert any(topics & {t.pk for t in c.specialties} for c in english)
    _, accepting = directory_reads.mentor_directory(
        viewer=listener, filters=DirectoryFilters(accepting=True, overlap=True)
    )
    assert accepting
    mentor = next(c.user for c in accepting if c.user.username != "demo-mentor")
    request = requests.request_mentors(mentee=listener, mentors=[mentor], goal="Hello!").obj
    assert request.targets.get().status == TargetStatus.PENDING
    _, teen_cards = directory_reads.mentor_directory(
        viewer=_user("demo-teen-listener"), filters=DirectoryFilters()
    )
    assert teen_cards
    assert not any(_adult(card.user) for card in teen_cards)


def _snapshot():
    return (
        sorted(
            Mentorship.objects.values_list(
                "mentor__username",
                "mentee__username",
                "status",
                "source",
                "score",
                "started_at",
                "end_reason",
            )
        ),
        sorted(
            RequestTarget.objects.values_list(
                "mentee__username", "mentor__username", "rank", "status", "sent_at"
            )
        ),
        sorted(MentorProfile.objects.values_list("user__username", "capacity", "approach")),
        sorted(Message.objects.values_list("sender__username", "created_at", "body")),
        Conversation.objects.count(),
    )


def test_the_seeded_run_is_what_the_matching_rules_produce(seeded):
    # given the auto-pairing run that published the proposals waiting for mentors
    run = MatchRun.objects.get()
    at = run.created_at
    proposals = list(run.proposals.select_related("mentorship"))
    # then every proposal is one of its pairs, published at the run, and shares a language
    assert proposals
    assert run.n_proposals == len(proposals)
    for p in proposals:
        assert p.mentorship is not None
        assert p.mentorship.created_at == at
        assert p.mentorship.status == MentorshipStatus.PROPOSED
        assert common_reads.share_a_language(p.mentee_id, p.mentor_id)
    # nobody the demo ever paired by matching (nor by request, nor asked) lacks a common
    # language with their mentor
    pairs = [
        *Mentorship.objects.values_list("mentee_id", "mentor_id", "source"),
        *RequestTarget.objects.values_list("request__mentee_id", "mentor_id", "status"),
    ]
    assert any(source == MentorshipSource.MATCHING for _, _, source in pairs)
    for mentee_id, mentor_id, what in pairs:
        assert common_reads.share_a_language(mentee_id, mentor_id), (mentee_id, mentor_id, what)

    # and its pool is counted as run_matching counts it, over the world just before it:
    # mentors with room only (not full, not paused), listeners without a current mentorship
    def current(qs):
        return qs.filter(created_at__lt=at).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))

    mentors = common_reads.mentors(at).filter(date_joined__lte=at).select_related("mentor_profile")
    room = [
        m.mentor_profile.capacity > current(Mentorship.objects.filter(mentor=m)).count()
        for m in mentors
    ]
    assert run.n_mentors == sum(room)
    assert 0 < run.n_mentors < len(room)  # some are full or paused
    waiting = (
        User.objects.filter(
            is_active=True,
            account_type=AccountType.LISTENER,
            teen_from__lte=at,
            date_joined__lte=at,
        )
        .not_suspended(at)
        .exclude(pk__in=User.objects.with_role(Role.MENTOR).values("pk"))
        .exclude(pk__in=current(Mentorship.objects.all()).values("mentee_id"))
        .exclude(mentee_profile__opted_out_at__lte=at)
    )
    assert run.n_mentees == waiting.count()

    # and the run page says so
    staff = UserFactory.create(roles=[Role.STAFF])
    client = Client()
    client.force_login(staff)
    page = client.get(f"/mentorships/staff/matching/{run.pk}/").content.decode()
    assert f"{run.n_mentees} listeners waiting, {run.n_mentors} mentors with room" in page


def test_same_seed_writes_the_same_mentoring_data(db):
    seed_demo(SIZE, seed=5, anchor=ANCHOR)
    first = _snapshot()
    ActivityEvent.objects.all().delete()
    MatchRun.objects.all().delete()
    User.objects.all().delete()
    assert not Mentorship.objects.exists()
    seed_demo(SIZE, seed=5, anchor=ANCHOR)
    assert _snapshot() == first
    assert first[0]
    assert first[1]


def test_chat_works_through_the_services_on_seeded_data(seeded):
    mentor = _user("demo-mentor")
    m = Mentorship.objects.get(mentor=mentor, status=MentorshipStatus.ACTIVE)
    before = chat_reads.unread_counts(mentor, [m])
    assert before == {m.pk: 1}  # the mentee's last message waits for the demo mentor
    teen = _user("demo-teen-listener")
    teen_m = Mentorship.objects.get(mentee=teen, status=MentorshipStatus.ACTIVE)
    assert chat_reads.unread_counts(teen, [teen_m]) == {teen_m.pk: 1}
    posted = chat.post_message(sender=mentor, mentorship_id=m.pk, body="Hi!")
    assert posted.created
    assert m.messages.order_by("-id").values_list("id", flat=True).first() == posted.message.pk
    assert chat_reads.unread_counts(mentor, [Mentorship.objects.get(pk=m.pk)]) == {}
    # And a chat day with both sides counts once: today only the mentor wrote.
    assert not m.conversations.filter(day=timezone.now().date()).exists()


def test_mentoring_can_be_left_out(db):
    """For benchmarks that compare the people-and-activity load alone."""
    summary = seed_demo(
        Size(users=120, events_per_user=1.0), seed=3, anchor=ANCHOR, mentoring=False
    )
    assert summary.mentorships == 0
    assert not MentorProfile.objects.exists()
    assert not Mentorship.objects.exists()
    assert summary.events == ActivityEvent.objects.count()
