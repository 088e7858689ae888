"""Mock chat tests: who may assess whom, what a pass writes to the activity log (once), every
refusal saving nothing, and the page (forms, hostile input, who sees what)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from peerpath.accounts import services as account_services
from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.core.errors import Conflict, Forbidden, Refused
from peerpath.mentorship.tests.factories import make_listener, make_mentor
from peerpath.progression import policies
from peerpath.progression.models import MockChatAssessment
from peerpath.progression.selectors.mock_chats import (
    assessments_by,
    assessments_for,
    listener_by_pseudonym,
)
from peerpath.progression.services.mock_chats import event_time, record_mock_chat

pytestmark = pytest.mark.django_db

URL = "/path/mock-chats/"
XSS = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


def passes(user: User) -> list[ActivityEvent]:
    return list(ActivityEvent.objects.filter(user=user, kind=ActivityKind.MOCK_CHAT_PASSED))


def recent_day() -> dt.date:
    """Yesterday in UTC: a past day in every assessor's zone."""
    return timezone.localdate(timezone.now(), timezone=dt.UTC) - dt.timedelta(days=1)


# --- the service ---------------------------------------------------------------------------


def test_a_pass_is_saved_and_writes_one_activity_event(world: Any) -> None:
    held_on = recent_day() - dt.timedelta(days=3)
    assessment = record_mock_chat(
        assessor=world.mentor,
        listener=world.adult_listener,
        held_on=held_on,
        passed=True,
        notes="  Warm, patient, good open questions.  ",
    )
    assert assessment.pk
    assert assessment.notes == "Warm, patient, good open questions."
    [event] = passes(world.adult_listener)
    assert event.ref_type == "progression.mockchat"
    assert event.ref_id == assessment.pk
    assert event.occurred_at == dt.datetime.combine(held_on, dt.time(12), tzinfo=dt.UTC)
    assert passes(world.mentor) == []


def test_the_same_chat_cannot_be_recorded_twice(world: Any) -> None:
    held_on = recent_day()
    record_mock_chat(
        assessor=world.mentor, listener=world.adult_listener, held_on=held_on, passed=True, notes=""
    )
    with pytest.raises(Conflict) as exc:
        record_mock_chat(
            assessor=world.mentor,
            listener=world.adult_listener,
            held_on=held_on,
            passed=True,
            notes="",
        )
    assert exc.value.status == 409
    assert MockChatAssessment.objects.count() == 1
    assert len(passes(world.adult_listener)) == 1


def test_two_different_passes_are_two_events(world: Any) -> None:
    other_mentor = make_mentor(username="second-mentor")
    first = record_mock_chat(
        assessor=world.mentor,
        listener=world.adult_listener,
        held_on=recent_day() - dt.timedelta(days=10),
        passed=True,
        notes="",
    )
    second = record_mock_chat(
        assessor=other_mentor,
        listener=world.adult_listener,
        held_on=recent_day() - dt.timedelta(days=10),
        passed=True,
        notes="",
    )
    third = record_mock_chat(
        assessor=world.mentor,
        listener=world.adult_listener,
        held_on=recent_day(),
        passed=True,
        notes="",
    )
    events = passes(world.adult_listener)
    assert sorted(e.ref_id or 0 for e in events) == sorted([first.pk, second.pk, third.pk])


def test_a_fail_with_notes_is_saved_without_an_event(world: Any) -> None:
    assessment = record_mock_chat(
        assessor=world.mentor,
        listener=world.adult_listener,
        held_on=recent_day(),
        passed=False,
        notes="Practise reflecting feelings before offering ideas.",
    )
    assert not assessment.passed
    assert passes(world.adult_listener) == []


def test_staff_may_assess_their_own_band(world: Any) -> None:
    assert record_mock_chat(
        assessor=world.staff,
        listener=world.adult_listener,
        held_on=recent_day(),
        passed=True,
        notes="",
    )
    with pytest.raises(Refused, match="teens and adults never share"):
        record_mock_chat(
            assessor=world.staff,
            listener=world.teen_listener,
            held_on=recent_day(),
            passed=True,
            notes="",
        )


