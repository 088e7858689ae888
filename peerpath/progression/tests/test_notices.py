"""Every ladder event tells the person (category ``progression``): applications approved or
declined, awards granted (by the batch, in one bulk send; badges in the bell only) and by
staff, grace begun, lapses, obligation reminders, mock chats recorded. A replay of the past
tells nobody."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from peerpath.activity.models import ActivityKind
from peerpath.notifications.models import EmailState, Notification
from peerpath.notifications.services import send_many
from peerpath.progression.models import Award, AwardSource
from peerpath.progression.services import batch, obligations
from peerpath.progression.services.applications import decide_application
from peerpath.progression.services.awards import grant_award, grant_by_staff
from peerpath.progression.services.mock_chats import record_mock_chat
from peerpath.progression.tests.helpers import (
    achievement,
    add_events,
    apply_now,
    listener,
    make_moderator_eligible,
    make_person,
    staff_user,
)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def told(user: Any) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(recipient=user).order_by("id")
    assert all(n.category == "progression" for n in rows)
    return [(n.title, n.body) for n in rows]


def titles(user: Any) -> list[str]:
    return [title for title, _ in told(user)]


def test_an_application_approved_or_declined_is_told() -> None:
    staff = staff_user()
    ann = make_moderator_eligible(listener("ann-applicant"))
    decide_application(application=apply_now(ann), reviewer=staff, approve=True)
    assert titles(ann) == ["Your application for Chatroom Moderator was approved"]
    bo = make_moderator_eligible(listener("bo-applicant"))
    note = "Lead two more evening rooms first."
    decide_application(application=apply_now(bo), reviewer=staff, approve=False, note=note)
    [(title, body)] = told(bo)
    assert title == "Your application for Chatroom Moderator was declined"
    assert note in body


def test_a_staff_grant_is_told_with_the_reason() -> None:
    kai = listener("kai-teen", teen=True)
    grant_by_staff(
        user=kai, achievement=achievement("group-support-mentor"), by=staff_user(), reason="Led"
    )
    [(title, body)] = told(kai)
    assert title == "You earned Teen Star"  # named as a teen sees it
    assert "Staff: Led" in body


def test_the_batch_tells_grants_in_one_bulk_send(monkeypatch: pytest.MonkeyPatch) -> None:
    sends: list[int] = []
    real = send_many

    def counting(items: Any) -> int:
        sends.append(len(items))
        return real(items)

    monkeypatch.setattr("peerpath.progression.services.notices.send_many", counting)
    people = [make_person(days_ago=40) for _ in range(3)]
    for person in people:
        add_events(person, ActivityKind.GROUP_CHAT, 5)
    batch.run(user_ids=[p.pk for p in people])
    assert len(sends) == 1
    for person in people:
        assert "You earned Room Supporter" in titles(person)
    role = Notification.objects.get(recipient=people[0], title="You earned Room Supporter")
    badge = Notification.objects.get(recipient=people[0], title="You earned Group chats: 5")
    assert role.email_state == EmailState.PENDING
    assert badge.email_state == EmailState.NOT_WANTED  # badges: the bell only
    assert badge.in_app


def test_grace_begun_and_a_lapse_are_told() -> None:
    now = timezone.now().replace(microsecond=0)
    person = make_person(days_ago=400)
    for slug in ("listener-level-1", "listener-level-2", "listener-level-3"):
        grant_award(
            user=person, achievement=achievement(slug), source=AwardSource.STAFF, reasons="s"
        )
    level4 = achievement("listener-level-4")
    Award.objects.create(
        user=person,
        achievement=level4,
        state="active",
        source=AwardSource.AUTOMATIC,
        granted_at=now - 60 * DAY,
        changed_at=now - 60 * DAY,
    )
    batch.run(now=now, user_ids=[person.pk])
    until = f"{now + 14 * DAY:%d %B %Y}".lstrip("0")
    assert f"Listener Level 4: Listener Guide: grace period until {until}" in titles(person)
    Award.objects.filter(user=person, achievement=level4).update(below_since=now - 15 * DAY)
    batch.run(now=now + DAY / 24, user_ids=[person.pk])
    assert "Listener Level 4: Listener Guide has lapsed" in titles(person)


def test_a_replay_of_the_past_tells_nobody() -> None:
    person = make_person(days_ago=100)
    add_events(person, ActivityKind.GROUP_CHAT, 5, at=timezone.now() - 40 * DAY)
    batch.run(now=timezone.now() - 30 * DAY, user_ids=[person.pk])
    assert Award.objects.filter(user=person).exists()
    assert told(person) == []


def test_obligation_reminders_are_progression_notices() -> None:
    person = make_person(days_ago=300)
    grant_award(
        user=person,
        achievement=achievement("group-support-mentor"),
        source=AwardSource.APPLICATION,
        reasons="approved",
        at=timezone.now() - 12 * DAY,
    )
    assert obligations.send_reminders() == 1
    [(title, body)] = told(person)
    assert title == "Global Mod training is due soon"
    assert "Group Support Mentor role needs Global Mod training" in body


def test_a_recorded_mock_chat_is_told_to_the_listener(world: Any) -> None:
    held_on = timezone.localdate(timezone.now(), timezone=dt.UTC) - 2 * DAY
    record_mock_chat(
        assessor=world.mentor,
        listener=world.adult_listener,
        held_on=held_on,
        passed=False,
        notes="Slow down before suggesting anything.",
    )
    [(title, body)] = told(world.adult_listener)
    assert title == "Your mock chat: not passed yet"
    assert "Slow down before suggesting anything." in body
    assert world.mentor.username in body
