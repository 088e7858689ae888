"""seed_demo: deterministic, realistic, safe to re-run, and refuses outside development."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import numpy as np
import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from peerpath.accounts.ageband import ADULT_AGE, MIN_AGE, AgeBand, turns_age_at
from peerpath.accounts.models import AccountType, Profile, User
from peerpath.accounts.roles import Role
from peerpath.accounts.validators import PseudonymValidator, validate_availability
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.core import bulk
from peerpath.demo import generator
from peerpath.demo.generator import DEMO_LOGINS, DEMO_PASSWORD, Size, seed_demo
from peerpath.progression.models import Award, AwardLog, AwardSource, AwardState
from peerpath.progression.tests.helpers import PATH, item_html

# Today's midnight, like the command: a fixed date would age the demo teens out of their
# band as the years pass. Determinism only needs both runs to share the anchor.
ANCHOR = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(0), tzinfo=dt.UTC)
TINY = Size(users=300, events_per_user=6.0)


@pytest.fixture(autouse=True)
def _development(settings):
    """Django's test runner turns DEBUG off; seed_demo is a development command."""
    settings.DEBUG = True


def _clear() -> None:
    ActivityEvent.objects.all().delete()
    User.objects.all().delete()


def _snapshot():
    users = list(
        User.objects.order_by("username").values_list(
            "username",
            "email",
            "date_of_birth",
            "timezone",
            "account_type",
            "teen_from",
            "adult_from",
            "profile__display_name",
            "profile__availability",
        )
    )
    events = list(
        ActivityEvent.objects.order_by("user__username", "occurred_at", "kind").values_list(
            "user__username", "kind", "occurred_at"
        )
    )
    return users, events


@pytest.fixture
def seeded(db):
    return seed_demo(TINY, seed=7, anchor=ANCHOR)


def test_same_seed_and_anchor_write_identical_rows(db):
    seed_demo(TINY, seed=7, anchor=ANCHOR)
    first = _snapshot()
    _clear()
    seed_demo(TINY, seed=7, anchor=ANCHOR)
    assert _snapshot() == first
    assert len(first[0]) == TINY.users
    assert len(first[1]) > TINY.users


def test_generated_chunks_are_deterministic_and_seed_dependent(db):
    def draw(seed: int) -> tuple[list[str], list[int], list[tuple[int, str, int]]]:
        plan = generator.make_plan(TINY, seed=seed, anchor=ANCHOR)
        (chunk,) = generator.generate_community(plan, first_id=1, taken=set())
        return chunk.usernames, chunk.dob_days.tolist(), chunk.events.tuples()

    assert draw(3) == draw(3)
    assert draw(3)[0] != draw(4)[0]


def test_proportions_are_realistic(seeded):
    people = User.objects.exclude(username__startswith="demo-")
    total = people.count()
    teens = people.teens(at=ANCHOR).count()
    listeners = people.listeners().count()
    assert 0.18 < teens / total < 0.32
    assert 0.32 < listeners / total < 0.48
    assert people.in_age_band(AgeBand.CHILD, at=timezone.now()).count() == 0
    mentors = User.objects.filter(groups__name=Role.MENTOR)
    assert not mentors.filter(account_type=AccountType.MEMBER).exists()
    assert seeded.users == User.objects.count() == TINY.users
    assert seeded.events == ActivityEvent.objects.count()
    assert seeded.teens == User.objects.teens(at=ANCHOR).count()


def test_thresholds_match_the_account_service_rule(seeded):
    sample = User.objects.order_by("?")[:120]
    for user in sample:
        tz = zoneinfo.ZoneInfo(user.timezone)
        assert user.teen_from == turns_age_at(user.date_of_birth, MIN_AGE, tz), user.username
        assert user.adult_from == turns_age_at(user.date_of_birth, ADULT_AGE, tz), user.username


def test_thresholds_in_awkward_zones_match(db):
    """Zones whose DST change skips midnight or with odd offsets, over many birthdays."""
    days = np.arange(-9000, 12000, 37, dtype=np.int64)
    for zone in ("America/Santiago", "America/Havana", "Asia/Beirut", "Asia/Kathmandu"):
        idx = np.full(len(days), generator.ZONE_NAMES.index(zone))
        teen, adult = generator._thresholds(days, idx)
        for day, t, a in zip(days.tolist(), teen.tolist(), adult.tolist(), strict=True):
            born = generator.EPOCH_DATE + dt.timedelta(days=day)
            expected = generator.birth_thresholds(born, zone)
            assert (t, a) == (int(expected[0].timestamp()), int(expected[1].timestamp()))