def test_teen_mentors_assess_teen_listeners(world: Any) -> None:
    teen_mentor = make_mentor(teen=True, username="teen-mentor")
    assert record_mock_chat(
        assessor=teen_mentor,
        listener=world.teen_listener,
        held_on=recent_day(),
        passed=True,
        notes="",
    )
    assert len(passes(world.teen_listener)) == 1


def _refusal_cases(world: Any) -> list[tuple[str, dict[str, Any], int, str]]:
    base = {
        "assessor": world.mentor,
        "listener": world.adult_listener,
        "held_on": recent_day(),
        "passed": True,
        "notes": "",
    }
    return [
        ("member", {**base, "assessor": world.adult_member}, 403, "mentors and staff"),
        ("moderator", {**base, "assessor": world.moderator}, 403, "mentors and staff"),
        ("suspended assessor", {**base, "assessor": world.suspended}, 403, "suspended"),
        ("cross band", {**base, "listener": world.teen_listener}, 400, "never share a private"),
        ("self", {**base, "listener": world.mentor}, 400, "your own mock chat"),
        ("not a listener", {**base, "listener": world.adult_member}, 400, "member account"),
        ("future", {**base, "held_on": recent_day() + dt.timedelta(days=2)}, 400, "future"),
        ("too old", {**base, "held_on": recent_day() - dt.timedelta(days=92)}, 400, "90 days"),
        ("fail without notes", {**base, "passed": False, "notes": "   "}, 400, "what to practise"),
        ("notes too long", {**base, "notes": "x" * 2001}, 400, "the limit is 2,000"),
        ("nul in notes", {**base, "notes": "a\x00b"}, 400, "not allowed"),
    ]


CASES = [
    "member",
    "moderator",
    "suspended assessor",
    "cross band",
    "self",
    "not a listener",
    "future",
    "too old",
    "fail without notes",
    "notes too long",
    "nul in notes",
]


@pytest.mark.parametrize("case", CASES)
def test_refusals_save_nothing(world: Any, case: str) -> None:
    cases = {name: (kwargs, status, text) for name, kwargs, status, text in _refusal_cases(world)}
    kwargs, status, text = cases[case]
    with pytest.raises(Refused) as exc:
        record_mock_chat(**kwargs)
    assert exc.value.status == status
    assert text in exc.value.message
    if status == 403:
        assert isinstance(exc.value, Forbidden)
    assert MockChatAssessment.objects.count() == 0
    assert ActivityEvent.objects.filter(kind=ActivityKind.MOCK_CHAT_PASSED).count() == 0


def test_a_suspended_listener_is_refused(world: Any) -> None:
    suspended_listener = make_listener(username="sus-listener")
    staff = UserFactory.create(username="sus-admin", roles=[Role.STAFF])

    account_services.suspend_user(
        actor=staff,
        user=suspended_listener,
        until=timezone.now() + dt.timedelta(days=1),
        reason="Cooling off.",
    )
    with pytest.raises(Refused, match="suspended"):
        record_mock_chat(
            assessor=world.mentor,
            listener=suspended_listener,
            held_on=recent_day(),
            passed=True,
            notes="",
        )
    assert MockChatAssessment.objects.count() == 0


def test_the_date_limits_are_inclusive(world: Any) -> None:
    now = timezone.now()
    local_today = timezone.localtime(now, world.mentor.tzinfo).date()
    oldest = local_today - dt.timedelta(days=policies.MAX_AGE_DAYS)
    assert record_mock_chat(
        assessor=world.mentor,
        listener=world.adult_listener,
        held_on=oldest,
        passed=True,
        notes="",
        now=now,
    )
    # Today (in the assessor's zone) is allowed; the event is never dated in the future.
    assessment = record_mock_chat(
        assessor=world.mentor,
        listener=world.adult_listener,
        held_on=local_today,
        passed=True,
        notes="",
        now=now,
    )
    event = ActivityEvent.objects.get(ref_id=assessment.pk, kind=ActivityKind.MOCK_CHAT_PASSED)
    assert event.occurred_at <= now


