"""Screening through the mentoring forms (issue 17): every form that stores a person's text
shows them help on the next page when the text raised an alert (post/redirect/get, once),
still stores it, and answers bad input with a 4xx and no alert."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.mentorship.models import (
    CheckIn,
    Conversation,
    Flag,
    MentorProfile,
    MentorRequest,
    Mentorship,
    MentorshipStatus,
    Message,
    RequestTarget,
    StaffTicket,
)
from peerpath.mentorship.services import requests
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.safety.models import SafetyAlert

pytestmark = pytest.mark.django_db

CRISIS = "honestly i want to end my life"
HELP = 'data-testid="crisis-help"'


@dataclass
class World:
    mentor: User
    mentee: User
    m: Mentorship

    def client(self, who: str) -> Client:
        c = Client()
        c.force_login(self.mentor if who == "mentor" else self.mentee)
        return c


@pytest.fixture
def world() -> World:
    UserFactory.create(roles=[Role.STAFF])
    mentor, mentee = make_mentor(), make_listener()
    return World(mentor, mentee, make_mentorship(mentor, mentee, goal="Feel calmer"))


def page_text(response: Any) -> str:
    return str(response.content.decode())


def posts_then_shows_help(c: Client, url: str, data: dict[str, Any]) -> str:
    """POST, follow the redirect: the help is on the next page, and only once."""
    response = c.post(url, data)
    assert response.status_code == 302, page_text(response)[:2000]
    target = response["Location"]
    page = c.get(target)
    assert page.status_code == 200
    body = page_text(page)
    assert HELP in body
    assert "carry this alone" in body
    assert HELP not in page_text(c.get(target))  # shown once
    return body


def pk(world: World, name: str) -> str:
    return reverse(f"mentorship:{name}", args=[world.m.pk])


Case = Callable[[World], tuple[str, str, dict[str, Any], type[Any]]]

CASES: dict[str, Case] = {
    "chat (no JavaScript)": lambda w: (
        "mentee",
        pk(w, "post_message"),
        {"body": CRISIS, "client_id": "c-1"},
        Message,
    ),
    "check-in": lambda w: ("mentee", pk(w, "check_in"), {"rating": "1", "note": CRISIS}, CheckIn),
    "conversation log": lambda w: (
        "mentee",
        pk(w, "log_conversation"),
        {"kind": "call", "day": timezone.localdate().isoformat(), "note": CRISIS},
        Conversation,
    ),
    "flag": lambda w: (
        "mentee",
        pk(w, "flag"),
        {"topic": "wellbeing", "priority": "can_wait", "note": CRISIS},
        Flag,
    ),
    "I can't get in touch: staff": lambda w: (
        "mentee",
        reverse("mentorship:cant_reach_action", args=[w.m.pk, "staff"]),
        {"body": CRISIS},
        StaffTicket,
    ),
    "I can't get in touch: rematch": lambda w: (
        "mentee",
        reverse("mentorship:cant_reach_action", args=[w.m.pk, "rematch"]),
        {"note": CRISIS, "confirm": "on"},
        Mentorship,
    ),
    "I can't get in touch: leave": lambda w: (
        "mentor",
        reverse("mentorship:cant_reach_action", args=[w.m.pk, "leave"]),
        {"note": CRISIS, "confirm": "on"},
        Mentorship,
    ),
    "I can't get in touch: no rematch": lambda w: (
        "mentor",
        reverse("mentorship:cant_reach_action", args=[w.m.pk, "no-rematch"]),
        {"note": CRISIS, "confirm": "on"},
        Mentorship,
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_form_in_the_space_shows_help_on_the_next_page(world: World, case: str) -> None:
    who, url, data, model = CASES[case](world)
    posts_then_shows_help(world.client(who), url, data)
    alert = SafetyAlert.objects.get()
    assert alert.source == f"mentorship.{model.__name__}"
    assert alert.writer == (world.mentor if who == "mentor" else world.mentee)
    assert model.objects.filter(pk=alert.source_id).exists()  # stored as written


def test_the_chat_page_shows_help_next_to_the_chat_after_a_fallback_post(world: World) -> None:
    c = world.client("mentee")
    body = posts_then_shows_help(c, pk(world, "post_message"), {"body": CRISIS, "client_id": ""})
    assert CRISIS in body  # the message is in the chat log, delivered as usual
    assert 'id="chat-crisis"' in body  # the live panel the script fills from the ack


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("post_message", {"body": "   "}),
        ("check_in", {"rating": "9", "note": CRISIS}),
        ("log_conversation", {"kind": "chat", "day": "2020-13-45", "note": CRISIS}),
        ("flag", {"topic": "nonsense", "priority": "can_wait", "note": CRISIS}),
        ("flag", {"topic": "wellbeing", "priority": "can_wait", "note": "x" * 5000}),
    ],
)
def test_bad_input_is_a_4xx_and_raises_nothing(
    world: World, name: str, data: dict[str, Any]
) -> None:
    response = world.client("mentee").post(pk(world, name), data)
    assert 400 <= response.status_code < 500
    assert not SafetyAlert.objects.exists()


def test_a_request_goal_shows_help_on_the_hub() -> None:
    UserFactory.create(roles=[Role.STAFF])
    mentor, mentee = make_mentor(), make_listener()
    c = Client()
    c.force_login(mentee)
    url = reverse("mentorship:request", args=[mentor.username])
    posts_then_shows_help(c, url, {"goal": CRISIS})
    request = MentorRequest.objects.get(mentee=mentee)
    assert request.goal == CRISIS
    assert SafetyAlert.objects.filter(source="mentorship.MentorRequest").exists()
    bad = c.post(url, {"goal": ""})
    assert bad.status_code == 400


def test_a_ranked_request_goal_shows_help() -> None:
    mentor, mentee = make_mentor(), make_listener()
    c = Client()
    c.force_login(mentee)
    posts_then_shows_help(
        c, reverse("mentorship:ranked_request"), {"first": mentor.username, "goal": CRISIS}
    )


def test_a_decline_reason_shows_the_mentor_help() -> None:
    mentor, mentee = make_mentor(), make_listener()
    target = requests.request_mentors(
        mentee=mentee, mentors=[mentor], goal="Calm"
    ).obj.targets.get()
    c = Client()
    c.force_login(mentor)
    url = reverse("mentorship:decline_request", args=[target.pk])
    posts_then_shows_help(c, url, {"reason": CRISIS})
    assert RequestTarget.objects.get(pk=target.pk).decline_reason == CRISIS
    assert c.post(url, {"reason": "x" * 600}).status_code in (400, 409)


def test_a_proposal_decline_reason_shows_the_mentor_help() -> None:
    mentor, mentee = make_mentor(), make_listener()
    proposal = make_mentorship(mentor, mentee, status=MentorshipStatus.PROPOSED)
    c = Client()
    c.force_login(mentor)
    posts_then_shows_help(
        c, reverse("mentorship:decline_proposal", args=[proposal.pk]), {"reason": CRISIS}
    )
    assert Mentorship.objects.get(pk=proposal.pk).end_note == CRISIS


def test_a_mentor_approach_shows_help_after_saving_settings() -> None:
    mentor = make_mentor()
    c = Client()
    c.force_login(mentor)
    data = {
        "capacity": "2",
        "track_listeners": "on",
        "approach": CRISIS,
        "availability": ["9"],
    }
    posts_then_shows_help(c, reverse("mentorship:settings"), data)
    assert MentorProfile.objects.get(pk=mentor.pk).approach == CRISIS
    assert c.post(reverse("mentorship:settings"), {**data, "capacity": "lots"}).status_code == 400
