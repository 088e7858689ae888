"""The facts loader sees the world as of ``now``: the people who had joined by then and the
activity at or before it, whether ``now`` is a replayed moment or the present, on SQLite and
on PostgreSQL alike (SQLite compares datetimes as text, so parameters are in its form)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.services import record_activities_bulk
from peerpath.progression import facts as facts_mod
from peerpath.progression import ladder, rules
from peerpath.progression.services import batch
from peerpath.progression.tests.helpers import make_person, state_of

pytestmark = pytest.mark.django_db

GROUP_CHAT = ActivityKind.GROUP_CHAT.value
WEEK = 7
COUNTING = rules.Rule(
    slug="counting",
    criteria=rules.All(
        (
            rules.Count(GROUP_CHAT, 1),
            rules.Count(GROUP_CHAT, 1, window_days=WEEK),
        )
    ),
    automatic=False,
)


def _events(user_id: int, *times: dt.datetime) -> None:
    record_activities_bulk(
        ActivityEvent(user_id=user_id, kind=GROUP_CHAT, occurred_at=t) for t in times
    )


def _counts(facts: rules.Facts, user_id: int) -> tuple[int, int]:
    i = int(facts.user_ids.tolist().index(user_id))
    return (
        int(facts.count(GROUP_CHAT, None)[i]),
        int(facts.count(GROUP_CHAT, WEEK)[i]),
    )


def test_a_moment_near_the_present_sees_only_what_happened_by_then() -> None:
    # given a moment two minutes ago (the batch's "now" is always a little behind the clock)
    now = timezone.now() - dt.timedelta(minutes=2)
    person = make_person(days_ago=40, at=now)
    later = make_person(days_ago=0, at=now + dt.timedelta(minutes=1))
    _events(person.pk, now - dt.timedelta(days=1), now, now + dt.timedelta(minutes=1))
    # when
    facts, _ = facts_mod.load([COUNTING], now=now)
    # then: the chat a minute after "now" is not counted, and whoever joined after it is
    # not evaluated at all
    assert _counts(facts, person.pk) == (2, 2)
    assert later.pk not in facts.user_ids.tolist()


def test_a_replayed_moment_does_not_evaluate_people_who_joined_later() -> None:
    now = timezone.now() - dt.timedelta(days=30)
    before = make_person(days_ago=1, at=now)
    after = make_person(days_ago=0, at=now + dt.timedelta(days=2))
    facts, _ = facts_mod.load([COUNTING], now=now, user_ids=[before.pk, after.pk])
    assert facts.user_ids.tolist() == [before.pk]


def test_now_in_any_time_zone_is_the_same_instant() -> None:
    # given activity around an instant, and that instant written in UTC+05:00 (SQLite
    # compares stored UTC text, so a parameter in another offset used to shift by 5 hours)
    utc_now = timezone.now().replace(microsecond=0) - dt.timedelta(days=1)
    person = make_person(days_ago=40, at=utc_now)
    hour = dt.timedelta(hours=1)
    week = dt.timedelta(days=WEEK)
    _events(
        person.pk,
        utc_now - week - hour,  # outside the week
        utc_now - week + hour,  # inside it
        utc_now - hour,
        utc_now + hour,  # after now
        utc_now + 4 * hour,  # after now
    )
    karachi = utc_now.astimezone(zoneinfo.ZoneInfo("Asia/Karachi"))
    # when
    in_utc, _ = facts_mod.load([COUNTING], now=utc_now, user_ids=[person.pk])
    elsewhere, _ = facts_mod.load([COUNTING], now=karachi, user_ids=[person.pk])
    # then
    assert _counts(in_utc, person.pk) == (3, 2)
    assert _counts(elsewhere, person.pk) == (3, 2)


def test_an_event_recorded_while_a_run_ran_counts_in_the_next_incremental_run() -> None:
    # given a full run as of a moment just past, and a group chat that happened after that
    # moment but was recorded before the run read its watermark
    now = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=3)
    person = make_person(days_ago=40, at=now)
    _events(person.pk, now - dt.timedelta(days=1))
    batch.run(now=now)
    assert state_of(person, "room-supporter") is None
    _events(person.pk, now + dt.timedelta(seconds=30))
    run = batch.run(now=now)  # the same instant: the new chat is after it
    assert run.changes == 0
    # when the next incremental run comes (its watermark covers the chat already)
    batch.run(now=now + dt.timedelta(minutes=2), incremental=True)
    # then the chat counted: two group chats, four weeks as a listener
    assert state_of(person, "room-supporter") == "active"


def test_the_ladder_rules_load_as_of_now() -> None:
    # The ladder's own rule set, too: nothing from after ``now`` moves anyone.
    now = timezone.now() - dt.timedelta(minutes=1)
    person = make_person(days_ago=40, at=now)
    _events(person.pk, now - dt.timedelta(days=2), now + dt.timedelta(seconds=20))
    facts, _ = facts_mod.load(ladder.load_rules(), now=now, user_ids=[person.pk])
    i = facts.user_ids.tolist().index(person.pk)
    assert int(facts.count(GROUP_CHAT, None)[i]) == 1
