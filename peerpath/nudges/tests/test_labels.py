"""Issue 19: the nudges pages said "days_since_contact {'days': 7}" and "0.000": every
trigger reads as words with its parameters, rates are percentages with one decimal, and an
experiment's uplift and interval are shown in percentage points."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import record_activity
from peerpath.nudges import stats
from peerpath.nudges.models import NudgeRule, NudgeSend, NudgeSettings, NudgeVariant
from peerpath.nudges.triggers import TRIGGERS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "params", "words"),
    [
        ("days_since_contact", {"days": 7}, "after 7 days without a check-in or conversation"),
        ("days_since_contact", {"days": 1}, "after 1 day without a check-in or conversation"),
        ("chats_since_contact", {"chats": 10}, "after 10 one-to-one chats since the last"),
        ("joined", {"after_hours": 0, "within_days": 3}, "when someone joins"),
        ("joined", {"after_hours": 2, "within_days": 3}, "2 hours after joining"),
        ("event_tomorrow", {"hours": 24}, "24 hours before an event"),
    ],
)
def test_each_trigger_reads_as_words(kind, params, words):
    text = TRIGGERS[kind].describe(params)
    assert words in text
    assert "{" not in text
    assert "_" not in text


def test_every_trigger_has_words_for_its_defaults():
    for trigger in TRIGGERS.values():
        text = trigger.describe({k: p.default for k, p in trigger.params.items()})
        assert text
        assert "{" not in text
        assert "_" not in text


def test_rates_and_uplift_read_as_percentages():
    assert stats.pct(0.0) == "0.0%"
    assert stats.pct(2 / 3) == "66.7%"
    assert stats.points(7 / 15) == "+46.7 points"
    arm = stats.Arm("A", "Variant A", False, 15, 10)
    assert arm.rate_label == "66.7%"


def _staff_client(client):
    client.force_login(UserFactory.create(roles=[Role.STAFF]))
    return client


def test_the_nudges_page_shows_triggers_in_words(client):
    html = _staff_client(client).get(reverse("nudges:index")).content.decode()
    assert "{&#x27;" not in html
    assert "{'" not in html
    assert "days_since_contact" not in html
    assert "After 14 days without a check-in or conversation" in html


def test_the_rule_page_shows_percentages_and_the_interval(client):
    rule = NudgeRule.objects.get(slug="welcome")
    rule.outcome = "one_to_one_chat"
    rule.outcome_days = 7
    rule.save()
    NudgeVariant.objects.create(rule=rule, key="A", title_template="Hello {name}!")
    NudgeVariant.objects.create(rule=rule, key="control", is_control=True)
    NudgeSettings.objects.update_or_create(pk=1, defaults={"min_sample": 10})
    people = [UserFactory.create() for _ in range(30)]
    sent_at = timezone.now() - dt.timedelta(days=20)
    NudgeSend.objects.bulk_create(
        NudgeSend(
            rule=rule,
            user=p,
            window="joined",
            variant="A" if i % 2 else "control",
            sent=bool(i % 2),
            created_at=sent_at,
        )
        for i, p in enumerate(people)
    )
    for p in [p for i, p in enumerate(people) if i % 2][:10]:
        record_activity(
            user=p, kind=ActivityKind.ONE_TO_ONE_CHAT, occurred_at=sent_at + dt.timedelta(days=2)
        )
    html = _staff_client(client).get(reverse("nudges:rule", args=["welcome"])).content.decode()
    assert "0.000" not in html
    assert "66.7%" in html  # variant A: 10 of 15
    assert "0.0%" in html  # control: 0 of 15
    assert 'data-testid="uplift"' in html
    assert "+66.7 points" in html
    assert "when someone joins" in html
    assert "{'" not in html
    assert "{&#x27;" not in html
