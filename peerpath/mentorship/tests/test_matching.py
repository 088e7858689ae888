"""Matching runs end to end on the database: pools, hard constraints, preview, publish,
discard, the periodic auto-pairing job and "suggested for you"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from peerpath.accounts import services as account_services
from peerpath.accounts.models import Language, Topic, User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.errors import Conflict, Forbidden
from peerpath.mentorship import tasks
from peerpath.mentorship.models import (
    EndReason,
    MatchRunStatus,
    MenteeProfile,
    MentorProfile,
    Mentorship,
    MentorshipSettings,
    MentorshipStatus,
)
from peerpath.mentorship.selectors import directory as directory_reads
from peerpath.mentorship.selectors import matching as matching_reads
from peerpath.mentorship.selectors import proposals as proposal_reads
from peerpath.mentorship.services import matching, proposals, requests
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff():
    return UserFactory.create(roles=[Role.STAFF])


def give(user: User, *, topics=(), languages=("en",), availability: str | None = None) -> User:
    user.profile.topics.set(Topic.objects.filter(slug__in=topics))
    user.profile.languages.set(Language.objects.filter(code__in=languages))
    if availability is not None:
        user.profile.availability = availability
        user.profile.save()
    return user


EVENINGS = ("0" * 18 + "1" * 4 + "0" * 2) * 7


def pairs(run) -> set[tuple[int, int]]:
    return set(run.proposals.values_list("mentee_id", "mentor_id"))


def test_a_run_pairs_within_bands_and_explains_each_pair(staff):
    teen_mentor = make_mentor(teen=True, capacity=2, topics=("anxiety", "school-studies"))
    adult_mentor = make_mentor(capacity=2, topics=("anxiety", "stress"))
    give(teen_mentor, availability=EVENINGS)
    give(adult_mentor, availability=EVENINGS)
    teen = give(make_listener(teen=True), topics=("anxiety",), availability=EVENINGS)
    adult = give(make_listener(), topics=("stress", "anxiety"), availability=EVENINGS)
    member = UserFactory.create()  # not a listener: not mentored
    run = matching.run_matching(actor=staff)
    assert run.status == MatchRunStatus.DRAFT
    assert pairs(run) == {(teen.pk, teen_mentor.pk), (adult.pk, adult_mentor.pk)}
    assert member.pk not in {p for p, _ in pairs(run)}
    assert run.n_mentees == 2  # the mentors themselves are not mentees
    proposal = run.proposals.get(mentee=adult)
    assert 0 < proposal.score <= 100
    text = " · ".join(proposal.explanation)
    assert "English" in text
    assert "anxiety" in text.lower()
    assert Mentorship.objects.count() == 0  # a preview writes no mentorship


def test_constraints_capacity_exclusions_current_and_opted_out(staff):
    mentor = make_mentor(capacity=2)
    busy = make_listener()
    make_mentorship(mentor, busy)  # uses one of the two slots and is already matched
    ended = make_listener()
    make_mentorship(
        mentor,
        ended,
        status=MentorshipStatus.ENDED,
        end_reason=EndReason.REMATCH,
        ended_at=timezone.now(),
    )
    blocked = make_listener()
    account_services.block_user(blocker=blocked, blocked=mentor)
    opted_out = make_listener()
    MenteeProfile.objects.create(user=opted_out, opted_out_at=timezone.now())
    free_a, free_b = make_listener(), make_listener()
    run = matching.run_matching(actor=staff)
    got = pairs(run)
    assert len(got) == 1  # one slot left
    ((mentee_id, mentor_id),) = got
    assert mentor_id == mentor.pk
    assert mentee_id in {free_a.pk, free_b.pk}


def test_no_common_language_is_never_proposed_nor_mailed(staff, mailoutbox):
    # given a Polish-only listener, an English-only mentor with room (a perfect topic and
    # time match) and a mentor full and one paused
    english_mentor = give(
        make_mentor(capacity=2, topics=("anxiety",)), topics=(), availability=EVENINGS
    )
    polish = give(make_listener(), topics=("anxiety",), languages=("pl",), availability=EVENINGS)
    english = give(make_listener(), topics=("anxiety",), availability=EVENINGS)
    full = make_mentor(capacity=1)
    make_mentorship(full, make_listener())
    make_mentor(capacity=0)  # paused
    # when staff run matching
    run = matching.run_matching(actor=staff)
    # then the Polish speaker is not proposed to anyone who cannot talk with them
    assert pairs(run) == {(english.pk, english_mentor.pk)}
    assert polish.pk not in {mentee for mentee, _ in pairs(run)}
    # and "mentors with room" counts the one with free capacity only
    assert run.n_mentors == 1
    matching.publish_run(actor=staff, run_id=run.pk)
    assert not Mentorship.objects.filter(mentee=polish).exists()
    assert not any(polish.email in m.to for m in mailoutbox)


def test_publish_skips_a_pair_who_no_longer_share_a_language(staff):
    mentor = make_mentor(capacity=1)
    listener = make_listener()
    run = matching.run_matching(actor=staff)
    assert pairs(run) == {(listener.pk, mentor.pk)}
    give(listener, languages=("pl",))  # changed between the preview and the publication
    matching.publish_run(actor=staff, run_id=run.pk)
    assert not Mentorship.objects.filter(mentee=listener).exists()
    assert run.proposals.get().skipped_reason == "They no longer share a language."


def test_only_staff_run_publish_or_discard(staff):
    make_mentor()
    make_listener()
    with pytest.raises(Forbidden):
        matching.run_matching(actor=make_listener())
    run = matching.run_matching(actor=staff)
    with pytest.raises(Forbidden):
        matching.publish_run(actor=make_mentor(), run_id=run.pk)
    with pytest.raises(Forbidden):
        matching.discard_run(actor=make_listener(), run_id=run.pk)
    assert matching_reads.run_proposals(run.pk)[0].status == MatchRunStatus.DRAFT


def test_publishing_makes_proposals_the_mentor_accepts(staff):
    mentor = make_mentor(capacity=1)
    mentee = make_listener()
    run = matching.run_matching(actor=staff)
    matching.publish_run(actor=staff, run_id=run.pk)
    m = Mentorship.objects.get()
    assert (m.mentor_id, m.mentee_id, m.status, m.source) == (
        mentor.pk,
        mentee.pk,
        "proposed",
        "matching",
    )
    assert m.explanation
    assert m.proposal_expires_at is not None
    assert m.proposal_expires_at > timezone.now() + dt.timedelta(days=6)
    assert proposal_reads.proposals_for_mentor(mentor).get() == m
    proposals.accept_proposal(mentor=mentor, mentorship_id=m.pk)
    assert Mentorship.objects.get().status == "active"
    with pytest.raises(Conflict):
        matching.publish_run(actor=staff, run_id=run.pk)


def test_the_community_can_make_proposals_start_at_once(staff):
    cfg = MentorshipSettings.load()
    cfg.proposals_need_mentor_acceptance = False
    cfg.save()
    make_mentor()
    make_listener()
    run = matching.run_matching(actor=staff)
    matching.publish_run(actor=staff, run_id=run.pk)
    assert Mentorship.objects.get().status == MentorshipStatus.ACTIVE


def test_discarding_writes_nothing(staff):
    make_mentor()
    make_listener()
    run = matching.run_matching(actor=staff)
    matching.discard_run(actor=staff, run_id=run.pk)
    run.refresh_from_db()
    assert run.status == MatchRunStatus.DISCARDED
    assert Mentorship.objects.count() == 0
    with pytest.raises(Conflict):
        matching.publish_run(actor=staff, run_id=run.pk)


def test_publishing_rechecks_a_world_that_moved(staff):
    mentor = make_mentor(capacity=1)
    mentee = make_listener()
    run = matching.run_matching(actor=staff)
    # meanwhile the mentor filled up through a request from someone else
    other = make_listener()
    request = requests.request_mentors(mentee=other, mentors=[mentor], goal="Hello").obj
    requests.respond_to_request(mentor=mentor, target_id=request.targets.get().pk, accept=True)
    matching.publish_run(actor=staff, run_id=run.pk)
    proposal = run.proposals.get(mentee=mentee)
    assert proposal.mentorship is None
    assert proposal.skipped_reason == "The mentor is full now."
    assert not Mentorship.objects.filter(mentee=mentee).exists()


def test_new_listeners_are_matched_first(staff):
    make_mentor(capacity=1)
    old = make_listener()
    User.objects.filter(pk=old.pk).update(date_joined=timezone.now() - dt.timedelta(days=200))
    new = make_listener()
    run = matching.run_matching(actor=staff)
    assert {m for m, _ in pairs(run)} == {new.pk}


def test_min_score_is_respected(staff):
    cfg = MentorshipSettings.load()
    cfg.min_score = 99.0
    cfg.save()
    make_mentor()
    make_listener()
    assert matching.run_matching(actor=staff).n_proposals == 0


def test_the_periodic_job_publishes_and_respects_the_switch():
    mentor = make_mentor()
    mentee = make_listener()
    cfg = MentorshipSettings.load()
    cfg.auto_pairing_enabled = False
    cfg.save()
    tasks.auto_pair.call_local()
    assert not Mentorship.objects.exists()
    cfg.auto_pairing_enabled = True
    cfg.save()
    tasks.auto_pair.call_local()
    m = Mentorship.objects.get()
    assert (m.mentor_id, m.mentee_id, m.status) == (mentor.pk, mentee.pk, "proposed")
    # nothing left to pair: the next run is discarded, not published
    run = matching.auto_pair()
    assert run is not None
    assert run.status == MatchRunStatus.DISCARDED


def test_suggestions_stay_in_the_band_and_skip_full_mentors():
    adult = give(make_listener(), topics=("grief-loss",))
    good = make_mentor(topics=("grief-loss",))
    plain = make_mentor()
    full = make_mentor(capacity=1, topics=("grief-loss",))
    make_mentorship(full, make_listener())
    make_mentor(teen=True, topics=("grief-loss",))
    got = directory_reads.suggested_mentors(adult, top=5)
    ids = [card.user.pk for card, _, _ in got]
    assert ids[0] == good.pk
    assert set(ids) == {good.pk, plain.pk}
    _card, score, reasons = got[0]
    assert score > 0
    assert any("rief" in r for r in reasons)
    assert directory_reads.suggested_mentors(UserFactory.create()) == []  # members get none


def test_suggestions_never_offer_a_blocked_mentor():
    viewer = make_listener()
    mentor = make_mentor()
    account_services.block_user(blocker=mentor, blocked=viewer)
    assert directory_reads.suggested_mentors(viewer) == []
    assert MentorProfile.objects.filter(pk=mentor.pk).exists()