def test_demo_logins_have_their_bands_roles_and_password(seeded):
    now = timezone.now()
    for login in DEMO_LOGINS:
        user = authenticate(username=login.username, password=DEMO_PASSWORD)
        assert user is not None, login.username
        assert user.age_band_at(now) is (AgeBand.TEEN if login.teen else AgeBand.ADULT)
        assert user.account_type == login.account_type
        # Granted roles, plus the staff groups of ladder roles earned in the history
        # (demo-moderator's Moderator, demo-ambassador's Ambassador).
        assert {role.value for role in login.roles} <= user.role_names
        assert user.profile.languages.filter(code="en").exists()
        assert user.profile.topics.exists()
        assert "1" in user.profile.availability
        assert user.activity_events.exists(), login.username
    staff = User.objects.get(username="demo-staff")
    assert staff.is_staff
    assert staff.is_superuser
    mentor = User.objects.get(username="demo-teen-mentor")
    assert mentor.is_teen
    assert mentor.has_role(Role.MENTOR)
    # One hash, shared: the nine rows carry the same password string.
    hashes = set(User.objects.filter(username__startswith="demo-").values_list("password"))
    assert len(hashes) == 1


def test_generated_people_cannot_log_in(seeded):
    person = User.objects.exclude(username__startswith="demo-").first()
    assert person is not None
    assert not person.has_usable_password()
    assert authenticate(username=person.username, password="") is None


def test_every_row_is_valid(seeded):
    validate = PseudonymValidator()
    usernames = list(User.objects.values_list("username", flat=True))
    for name in usernames:
        validate(name)
        assert name == name.lower()
    assert len({n.lower() for n in usernames}) == len(usernames)
    emails = [e for e in User.objects.values_list("email", flat=True) if e]
    assert len(set(emails)) == len(emails)
    for availability in Profile.objects.values_list("availability", flat=True):
        validate_availability(availability)
    assert Profile.objects.count() == User.objects.count()
    connection.check_constraints()  # no dangling foreign key anywhere


def test_no_event_in_the_future_or_before_joining(seeded):
    assert not ActivityEvent.objects.filter(occurred_at__gte=ANCHOR).exists()
    assert not ActivityEvent.objects.filter(occurred_at__gt=timezone.now()).exists()
    assert not User.objects.filter(date_joined__gt=timezone.now()).exists()
    kinds = set(ActivityEvent.objects.values_list("kind", flat=True).distinct())
    assert kinds <= set(ActivityKind.values)
    for event in ActivityEvent.objects.select_related("user").order_by("?")[:200]:
        assert event.occurred_at >= event.user.date_joined
        assert event.occurred_at >= ANCHOR - dt.timedelta(days=365)
        # Nobody joined before turning 13.
        assert event.user.date_joined >= event.user.teen_from


def test_listeners_chat_more_than_members(seeded):
    def share(queryset, kind: ActivityKind) -> float:
        total = queryset.count()
        return float(queryset.filter(kind=kind).count() / total)

    listeners = ActivityEvent.objects.filter(user__account_type=AccountType.LISTENER)
    members = ActivityEvent.objects.filter(user__account_type=AccountType.MEMBER)
    assert share(listeners, ActivityKind.REVIEW_POSITIVE) > share(
        members, ActivityKind.REVIEW_POSITIVE
    )
    assert share(listeners, ActivityKind.ONE_TO_ONE_CHAT) > share(
        members, ActivityKind.ONE_TO_ONE_CHAT
    )
    assert listeners.count() / User.objects.listeners().count() > (
        members.count() / User.objects.members().count()
    )


def test_command_small_then_if_empty_is_idempotent(db, monkeypatch):
    monkeypatch.setitem(generator.SIZES, "small", TINY)
    out = io.StringIO()
    call_command("seed_demo", "--size", "small", "--seed", "1", stdout=out)
    assert "users=300" in out.getvalue()
    counts = (User.objects.count(), ActivityEvent.objects.count())
    out = io.StringIO()
    call_command("seed_demo", "--size", "small", "--seed", "1", "--if-empty", stdout=out)
    assert "already exists" in out.getvalue()
    assert (User.objects.count(), ActivityEvent.objects.count()) == counts
    with pytest.raises(CommandError, match="--if-empty"):
        call_command("seed_demo", "--size", "small", "--seed", "1", stdout=io.StringIO())


def test_command_refuses_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", "--size", "small", stdout=io.StringIO())
    assert not User.objects.exists()