def test_event_time_is_noon_utc_capped_at_now() -> None:
    day = dt.date(2025, 5, 1)
    morning = dt.datetime(2025, 5, 1, 9, tzinfo=dt.UTC)
    evening = dt.datetime(2025, 5, 1, 20, tzinfo=dt.UTC)
    assert event_time(day, morning) == morning
    assert event_time(day, evening) == dt.datetime(2025, 5, 1, 12, tzinfo=dt.UTC)


def test_pure_rules() -> None:
    day = dt.date(2025, 5, 1)
    assert policies.check_held_on(day, day)
    assert not policies.check_held_on(day + dt.timedelta(days=1), day)
    assert policies.check_held_on(day - dt.timedelta(days=90), day)
    assert not policies.check_held_on(day - dt.timedelta(days=91), day)
    assert policies.check_notes("", passed=True)
    assert not policies.check_notes("", passed=False)
    assert policies.check_notes("Slow down.", passed=False)
    assert not policies.check_notes("x" * 2001, passed=True)


def test_policies_for_the_world(world: Any) -> None:
    assert policies.may_assess(world.mentor)
    assert policies.may_assess(world.staff)
    for role in ("adult_member", "teen_listener", "adult_listener", "moderator", "ambassador"):
        assert not policies.may_assess(getattr(world, role)), role
    assert not policies.may_assess(world.suspended)
    assert policies.can_assess(world.mentor, world.adult_listener)
    assert policies.can_assess(world.mentor, world.adult_peer)
    assert not policies.can_assess(world.mentor, world.teen_peer)


def test_selectors(world: Any) -> None:
    older = record_mock_chat(
        assessor=world.mentor,
        listener=world.adult_listener,
        held_on=recent_day() - dt.timedelta(days=5),
        passed=False,
        notes="Ask open questions.",
    )
    newer = record_mock_chat(
        assessor=world.mentor,
        listener=world.adult_listener,
        held_on=recent_day(),
        passed=True,
        notes="",
    )
    other = record_mock_chat(
        assessor=world.mentor,
        listener=world.adult_peer,
        held_on=recent_day(),
        passed=True,
        notes="",
    )
    assert list(assessments_by(world.mentor)) == [other, newer, older]
    assert list(assessments_for(world.adult_listener)) == [newer, older]
    assert list(assessments_for(world.mentor)) == []
    assert listener_by_pseudonym("W-ADULT-LISTENER") == world.adult_listener
    assert listener_by_pseudonym("x" * 31) is None
    assert listener_by_pseudonym("nul\x00") is None
    assert listener_by_pseudonym("   ") is None


# --- the page ------------------------------------------------------------------------------


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "listener": "w-adult-listener",
        "held_on": recent_day().isoformat(),
        "passed": "yes",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    for response in (client.get(URL), client.post(URL, form_data())):
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_a_mentor_sees_the_form_and_records_a_pass(
    world: Any, login: Callable[[User], Client]
) -> None:
    c = login(world.mentor)
    body = c.get(URL).content.decode()
    assert 'name="listener"' in body
    assert 'name="held_on"' in body
    assert "You have not recorded any mock chats yet." in body

    response = c.post(URL, form_data(notes=XSS))
    assert response.status_code == 302
    assert response["Location"] == URL
    assert len(passes(world.adult_listener)) == 1
    body = c.get(URL).content.decode()
    assert "The mock chat with w-adult-listener is recorded: a pass." in body
    assert 'data-testid="assessed"' in body
    assert ESCAPED in body
    assert XSS not in body


