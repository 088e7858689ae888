"""Experiments end to end (assignment, control sends nothing, results), the staff pages and
the admin's validation and dry run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import record_activity
from peerpath.notifications.models import Notification
from peerpath.nudges import engine, selectors
from peerpath.nudges.models import NudgeRule, NudgeSend, NudgeSettings, NudgeVariant

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def welcome_experiment() -> NudgeRule:
    rule = NudgeRule.objects.get(slug="welcome")
    rule.outcome = "one_to_one_chat"
    rule.outcome_days = 7
    rule.save()
    NudgeVariant.objects.create(rule=rule, key="A", title_template="Hello {name}!")
    NudgeVariant.objects.create(rule=rule, key="control", is_control=True)
    return rule


def test_variants_split_people_and_the_control_gets_no_message() -> None:
    rule = welcome_experiment()
    people = [UserFactory.create() for _ in range(40)]
    result = engine.run(now=timezone.now() + dt.timedelta(minutes=1), rules=[rule])
    sends = {s.user_id: s for s in NudgeSend.objects.filter(rule=rule)}
    assert len(sends) == 40
    variants = {s.variant for s in sends.values()}
    assert variants == {"A", "control"}
    notified = set(
        Notification.objects.filter(source="nudge:welcome").values_list("recipient_id", flat=True)
    )
    for person in people:
        s = sends[person.pk]
        assert (person.pk in notified) == (s.variant == "A")
        assert s.sent == (s.variant == "A")
    assert result.sent == len(notified)
    assert result.held_back == 40 - len(notified)
    titles = set(
        Notification.objects.filter(source="nudge:welcome").values_list("title", flat=True)
    )
    assert all(t.startswith("Hello ") for t in titles)  # the variant's title, the rule's body


def test_results_count_outcomes_inside_the_window_only() -> None:
    rule = welcome_experiment()
    NudgeSettings.objects.update_or_create(pk=1, defaults={"min_sample": 10})
    people = [UserFactory.create() for _ in range(30)]
    sent_at = timezone.now() - 20 * DAY
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
    # Outcomes: 10 of 15 in A chat within 7 days, 3 of 15 in control; one control chat late.
    a_people = [p for i, p in enumerate(people) if i % 2]
    c_people = [p for i, p in enumerate(people) if not i % 2]
    for p in a_people[:10]:
        record_activity(user=p, kind=ActivityKind.ONE_TO_ONE_CHAT, occurred_at=sent_at + 2 * DAY)
    for p in c_people[:3]:
        record_activity(user=p, kind=ActivityKind.ONE_TO_ONE_CHAT, occurred_at=sent_at + 6 * DAY)
    record_activity(
        user=c_people[5], kind=ActivityKind.ONE_TO_ONE_CHAT, occurred_at=sent_at + 9 * DAY
    )
    results = selectors.experiment_results(rule, timezone.now())
    assert results is not None
    arms = {a.key: (a.n, a.successes) for a in results.arms}
    assert arms == {"A": (15, 10), "control": (15, 3)}
    (cmp,) = results.comparisons
    assert cmp.uplift == pytest.approx(7 / 15)
    assert cmp.low > 0
    assert cmp.verdict.startswith("Variant A works")
    NudgeSettings.objects.filter(pk=1).update(min_sample=200)
    results = selectors.experiment_results(rule, timezone.now())
    assert results is not None
    assert results.comparisons[0].verdict.startswith("Not enough data yet: 15 of the 200")


def test_pages_are_for_staff_only(client) -> None:
    member = UserFactory.create()
    client.force_login(member)
    assert client.get(reverse("nudges:index")).status_code == 403
    assert client.get(reverse("nudges:rule", args=["welcome"])).status_code == 403
    staff = UserFactory.create(roles=[Role.STAFF])
    client.force_login(staff)
    page = client.get(reverse("nudges:index"))
    assert page.status_code == 200
    assert "Welcome on joining" in page.content.decode()
    assert client.get(reverse("nudges:rule", args=["no-such-rule"])).status_code == 404


def test_rule_page_shows_the_dry_run_and_the_experiment(client) -> None:
    welcome_experiment()
    for _ in range(3):
        UserFactory.create()
    staff = UserFactory.create(roles=[Role.STAFF])
    client.force_login(staff)
    html = client.get(reverse("nudges:rule", args=["welcome"])).content.decode()
    # Everyone joined just now; the dry run counts the four new people (staff included).
    assert "This rule would message <strong>4</strong> people now." in html
    assert "Per variant" in html


@pytest.fixture
def admin_client_logged(client):
    admin = UserFactory.create(roles=[Role.STAFF])
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


def rule_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "slug": "test-rule",
        "name": "Test rule",
        "description": "",
        "trigger": "no_conversation",
        "params": '{"days": 7}',
        "audience": "both",
        "category": "mentorship",
        "channel": "in_app",
        "title_template": "Hi {name}",
        "body_template": "Say hello to {other_name}",
        "url": "{mentorship_url}",
        "cooldown_days": 0,
        "cap": 0,
        "group": "",
        "is_active": "on",
        "outcome": "",
        "outcome_days": 7,
        "experiment_salt": "",
        "variants-TOTAL_FORMS": 0,
        "variants-INITIAL_FORMS": 0,
        "variants-MIN_NUM_FORMS": 0,
        "variants-MAX_NUM_FORMS": 1000,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"body_template": "Hi {nmae}"}, "Unknown variable {nmae}"),
        ({"title_template": "<img src=x onerror=alert(1)>"}, "markup"),
        ({"params": '{"days": "soon"}'}, "days must be a whole number"),
        ({"params": '{"weeks": 2}'}, "Unknown parameter"),
        ({"audience": "person"}, "is about a mentorship pair"),
        ({"url": "https://evil.example/"}, "starting with /"),
        ({"category": "nope"}, "Unknown notification category"),
    ],
)
def test_admin_refuses_bad_rules_with_a_reason_and_saves_nothing(
    admin_client_logged, overrides, message
) -> None:
    url = reverse("admin:nudges_nudgerule_add")
    response = admin_client_logged.post(url, rule_form(**overrides))
    assert response.status_code == 200  # the form again, with the error
    assert message in response.content.decode()
    assert not NudgeRule.objects.filter(slug="test-rule").exists()


def test_admin_saves_a_good_rule_and_shows_its_dry_run(admin_client_logged) -> None:
    url = reverse("admin:nudges_nudgerule_add")
    response = admin_client_logged.post(url, rule_form())
    assert response.status_code == 302
    rule = NudgeRule.objects.get(slug="test-rule")
    page = admin_client_logged.get(reverse("admin:nudges_nudgerule_change", args=[rule.pk]))
    assert "This rule would message <strong>0</strong> people now." in page.content.decode()


def test_a_rule_reaching_too_many_people_needs_confirmation(admin_client_logged) -> None:
    NudgeSettings.objects.update_or_create(pk=1, defaults={"max_share": 0.1, "confirm_floor": 2})
    for _ in range(5):
        UserFactory.create()
    data = rule_form(
        trigger="joined",
        params="{}",
        audience="person",
        url="/mentors/",
        body_template="Welcome {name}",
    )
    url = reverse("admin:nudges_nudgerule_add")
    response = admin_client_logged.post(url, data)
    assert "Tick this box to confirm" in response.content.decode()
    assert not NudgeRule.objects.filter(slug="test-rule").exists()
    data["confirmed_large_audience"] = "on"
    assert admin_client_logged.post(url, data).status_code == 302
    # And the engine skips an unconfirmed large rule instead of sending.
    rule = NudgeRule.objects.get(slug="test-rule")
    rule.confirmed_large_audience = False
    rule.save()
    run = engine.run(now=timezone.now() + dt.timedelta(minutes=1), rules=[rule])
    assert run.sent == 0
    assert "confirm the large audience" in run.skipped_rules[0]


def test_a_listener_reached_by_the_suggestion_nudge_sees_a_mentor_on_the_dashboard(client) -> None:
    from peerpath.mentorship.tests.factories import make_listener, make_mentor

    mentor = make_mentor()
    listener = make_listener()
    listener.listener_since = timezone.now() - 10 * DAY
    listener.save(update_fields=["listener_since"])
    client.force_login(listener)
    assert 'data-testid="mentor-suggestion"' not in client.get("/").content.decode()
    rule = NudgeRule.objects.get(slug="mentor-suggestion")
    assert engine.run(now=timezone.now(), rules=[rule]).sent == 1
    html = client.get("/").content.decode()
    assert 'data-testid="mentor-suggestion"' in html
    assert f"/mentors/{mentor.username}/" in html