def test_force_with_debug_off_builds_the_same_demo_logins(db, settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setitem(generator.SIZES, "small", Size(users=40, events_per_user=2.0))
    call_command("seed_demo", "--size", "small", "--force", stdout=io.StringIO())
    assert User.objects.count() == 40
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        teen_from, adult_from = generator.birth_thresholds(user.date_of_birth, user.timezone)
        assert (user.teen_from, user.adult_from) == (teen_from, adult_from)
        assert user.check_password(DEMO_PASSWORD)
        # Granted roles, plus the staff groups of ladder roles earned in the history
        # (demo-moderator's Moderator, demo-ambassador's Ambassador).
        assert {role.value for role in login.roles} <= user.role_names


def test_datetime_text_matches_what_django_stores():
    rng = np.random.default_rng(5)
    epochs = np.concatenate(
        [rng.integers(-2_000_000_000, 4_000_000_000, 2000), [0, -1, 86_399, 86_400]]
    ).astype(np.int64)
    expected = [
        str(dt.datetime.fromtimestamp(v, dt.UTC).replace(tzinfo=None)) for v in epochs.tolist()
    ]
    assert bulk.datetime_strings(epochs) == expected
    assert bulk.datetime_strings(epochs[:3], "+00:00") == [f"{text}+00:00" for text in expected[:3]]
    # Outside the lookup tables' range the slow path gives the same text.
    far = np.array([-4_000_000_000, 5_000_000_000], dtype=np.int64)
    assert bulk.datetime_strings(far) == [
        str(dt.datetime.fromtimestamp(v, dt.UTC).replace(tzinfo=None)) for v in far.tolist()
    ]


def _index_sql() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
        return set(cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite bulk-load path")
@pytest.mark.django_db(transaction=True)
def test_bulk_load_outside_a_transaction_restores_indexes_and_pragmas(monkeypatch):
    """The real command path: no surrounding transaction, so (for a large seed) indexes are
    dropped and rebuilt, foreign keys are off during the load and checked afterwards."""
    monkeypatch.setattr(generator, "DEFER_INDEXES_FROM_USERS", 100)
    before = _index_sql()
    assert "activity_kind_time" in {name for name, _ in before}
    seen_during: list[set[str]] = []
    real_write = generator.BulkWriter.write_chunk

    def spy(self, chunk):
        seen_during.append({name for name, _ in _index_sql()})
        return real_write(self, chunk)

    monkeypatch.setattr(generator.BulkWriter, "write_chunk", spy)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        synchronous = cursor.fetchone()[0]
    summary = seed_demo(Size(users=120, events_per_user=3.0), seed=2, anchor=ANCHOR)
    assert summary.users == User.objects.count() == 120
    assert seen_during
    assert all("activity_kind_time" not in names for names in seen_during)
    assert _index_sql() == before
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == synchronous
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
    connection.check_constraints()


def test_generated_moderators_and_ambassadors_hold_dated_ladder_awards(db, monkeypatch, client):
    # given: more of them than the realistic shares give a tiny community (same draws)
    monkeypatch.setattr(generator, "MODERATOR_SHARE_OF_ADULT_LISTENERS", 0.3)
    monkeypatch.setattr(generator, "AMBASSADOR_SHARE_OF_ADULT_LISTENERS", 0.3)
    # when
    seed_demo(TINY, seed=7, anchor=ANCHOR, mentoring=False)
    # then: every holder of a ladder role holds its award, from a day before the anchor,
    # appointed by demo-staff (the group and the award are one thing)
    staff = User.objects.get(username="demo-staff")
    for role, slug in ((Role.MODERATOR, "chatroom-moderator"), (Role.AMBASSADOR, "ambassador")):
        holders = {u.pk: u for u in User.objects.with_role(role)}
        assert len(holders) >= 2, role
        awards = Award.objects.filter(achievement__slug=slug, state=AwardState.ACTIVE)
        assert {a.user_id for a in awards} == set(holders), role
        for award in awards:
            person = holders[award.user_id]
            assert award.source == AwardSource.STAFF
            assert person.date_joined < award.granted_at < ANCHOR
            assert person.adult_from < award.granted_at
            log = AwardLog.objects.get(user=person, achievement=award.achievement)
            assert (log.actor, log.at) == (staff, award.granted_at)
    assert len({a.granted_at.date() for a in Award.objects.all()}) > 1  # their own days
    # and /path/ shows a generated moderator the role held, since the day of the grant
    moderator = Award.objects.filter(achievement__slug="chatroom-moderator").first()
    assert moderator is not None
    client.force_login(moderator.user)
    card = item_html(client.get(PATH), "chatroom-moderator")
    assert 'data-testid="status">Held' in card
    assert 'data-testid="status">Not yet' not in card


def test_the_demo_keeps_mentors_with_room_until_staff_run_matching(seeded):
    """A scheduled auto-pairing run would fill every mentor with room within hours of
    `make demo`; the demo seeds it off and the periodic job then leaves the mentors free."""
    from peerpath.mentorship.models import MentorshipSettings
    from peerpath.mentorship.services import matching

    assert MentorshipSettings.load().auto_pairing_enabled is False
    assert matching.auto_pair() is None
