"""The demo community's past (peerpath.demo.history): the ladder replayed over the history,
so the seeded world shows every rung, applications, buddies, an obligation, a grace period,
an experiment, and dashboards whose counts match the pages they summarise."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.selectors import activity_counts_for_user
from peerpath.demo import generator
from peerpath.demo.experiment import SLUG
from peerpath.demo.generator import Size
from peerpath.feedback.models import Feedback
from peerpath.mentorship.selectors.common import mentor_load
from peerpath.nudges.models import NudgeRule
from peerpath.nudges.selectors import experiment_results
from peerpath.progression.models import (
    Achievement,
    AchievementKind,
    Application,
    ApplicationStatus,
    Audience,
    Award,
    AwardSource,
    AwardState,
    BuddyPair,
)
from peerpath.progression.selectors.applications import applications_to_review
from peerpath.progression.selectors.buddies import BUDDY_CAPACITY, active_counts, buddies_of
from peerpath.progression.selectors.mock_chats import assessments_by, assessments_for
from peerpath.spotlights.models import Spotlight, SpotlightAnswer
from peerpath.spotlights.selectors import request_decision
from peerpath.training.models import Enrollment

DAY = dt.timedelta(days=1)
ANCHOR = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(0), tzinfo=dt.UTC)
# Enough generated listeners of both bands with a year or more behind them for the careers.
SIZE = Size(users=1_000, events_per_user=10.0)


@pytest.fixture
def seeded(db, settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setitem(generator.SIZES, "small", SIZE)
    out = io.StringIO()
    call_command(
        "seed_demo", "--size", "small", "--seed", "2", "--anchor", ANCHOR.date().isoformat(),
        stdout=out,
    )  # fmt: skip
    return out.getvalue()


def _user(username: str) -> User:
    user: User = User.objects.get(username=username)
    return user


def _band(user: User, at: dt.datetime) -> str:
    return "adult" if user.adult_from <= at else "teen"


def test_the_demo_has_a_past(seeded):
    # The demo as seen on its anchor's day: ANCHOR is taken when the module is imported, so a
    # suite that starts before midnight UTC and reaches this test after it would otherwise
    # look at yesterday's demo from tomorrow (more check-ins overdue, say).
    now = min(timezone.now(), ANCHOR + DAY - dt.timedelta(microseconds=1))
    assert "History: ladder evaluated at" in seeded

    # Every rung of the ladder (roles and listener milestones) held in every band where it
    # exists, Mentor Leaders and Ambassadors included.
    held: dict[str, set[str]] = {}
    for award in Award.objects.filter(state=AwardState.ACTIVE).select_related(
        "achievement", "user"
    ):
        held.setdefault(award.achievement.slug, set()).add(_band(award.user, now))
    rungs = Achievement.objects.filter(
        active=True, kind__in=[AchievementKind.ROLE, AchievementKind.MILESTONE]
    )
    for rung in rungs:
        only: dict[str, set[str]] = {Audience.ADULTS: {"adult"}, Audience.TEENS: {"teen"}}
        bands = only.get(rung.audience, {"adult", "teen"})
        assert bands <= held.get(rung.slug, set()), rung.slug

    # Awards carry the dates their activity earned them: tenures are not all zero.
    ambassador = _user("demo-ambassador")
    dates: dict[str, dt.datetime] = {
        a.achievement.slug: a.granted_at
        for a in Award.objects.filter(user=ambassador, state=AwardState.ACTIVE).select_related(
            "achievement"
        )
    }
    assert dates["ambassador"] - dates["mentor-leader"] >= dt.timedelta(days=90)
    assert dates["mentor-leader"] - dates["group-support-mentor"] >= dt.timedelta(days=90)
    assert now - dates["ambassador"] >= dt.timedelta(days=7)
    assert Award.objects.filter(granted_at__lte=ANCHOR - dt.timedelta(days=180)).exists()
    moderator = _user("demo-moderator")
    assert {"Moderator"} <= moderator.role_names  # kept in step by the ladder
    assert {"Ambassador"} <= ambassador.role_names
    # Her Global Mod training shows at /training/ too, completed in a cohort.
    assert Enrollment.objects.filter(
        user=ambassador, program__training__slug="global-mod", completed_at__isnull=False
    ).exists()
    approved = Award.objects.filter(source=AwardSource.APPLICATION)
    assert approved.count() >= 8

    # Pending applications wait in the review queue.
    staff = _user("demo-staff")
    pending = applications_to_review(staff)
    assert pending.count() >= 2
    assert Application.objects.filter(
        user=moderator, status=ApplicationStatus.PENDING, achievement__slug="group-support-mentor"
    ).exists()

    # Buddy pairs, made by the buddy job day by day: as of now, some checked in, one or
    # two overdue, several due in the coming days; nobody over capacity.
    pairs = BuddyPair.objects.filter(status=BuddyPair.Status.ACTIVE)
    open_pairs = pairs.filter(checked_in_at__isnull=True)
    assert pairs.filter(checked_in_at__isnull=False).count() >= 3
    assert 1 <= open_pairs.filter(check_in_due__lte=now).count() <= 2
    ahead = open_pairs.filter(check_in_due__gt=now, check_in_due__lte=now + 14 * DAY)
    assert ahead.count() >= 3
    assert ahead.filter(check_in_due__lte=now + 7 * DAY).exists()
    load = active_counts(set(pairs.values_list("buddy_id", flat=True)))
    assert all(n <= BUDDY_CAPACITY for n in load.values())
    for pair in pairs.select_related("newcomer", "buddy"):
        assert _band(pair.newcomer, now) == _band(pair.buddy, now)
        assert pair.created_at < pair.check_in_due
        if pair.checked_in_at is not None:
            assert pair.created_at < pair.checked_in_at <= pair.check_in_due
    assert buddies_of(moderator)

    # A Group Support Mentor owes Global Mod training next week: due within 7 days of the
    # seed, and their /path/ says so.
    owed = Award.objects.filter(
        achievement__slug="group-support-mentor",
        state=AwardState.ACTIVE,
        obligation_due__gt=now,
        obligation_due__lte=now + 7 * DAY,
    ).select_related("user")
    assert owed.count() == 1
    award = owed[0]
    assert award.obligation_due is not None
    client = Client()
    client.force_login(award.user)
    page = client.get("/path/").content.decode()
    due = timezone.localtime(award.obligation_due, award.user.tzinfo)
    obligations = page[page.index('id="obligations"') :]
    assert (
        f"Global Mod training by {due:%-d %B %Y}" in obligations[: obligations.index("</section>")]
    )

    # Someone is in a grace period (below the low-water mark, not lapsed yet).
    grace = Award.objects.filter(state=AwardState.ACTIVE, below_since__isnull=False)
    assert grace.exists()
    for g in grace.select_related("achievement"):
        assert g.below_since is not None
        assert g.below_since + dt.timedelta(days=g.achievement.grace_days) > now

    # An experiment with enough data for a verdict: an uplift and its interval.
    results = experiment_results(NudgeRule.objects.get(slug=SLUG), now)
    assert results is not None
    assert all(arm.n >= results.min_sample for arm in results.arms)
    (comparison,) = results.comparisons
    assert comparison.low is not None
    assert comparison.high is not None
    assert comparison.low < comparison.uplift < comparison.high
    assert comparison.uplift > 0


def test_spotlights_and_dashboards_agree_with_their_pages(seeded):
    # Spotlights: distinct interviews, and mentors with room (the call to action works).
    answers = list(SpotlightAnswer.objects.values_list("answer", flat=True))
    assert answers
    assert len(answers) == len(set(answers))
    listener = _user("demo-listener")
    adult_spotlights = Spotlight.objects.filter(band="adult").select_related("mentor")
    assert adult_spotlights.exists()
    for spotlight in adult_spotlights:
        profile = spotlight.mentor.mentor_profile
        assert mentor_load(spotlight.mentor_id) < profile.capacity
        assert request_decision(listener, spotlight.mentor), spotlight.mentor.username

    # Dashboards: counts of record-backed activity match their pages for every demo login.
    for login in generator.DEMO_LOGINS:
        user = _user(login.username)
        counts = {kind.value: n for kind, n in activity_counts_for_user(user).items()}
        passed = assessments_for(user).filter(passed=True).count()
        assert counts.get(ActivityKind.MOCK_CHAT_PASSED, 0) == passed, login.username
        # a response is a review once released (what /feedback/ shows), never before
        released = Feedback.objects.released().filter(listener=user)
        positive = released.filter(rating__gte=4).count()
        negative = released.filter(rating__lte=2).count()
        assert counts.get(ActivityKind.REVIEW_POSITIVE, 0) == positive, login.username
        assert counts.get(ActivityKind.REVIEW_NEGATIVE, 0) == negative, login.username
        unbacked = ActivityEvent.objects.filter(
            user=user,
            kind__in=[k.value for k in generator.RECORD_BACKED_KINDS],
            ref_type="",
        )
        assert not unbacked.exists(), login.username
    # demo-listener passed a mock chat with demo-mentor; five responses were released
    # together months ago (their reviews), three wait for two more.
    assert assessments_for(listener).filter(passed=True).count() == 1
    assert assessments_by(_user("demo-mentor")).filter(listener=listener).exists()
    released = Feedback.objects.released().filter(listener=listener)
    assert released.count() == 5
    assert {f.released_at for f in released} == {max(f.created_at for f in released)}
    assert max(f.created_at for f in released) < ANCHOR - dt.timedelta(days=120)
    assert Feedback.objects.waiting().filter(listener=listener).count() == 3
    assert (
        Award.objects.filter(
            Q(achievement__slug="listener-level-1") | Q(achievement__slug="room-supporter"),
            user=listener,
            state=AwardState.ACTIVE,
            granted_at__lt=ANCHOR - dt.timedelta(days=30),
        ).count()
        == 2
    )
