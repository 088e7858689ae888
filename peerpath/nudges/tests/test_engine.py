"""The engine against the seeded rules, with time travel: each fires on its day, not the day
before, and never twice; re-runs and rolled-back runs never double-send."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import record_activity
from peerpath.mentorship.models import (
    CheckIn,
    Conversation,
    ConversationKind,
    MentorRequest,
    Mentorship,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.notifications.models import Notification
from peerpath.nudges import engine
from peerpath.nudges.models import NudgeRule, NudgeSend

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def started(m: Mentorship) -> dt.datetime:
    assert m.started_at is not None
    return m.started_at


def rule(slug: str) -> NudgeRule:
    return NudgeRule.objects.get(slug=slug)


def run(slug: str, now: dt.datetime) -> int:
    return engine.run(now=now, rules=[rule(slug)]).sent


def inbox(user, slug: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, source=f"nudge:{slug}"))


def test_every_seeded_rule_is_loaded_and_valid() -> None:
    slugs = set(NudgeRule.objects.filter(seeded=True).values_list("slug", flat=True))
    assert {
        "welcome",
        "mentor-suggestion",
        "checkin-after-chats",
        "checkin-after-days",
        "log-conversations",
        "submit-flags",
        "no-conversation-7d",
        "no-conversation-21d-staff",
        "celebrate-3-conversations",
        "request-pending",
        "obligation-due",
    } <= slugs
    for r in NudgeRule.objects.all():
        r.full_clean()


def test_welcome_fires_once_for_newcomers_only() -> None:
    t0 = timezone.now()
    newcomer = UserFactory.create()
    old = UserFactory.create()
    old.date_joined = t0 - 10 * DAY
    old.save(update_fields=["date_joined"])
    assert run("welcome", t0 - dt.timedelta(minutes=5)) == 0  # before joining
    assert run("welcome", t0 + dt.timedelta(minutes=1)) == 1
    assert run("welcome", t0 + dt.timedelta(hours=2)) == 0  # not twice
    (note,) = inbox(newcomer, "welcome")
    assert note.category == "welcome"
    assert note.url == "/mentors/"
    assert newcomer.username in note.title
    assert "mentor directory" in note.body
    assert inbox(old, "welcome") == []


def test_no_conversation_nudges_the_pair_on_day_7_not_day_6_and_staff_on_day_21() -> None:
    staff = UserFactory.create(roles=[Role.STAFF])
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    t0 = started(m)
    assert run("no-conversation-7d", t0 + 6 * DAY) == 0
    assert run("no-conversation-7d", t0 + 7 * DAY + dt.timedelta(minutes=1)) == 2
    assert run("no-conversation-7d", t0 + 8 * DAY) == 0
    (to_mentee,) = inbox(mentee, "no-conversation-7d")
    assert mentor.username in to_mentee.title  # {other_name}
    assert to_mentee.url == f"/mentorships/{m.pk}/"
    assert run("no-conversation-21d-staff", t0 + 20 * DAY) == 0
    assert run("no-conversation-21d-staff", t0 + 21 * DAY + dt.timedelta(minutes=1)) == 1
    (summary,) = inbox(staff, "no-conversation-21d-staff")
    assert summary.title == "Pairs without a conversation after 21 days: 1"
    # staff cannot open the pair's space: the line links to the staff view of the pair
    assert f"/admin/mentorship/mentorship/{m.pk}/change/" in summary.body
    assert f"/mentorships/{m.pk}/" not in summary.body
    staff_client = Client()
    staff_client.force_login(staff)
    assert staff_client.get(f"/admin/mentorship/mentorship/{m.pk}/change/").status_code == 200
    # the summary itself links to the staff mentorships table, filtered to these pairs (it
    # linked to /mentorships/, a person's own hub)
    assert summary.url == reverse("partners:table") + "?conversations=0"
    table = staff_client.get(summary.url)
    assert table.status_code == 200
    assert table.context["query"].conversations == "0"
    assert run("no-conversation-21d-staff", t0 + 22 * DAY) == 0


def test_a_logged_conversation_stops_the_no_conversation_nudge() -> None:
    m = make_mentorship(make_mentor(), make_listener())
    Conversation.objects.create(
        mentorship=m, kind=ConversationKind.CALL, day=started(m).date(), created_at=started(m)
    )
    assert run("no-conversation-7d", started(m) + 8 * DAY) == 0


def test_match_reminders_on_their_days() -> None:
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    t0 = started(m)
    assert run("log-conversations", t0 + 2 * DAY) == 0
    assert run("log-conversations", t0 + 3 * DAY + dt.timedelta(minutes=1)) == 2
    assert run("log-conversations", t0 + 4 * DAY) == 0
    assert run("submit-flags", t0 + 9 * DAY) == 0
    assert run("submit-flags", t0 + 10 * DAY + dt.timedelta(minutes=1)) == 1
    assert inbox(mentor, "submit-flags")
    assert not inbox(mentee, "submit-flags")


def test_celebration_when_the_third_conversation_is_logged() -> None:
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    t0 = started(m)
    for i in range(2):
        Conversation.objects.create(
            mentorship=m,
            kind=ConversationKind.CALL,
            day=(t0 + i * DAY).date(),
            created_at=t0 + i * DAY,
        )
    assert run("celebrate-3-conversations", t0 + 3 * DAY) == 0
    Conversation.objects.create(
        mentorship=m,
        kind=ConversationKind.CALL,
        day=(t0 + 4 * DAY).date(),
        created_at=t0 + 4 * DAY,
    )
    assert run("celebrate-3-conversations", t0 + 4 * DAY - dt.timedelta(minutes=1)) == 0
    assert run("celebrate-3-conversations", t0 + 4 * DAY + dt.timedelta(minutes=1)) == 2
    assert run("celebrate-3-conversations", t0 + 5 * DAY) == 0
    (note,) = inbox(mentee, "celebrate-3-conversations")
    assert note.title == "3 conversations together!"


def started_days_ago(days: int):
    """A pair that started ``days`` ago (activity can only be recorded in the past)."""
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    m.started_at = timezone.now() - days * DAY
    m.save(update_fields=["started_at"])
    return mentor, mentee, m


def test_check_in_after_ten_chats_then_again_only_after_a_new_check_in() -> None:
    mentor, mentee, m = started_days_ago(30)
    t0 = started(m)
    for i in range(9):
        record_activity(
            user=mentee,
            kind=ActivityKind.ONE_TO_ONE_CHAT,
            occurred_at=t0 + (i + 1) * dt.timedelta(hours=6),
        )
    assert run("checkin-after-chats", t0 + 3 * DAY) == 0  # nine chats
    record_activity(user=mentee, kind=ActivityKind.ONE_TO_ONE_CHAT, occurred_at=t0 + 3 * DAY)
    assert run("checkin-after-chats", t0 + 3 * DAY + dt.timedelta(minutes=1)) == 1
    assert run("checkin-after-chats", t0 + 4 * DAY) == 0
    (note,) = inbox(mentee, "checkin-after-chats")
    assert "10 chats" in note.body
    assert mentor.username in note.title
    # A check-in opens a new window; ten more chats (after the 7-day cooldown) fire again.
    CheckIn.objects.create(mentorship=m, author=mentor, rating=4, created_at=t0 + 5 * DAY)
    for i in range(10):
        record_activity(
            user=mentee,
            kind=ActivityKind.ONE_TO_ONE_CHAT,
            occurred_at=t0 + 5 * DAY + (i + 1) * dt.timedelta(hours=3),
        )
    assert run("checkin-after-chats", t0 + 9 * DAY) == 0  # within the cooldown
    assert run("checkin-after-chats", t0 + 11 * DAY) == 1


def test_check_in_after_fourteen_days_shares_the_cooldown_with_the_chats_rule() -> None:
    _mentor, mentee, m = started_days_ago(30)
    t0 = started(m)
    assert run("checkin-after-days", t0 + 13 * DAY) == 0
    assert run("checkin-after-days", t0 + 14 * DAY + dt.timedelta(minutes=1)) == 1
    assert run("checkin-after-days", t0 + 15 * DAY) == 0
    for i in range(10):
        record_activity(
            user=mentee,
            kind=ActivityKind.ONE_TO_ONE_CHAT,
            occurred_at=t0 + 15 * DAY + i * dt.timedelta(hours=1),
        )
    # Same group, within 7 days of the last check-in nudge: the chats rule waits.
    assert run("checkin-after-chats", t0 + 16 * DAY) == 0
    assert run("checkin-after-chats", t0 + 22 * DAY) == 1


def test_request_pending_and_listener_without_mentor() -> None:
    t0 = timezone.now()
    waiting = make_listener()
    MentorRequest.objects.create(mentee=waiting, goal="Get better at hard chats")
    alone = make_listener()
    alone.listener_since = t0 - 8 * DAY
    alone.save(update_fields=["listener_since"])
    fresh = make_listener()  # a listener for less than a week
    assert run("request-pending", t0 + 4 * DAY) == 0
    assert run("request-pending", t0 + 5 * DAY + dt.timedelta(minutes=1)) == 1
    assert inbox(waiting, "request-pending")
    assert run("mentor-suggestion", t0) == 1
    assert inbox(alone, "mentor-suggestion")
    assert not inbox(fresh, "mentor-suggestion")
    assert not inbox(waiting, "mentor-suggestion")  # has an open request
    assert run("mentor-suggestion", t0 + DAY) == 0  # cooldown 14 days
    assert run("mentor-suggestion", t0 + 15 * DAY) == 2  # alone again, fresh now 15 days in
    assert NudgeSend.objects.filter(rule__slug="mentor-suggestion", user=alone).count() == 2


def test_rerun_with_the_same_clock_sends_nothing() -> None:
    m = make_mentorship(make_mentor(), make_listener())
    at = started(m) + 8 * DAY
    first = engine.run(now=at)
    second = engine.run(now=at)
    assert first.sent >= 2
    assert second.sent == 0
    total = Notification.objects.filter(source__startswith="nudge:").count()
    assert total == first.sent


def test_a_run_that_fails_after_writing_leaves_no_trace_and_the_retry_sends_once() -> None:
    m = make_mentorship(make_mentor(), make_listener())
    at = started(m) + 8 * DAY
    sent: list[int] = []

    def crash_after_sending() -> None:
        with transaction.atomic():
            sent.append(run("no-conversation-7d", at))
            raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        crash_after_sending()
    assert sent == [2]
    assert not NudgeSend.objects.exists()
    assert not Notification.objects.exists()
    assert run("no-conversation-7d", at) == 2
    assert run("no-conversation-7d", at) == 0
    assert Notification.objects.filter(source="nudge:no-conversation-7d").count() == 2


def test_cap_limits_sends_per_person() -> None:
    r = rule("mentor-suggestion")
    r.cap, r.cooldown_days = 2, 0
    r.save()
    alone = make_listener()
    alone.listener_since = timezone.now() - 30 * DAY
    alone.save(update_fields=["listener_since"])
    t0 = timezone.now()
    sent = [run("mentor-suggestion", t0 + k * 7 * DAY) for k in range(4)]
    assert sent == [1, 1, 0, 0]


def test_in_app_rules_do_not_email_and_email_rules_do(mailoutbox) -> None:
    m = make_mentorship(make_mentor(), make_listener())
    run("submit-flags", started(m) + 10 * DAY + dt.timedelta(minutes=1))
    run("log-conversations", started(m) + 3 * DAY + dt.timedelta(minutes=1))
    flags = Notification.objects.get(source="nudge:submit-flags")
    logs = Notification.objects.filter(source="nudge:log-conversations")
    assert flags.email_state == "not_wanted"
    assert {n.email_state for n in logs} != {"not_wanted"}


def test_the_run_nudges_command_runs_the_engine() -> None:
    from io import StringIO

    from django.core.management import call_command

    make_mentorship(make_mentor(), make_listener())
    UserFactory.create()
    out = StringIO()
    call_command("run_nudges", stdout=out)
    assert out.getvalue().startswith("nudges: sent ")
    assert Notification.objects.filter(source="nudge:welcome").exists()


def test_an_unedited_staff_summary_moves_to_the_staff_link_and_an_edited_one_stays() -> None:
    """Migration 0002: rows seeded before the fix linked staff to /mentorships/."""
    migration = importlib.import_module(
        "peerpath.nudges.migrations.0002_staff_summary_links_to_the_table"
    )
    seeded = rule("no-conversation-21d-staff")
    NudgeRule.objects.filter(pk=seeded.pk).update(
        url="/mentorships/", title_template="{count} pairs without a conversation after 21 days"
    )
    migration.forwards(django_apps, None)
    seeded.refresh_from_db()
    assert (seeded.url, seeded.title_template) == (
        "{staff_url}",
        "Pairs without a conversation after 21 days: {count}",
    )
    NudgeRule.objects.filter(pk=seeded.pk).update(url="/staff/", title_template="Mine: {count}")
    migration.forwards(django_apps, None)
    seeded.refresh_from_db()
    assert (seeded.url, seeded.title_template) == ("/staff/", "Mine: {count}")
