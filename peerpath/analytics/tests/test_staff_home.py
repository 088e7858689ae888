"""The staff home (/staff/): every staff tool from one place, each shown exactly when its own
page opens for the viewer, with the count that page shows."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.progression.models import Achievement, Application
from peerpath.safety import services as safety_services
from peerpath.safety.models import Channel, SafetyAlert

pytestmark = pytest.mark.django_db

STAFF_TOOLS = {
    "matching": "/mentorships/staff/matching/",
    "nudges": "/nudges/",
    "safety": "/staff/safety/",
    "reviews": "/path/reviews/",
    "rota": "/events/rota/",
    "mentorships": "/staff/mentorships/",
    "analytics": "/staff/analytics/",
    "admin": "/admin/",
}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _tools(body: str) -> dict[str, str]:
    """tool key -> the href of its link."""
    return dict(re.findall(r'data-testid="tool-([a-z]+)">\s*<h3><a href="([^"]+)"', body))


def _count(body: str, key: str) -> str:
    card = body.split(f'data-testid="tool-{key}"')[1].split("</li>")[0]
    found = re.search(r'data-testid="tool-count">\((\d+) (\w+)\)', card)
    assert found is not None, card
    return f"{found[1]} {found[2]}"


def _alert(writer: User, n: int) -> SafetyAlert:
    space = safety_services.Space(channel=Channel.ROOM, where="Room “Evenings”", url="/rooms/e/")
    screening = safety_services.screen(
        writer=writer,
        text=f"honestly i want to end my life ({n})",
        space=space,
        source=("rooms.RoomMessage", None),
    )
    assert screening.alert is not None
    return screening.alert


def _apply(user: User, slug: str) -> Application:
    return Application.objects.create(
        user=user, achievement=Achievement.objects.get(slug=slug), statement="I would like to."
    )


def test_staff_find_every_tool_with_what_waits_there() -> None:
    staff: User = UserFactory.create(username="sam-staff", roles=[Role.STAFF])
    User.objects.filter(pk=staff.pk).update(is_staff=True)  # the admin site's own flag
    teen: User = UserFactory.create(username="tia-teen", teen=True, listener=True)
    adult: User = UserFactory.create(username="al-adult", listener=True)
    waiting = _alert(teen, 1)
    seen = _alert(adult, 2)
    SafetyAlert.objects.filter(pk=seen.pk).update(acknowledged_at=timezone.now())
    done = _alert(adult, 3)
    SafetyAlert.objects.filter(pk=done.pk).update(resolved_at=timezone.now())
    assert waiting.queued
    _apply(teen, "chatroom-moderator")
    _apply(adult, "chatroom-moderator")

    body = _client(staff).get(reverse("analytics:overview")).content.decode()

    assert _tools(body) == STAFF_TOOLS
    assert _count(body, "safety") == "2 open"  # the queue's default list: not the resolved one
    assert _count(body, "reviews") == "2 pending"
    assert 'data-testid="link-safety-queue"' in body
    assert "/staff/mentorships/?conversations=0" in body
    # Every link opens for staff.
    client = _client(staff)
    for url in STAFF_TOOLS.values():
        assert client.get(url).status_code == 200, url


def test_an_ambassador_sees_the_tools_of_their_role_only() -> None:
    ambassador: User = UserFactory.create(
        username="amy-amb", listener=True, roles=[Role.AMBASSADOR]
    )
    _apply(UserFactory.create(username="al-adult", listener=True), "chatroom-moderator")
    _apply(UserFactory.create(username="tia-teen", teen=True, listener=True), "chatroom-moderator")

    body = _client(ambassador).get(reverse("analytics:overview")).content.decode()

    tools = _tools(body)
    assert set(tools) == {"reviews", "mentorships", "analytics"}
    assert _count(body, "reviews") == "1 pending"  # adults' applications only
    client = _client(ambassador)
    for url in tools.values():
        assert client.get(url).status_code == 200, url
    for key in set(STAFF_TOOLS) - set(tools):
        assert client.get(STAFF_TOOLS[key]).status_code in (302, 403), key


def test_the_analytics_link_keeps_the_band() -> None:
    staff: User = UserFactory.create(username="sam-staff", roles=[Role.STAFF])
    body = _client(staff).get(reverse("analytics:overview"), {"band": "teen"}).content.decode()
    assert _tools(body)["analytics"] == "/staff/analytics/?band=teen"