def test_a_listener_sees_their_results(world: Any, login: Callable[[User], Client]) -> None:
    record_mock_chat(
        assessor=world.mentor,
        listener=world.adult_listener,
        held_on=recent_day(),
        passed=False,
        notes="Practise <b>pauses</b>.",
    )
    body = login(world.adult_listener).get(URL).content.decode()
    assert 'data-testid="my-assessment"' in body
    assert "Not yet" in body
    assert "Practise &lt;b&gt;pauses&lt;/b&gt;." in body
    assert "w-mentor" in body
    assert 'name="listener"' not in body  # no form for listeners


def test_others_see_an_explanation(world: Any, login: Callable[[User], Client]) -> None:
    for role in ("adult_member", "teen_member"):
        response = login(getattr(world, role)).get(URL)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-testid="mock-chats-explained"' in body
        assert 'name="listener"' not in body


def test_posting_without_being_a_mentor_is_403_and_saves_nothing(
    world: Any, login: Callable[[User], Client]
) -> None:
    for role in ("adult_member", "adult_listener", "teen_listener", "moderator", "ambassador"):
        response = login(getattr(world, role)).post(URL, form_data())
        assert response.status_code == 403, role
        assert "mentors and staff" in response.content.decode()
    assert MockChatAssessment.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"listener": "no-such-person"}, "No listener with that pseudonym"),
        ({"listener": ""}, "Enter the listener&#x27;s pseudonym."),
        ({"listener": "w-teen-listener"}, "teens and adults never share a private space"),
        ({"listener": "w-adult-member"}, "member account"),
        ({"listener": "w-mentor"}, "your own mock chat"),
        ({"held_on": "2999-01-01"}, "cannot be in the future"),
        ({"held_on": "2024-13-45"}, "Enter the date as YYYY-MM-DD."),
        ({"held_on": ""}, "Enter the date of the mock chat."),
        ({"passed": "no", "notes": ""}, "say what to practise"),
        ({"passed": "maybe"}, "Select a valid choice"),
        ({"passed": ""}, "Choose whether the mock chat was passed."),
        ({"notes": "x" * 2001}, "at most 2000 characters"),
        ({"notes": "bad\x00text"}, "not allowed"),
        ({"listener": "w" * 300}, "at most 30 characters"),
        ({"listener": "w-adult\x00listener"}, "not allowed"),
    ],
)
def test_bad_input_answers_400_keeps_the_values_and_saves_nothing(
    world: Any, login: Callable[[User], Client], overrides: dict[str, Any], message: str
) -> None:
    response = login(world.mentor).post(
        URL, form_data(**{"notes": "Typed notes stay", **overrides})
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    if "notes" not in overrides:
        assert "Typed notes stay" in body
    listener = overrides.get("listener", "w-adult-listener")
    if listener and "\x00" not in listener and len(listener) <= 30:
        assert f'value="{listener}"' in body
    assert MockChatAssessment.objects.count() == 0


def test_recording_the_same_chat_twice_on_the_page_is_409(
    world: Any, login: Callable[[User], Client]
) -> None:
    c = login(world.mentor)
    assert c.post(URL, form_data()).status_code == 302
    again = c.post(URL, form_data())
    assert again.status_code == 409
    assert "already recorded" in again.content.decode()
    assert len(passes(world.adult_listener)) == 1


def test_hostile_requests_never_500(world: Any, login: Callable[[User], Client]) -> None:
    c = login(world.mentor)
    hostile: list[dict[str, Any]] = [
        {"listener": XSS},
        {"listener": "' OR 1=1 --"},
        {"listener": ["w-adult-listener", "w-teen-listener"]},
        {"held_on": "0000-00-00"},
        {"held_on": "99999-01-01"},
        {"held_on": XSS},
    ]
    for overrides in hostile:
        response = c.post(URL, form_data(**overrides))
        assert response.status_code in (302, 400, 409), overrides
        assert XSS.encode() not in response.content
    assert c.put(URL).status_code == 405
    assert c.delete(URL).status_code == 405


def test_suspended_people_cannot_use_the_page(world: Any, login: Callable[[User], Client]) -> None:
    c = login(world.suspended)
    assert c.get(URL).status_code == 403
    assert c.post(URL, form_data()).status_code == 403
