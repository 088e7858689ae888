"""The batch against a real database: grants, lapses, obligations with time travel,
idempotency, the audit log, incremental runs, certificates and staff groups."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityKind
from peerpath.progression.models import (
    Award,
    AwardLog,
    AwardSource,
    Certificate,
    EvaluationRun,
    Training,
)
from peerpath.progression.selectors.awards import badge_shelf, held_slugs, path_for
from peerpath.progression.services import batch, obligations
from peerpath.progression.services.achievements import update_achievement
from peerpath.progression.services.awards import (
    grant_award,
    record_training_completed,
    revoke_award,
)
from peerpath.progression.tests.helpers import (
    achievement,
    add_events,
    award_of,
    make_person,
    state_of,
)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def now() -> dt.datetime:
    """ "Now" for the batch, 60 days in the past so tests can travel forward in time while
    recording activity (which may never be in the real future)."""
    return timezone.now().replace(microsecond=0) - 60 * DAY


@pytest.mark.parametrize(
    ("days", "chats", "supporter"), [(28, 2, True), (27.99, 2, False), (28, 1, False)]
)
def test_room_supporter_for_a_listener_needs_four_weeks_and_two_group_chats(
    now: dt.datetime, days: float, chats: int, supporter: bool
) -> None:
    person = make_person(days_ago=days, at=now)
    add_events(person, ActivityKind.GROUP_CHAT, chats, at=now - DAY / 2)
    batch.run(now=now)
    assert (state_of(person, "room-supporter") == "active") is supporter
    assert (state_of(person, "newbie") == "active") is (days < 28)


def test_newbie_badge_lapses_at_four_weeks_and_room_supporter_follows(now: dt.datetime) -> None:
    person = make_person(days_ago=20, at=now)
    add_events(person, ActivityKind.GROUP_CHAT, 2, at=now - DAY)
    batch.run(now=now)
    assert state_of(person, "newbie") == "active"
    assert state_of(person, "room-supporter") is None
    batch.run(now=now + 8 * DAY, incremental=True)  # exactly 28 days as a listener
    assert state_of(person, "newbie") == "lapsed"
    assert state_of(person, "room-supporter") == "active"
    log = AwardLog.objects.get(user=person, achievement__slug="room-supporter")
    assert log.action == "granted"
    assert "2/2 group chats" in log.reasons
    assert "not holds Newbie" in log.reasons
    # only what was met follows "Met:": not the member route a listener did not take
    assert "member account" not in log.reasons
    assert "days as a member" not in log.reasons


def test_members_follow_the_member_branch(now: dt.datetime) -> None:
    member = make_person(listener=False, days_ago=40, at=now)
    add_events(member, ActivityKind.GROUP_CHAT, 4, at=now - DAY)
    batch.run(now=now)
    assert state_of(member, "room-supporter") is None
    add_events(member, ActivityKind.GROUP_CHAT, 1, at=now - DAY)
    batch.run(now=now + DAY / 24, incremental=True)
    assert state_of(member, "room-supporter") == "active"
    assert state_of(member, "newbie") is None  # members never wear it


def test_count_badges_keep_lower_tiers(now: dt.datetime) -> None:
    person = make_person(days_ago=60, at=now)
    add_events(person, ActivityKind.GROUP_CHAT, 10, at=now - DAY)
    batch.run(now=now)
    held = held_slugs(person)
    assert {"group-chats-1", "group-chats-5", "group-chats-10"} <= held
    assert "group-chats-20" not in held
    shelf, _ = badge_shelf(person)
    group = next(s for s in shelf if s.slug == "group-chats")
    assert [t.earned for t in group.tiers] == [True, True, True, False, False, False]


def test_batch_is_idempotent(now: dt.datetime) -> None:
    people = [make_person(days_ago=40 + i, at=now) for i in range(5)]
    for i, person in enumerate(people):
        add_events(person, ActivityKind.GROUP_CHAT, 3 * i, at=now - DAY)
        add_events(person, ActivityKind.ONE_TO_ONE_CHAT, 12 * i, at=now - DAY)
        add_events(person, ActivityKind.REVIEW_POSITIVE, 2 * i, at=now - DAY)
    first = batch.run(now=now)
    assert first.changes > 0
    awards = sorted(Award.objects.values_list("user_id", "achievement_id", "state", "granted_at"))
    logs = AwardLog.objects.count()
    certs = Certificate.objects.count()
    second = batch.run(now=now)
    third = batch.run(now=now + DAY / 24, incremental=True)
    assert second.changes == 0
    assert third.changes == 0
    assert (
        sorted(Award.objects.values_list("user_id", "achievement_id", "state", "granted_at"))
        == awards
    )
    assert AwardLog.objects.count() == logs
    assert Certificate.objects.count() == certs
    assert certs == Award.objects.filter(achievement__certificate=True).count() > 0


def test_incremental_run_picks_up_new_activity_only(now: dt.datetime) -> None:
    quiet = make_person(days_ago=60, at=now)
    busy = make_person(days_ago=60, at=now)
    batch.run(now=now)
    add_events(busy, ActivityKind.GROUP_CHAT, 5, at=now)
    summary = batch.run(now=now + DAY / 24, incremental=True)
    assert summary.mode == "incremental"
    assert summary.users == 1
    assert state_of(busy, "group-chats-5") == "active"
    assert state_of(quiet, "group-chats-1") is None


def test_a_rule_change_makes_the_next_run_full(now: dt.datetime, world) -> None:
    make_person(days_ago=60, at=now)
    batch.run(now=now)
    rs = achievement("verified-listener")
    update_achievement(
        achievement=rs,
        changes={
            "criteria": {"all": [{"account": "listener"}, {"count": "one_to_one_chat", "min": 1}]}
        },
        actor=world.staff,
    )
    assert batch.run(now=now + DAY / 24, incremental=True).mode == "full"


def test_hysteresis_and_grace_in_the_database(now: dt.datetime) -> None:
    """Listener Level 4 needs 15 one-to-one chats in the last 30 days (and more)."""
    person = make_person(days_ago=400, at=now)
    for slug in ("listener-level-1", "listener-level-2", "listener-level-3"):
        grant_award(
            user=person,
            achievement=achievement(slug),
            source=AwardSource.STAFF,
            reasons="setup",
            at=now - 100 * DAY,
        )
    add_events(person, ActivityKind.ONE_TO_ONE_CHAT, 285, at=now - 200 * DAY)
    add_events(person, ActivityKind.ONE_TO_ONE_CHAT, 15, at=now - 10 * DAY)
    batch.run(now=now)
    assert state_of(person, "listener-level-4") == "active"
    # 21 days later the 15 recent chats have left the window: 0 < ceil(15 * 0.9) = 14.
    batch.run(now=now + 21 * DAY, incremental=True)
    award = award_of(person, "listener-level-4")
    assert award is not None
    assert award.state == "active"
    assert award.below_since == now + 21 * DAY
    batch.run(now=now + 34 * DAY, incremental=True)  # 13 days of grace
    assert state_of(person, "listener-level-4") == "active"
    batch.run(now=now + 35 * DAY, incremental=True)  # 14 days: lapsed
    assert state_of(person, "listener-level-4") == "lapsed"
    actions = list(
        AwardLog.objects.filter(user=person, achievement__slug="listener-level-4")
        .order_by("at")
        .values_list("action", flat=True)
    )
    assert actions == ["granted", "below_low_water", "lapsed"]
    lapsed = AwardLog.objects.get(
        user=person, achievement__slug="listener-level-4", action="lapsed"
    )
    assert "0/15 one-to-one chats in 30 days" in lapsed.reasons
    # the stored reason is whole, and names what fell short (not what still holds)
    below = AwardLog.objects.get(
        user=person, achievement__slug="listener-level-4", action="below_low_water"
    )
    assert below.reasons == "Below the low-water mark: 0/15 one-to-one chats in 30 days"


def _group_support_mentor(now: dt.datetime, *, granted_days_ago: float) -> tuple[Any, Any]:
    person = make_person(days_ago=300, at=now)
    gsm = achievement("group-support-mentor")
    award = grant_award(
        user=person,
        achievement=gsm,
        source=AwardSource.APPLICATION,
        reasons="approved",
        at=now - granted_days_ago * DAY,
    )
    return person, award


@pytest.mark.parametrize(
    ("day", "state"), [(13, "active"), (14, "pending_training"), (15, "pending_training")]
)
def test_global_mod_obligation_time_travel(now: dt.datetime, day: int, state: str) -> None:
    person, award = _group_support_mentor(now, granted_days_ago=0)
    assert award.obligation_due == now + 14 * DAY
    batch.run(now=now + day * DAY)
    assert state_of(person, "group-support-mentor") == state
    path = path_for(person, now=now + day * DAY)
    item = path.item("group-support-mentor")
    assert item is not None
    assert item.pending_training is (state == "pending_training")


def test_paused_role_returns_after_the_training(now: dt.datetime) -> None:
    mail.outbox.clear()
    person, _ = _group_support_mentor(now, granted_days_ago=0)
    batch.run(now=now + 15 * DAY)
    assert state_of(person, "group-support-mentor") == "pending_training"
    record_training_completed(
        user=person, training=Training.objects.get(slug="global-mod"), at=now + 15 * DAY
    )
    batch.run(now=now + 15 * DAY + DAY / 24, incremental=True)
    award = award_of(person, "group-support-mentor")
    assert award is not None
    assert award.state == "active"
    assert award.obligation_due is None
    assert award.granted_at == now  # the tenure is kept
    actions = list(
        AwardLog.objects.filter(user=person, achievement__slug="group-support-mentor")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == ["granted", "pending_training", "restored"]


def test_training_done_in_time_meets_the_obligation(now: dt.datetime) -> None:
    person, _ = _group_support_mentor(now, granted_days_ago=0)
    record_training_completed(
        user=person, training=Training.objects.get(slug="global-mod"), at=now + 13 * DAY
    )
    batch.run(now=now + 13 * DAY)
    batch.run(now=now + 15 * DAY, incremental=True)
    award = award_of(person, "group-support-mentor")
    assert award is not None
    assert award.state == "active"
    assert award.obligation_due is None
    assert AwardLog.objects.filter(user=person, action="obligation_met").count() == 1


def test_training_already_done_means_no_obligation(now: dt.datetime) -> None:
    person = make_person(days_ago=300, at=now)
    record_training_completed(
        user=person, training=Training.objects.get(slug="global-mod"), at=now - DAY
    )
    award = grant_award(
        user=person,
        achievement=achievement("group-support-mentor"),
        source=AwardSource.STAFF,
        reasons="x",
        at=now,
    )
    assert award.obligation_due is None


def test_reminder_before_the_deadline_is_sent_once(
    now: dt.datetime, django_capture_on_commit_callbacks
) -> None:
    person, _ = _group_support_mentor(now, granted_days_ago=0)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert obligations.send_reminders(now=now + 10 * DAY) == 0
        assert obligations.send_reminders(now=now + 11 * DAY) == 1
        assert obligations.send_reminders(now=now + 12 * DAY) == 0
    assert len(mail.outbox) == 1
    assert "Global Mod training" in mail.outbox[0].body
    assert AwardLog.objects.filter(user=person, action="reminded").count() == 1


def test_ladder_role_keeps_its_staff_group_in_step(now: dt.datetime) -> None:
    """Chatroom Moderator carries the Moderator group; a staff revocation removes it."""
    staff = UserFactory.create(roles=[Role.STAFF])
    person = make_person(days_ago=100, at=now)
    award = grant_award(
        user=person,
        achievement=achievement("chatroom-moderator"),
        source=AwardSource.STAFF,
        reasons="x",
        actor=staff,
    )
    assert person.groups.filter(name="Moderator").exists()
    revoke_award(award=award, actor=staff, reason="Conduct")
    assert not person.groups.filter(name="Moderator").exists()
    assert Certificate.objects.get(award=award).revoked_at is not None
    batch.run(now=now)
    assert state_of(person, "chatroom-moderator") == "revoked"  # never re-granted by the batch


def test_revoked_automatic_award_is_not_regranted(now: dt.datetime, world) -> None:
    person = make_person(days_ago=60, at=now)
    add_events(person, ActivityKind.GROUP_CHAT, 3, at=now - DAY)
    batch.run(now=now)
    award = award_of(person, "room-supporter")
    assert award is not None
    revoke_award(award=award, actor=world.staff, reason="Unkind in rooms")
    batch.run(now=now + DAY)
    assert state_of(person, "room-supporter") == "revoked"


def test_management_command_runs_and_reports(
    now: dt.datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    person = make_person(days_ago=60, at=now)
    add_events(person, ActivityKind.GROUP_CHAT, 1, at=now - DAY)
    call_command("evaluate_ladder", "--user", person.username)
    assert "1 people" in capsys.readouterr().out
    assert EvaluationRun.objects.count() == 1
    with pytest.raises(Exception, match="No such people: nobody-here"):
        call_command("evaluate_ladder", "--user", "nobody-here")


def test_teens_and_adults_have_their_own_bars(now: dt.datetime) -> None:
    teen = make_person(teen=True, days_ago=200, at=now)
    adult = make_person(days_ago=200, at=now)
    for person in (teen, adult):
        grant_award(
            user=person,
            achievement=achievement("chatroom-moderator"),
            source=AwardSource.STAFF,
            reasons="x",
            at=now - 60 * DAY,
        )
        add_events(person, ActivityKind.REVIEW_POSITIVE, 10, at=now - DAY)
        add_events(person, ActivityKind.HELP_GUIDE_COMPLETED, 30, at=now - DAY)
        add_events(person, ActivityKind.GROUP_CHAT, 50, at=now - DAY)
    teen_item = path_for(teen, now=now).item("group-support-mentor")
    adult_item = path_for(adult, now=now).item("group-support-mentor")
    assert teen_item is not None
    assert adult_item is not None
    assert teen_item.eligible
    assert teen_item.name == "Teen Star"
    assert not adult_item.eligible
    assert adult_item.name == "Group Support Mentor"
    assert "50 of 75 group chats" in [line.text for line in adult_item.unmet]
    # Adult-only roles never appear on a teen's path unless held.
    assert path_for(teen, now=now).item("ambassador").in_audience is False  # type: ignore[union-attr]
