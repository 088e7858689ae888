"""Screening of the leadership texts people write: an application's statement and a buddy
check-in note. Both are always saved and the writer sees help. A statement's hit goes to the
staff queue (reviewers are not responsible for the applicant); a newcomer's check-in note
alerts their buddy (same age band) and the safeguarding team; the buddy's own note, the
safeguarding team alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.errors import Refused
from peerpath.notifications.models import Notification
from peerpath.progression.models import Achievement, Application, BuddyPair
from peerpath.progression.services.applications import Applied, apply_for_role
from peerpath.progression.services.buddies import pair_new_leaders, record_check_in
from peerpath.progression.tests.helpers import leader, listener, make_moderator_eligible, newcomer
from peerpath.safety.models import SafetyAlert

pytestmark = pytest.mark.django_db

CRISIS = "honestly i want to end my life tonight"
HELP = 'data-testid="crisis-help"'


def _apply(user, statement: str) -> Applied:
    moderator = Achievement.objects.get(slug="chatroom-moderator")
    return apply_for_role(user=user, achievement=moderator, statement=statement)


def test_a_crisis_statement_is_sent_queued_and_answered_with_help() -> None:
    lee = make_moderator_eligible(listener("lee-listener", teen=True))

    applied = _apply(lee, CRISIS)

    assert applied.application.statement == CRISIS  # the application is sent
    assert applied.screening.resources
    alert = SafetyAlert.objects.get(source="progression.Application")
    assert (alert.source_id, alert.channel, alert.writer_band) == (
        applied.application.pk,
        "progression",
        "teen",
    )
    assert alert.queued
    assert not alert.responders.exists()


def test_an_ordinary_or_refused_statement_raises_nothing() -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    with pytest.raises(Refused):
        _apply(lee, "too short")
    assert _apply(lee, "I want to keep the evening room kind and calm.").screening.alert is None
    assert not SafetyAlert.objects.exists()


def test_the_path_page_shows_the_help_after_applying(client: Client) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    client.force_login(lee)
    response = client.post("/path/apply/chatroom-moderator/", {"statement": CRISIS}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("progression-path")
    assert HELP in response.content.decode()
    assert Application.objects.get(user=lee).statement == CRISIS


# --- Buddy check-ins -------------------------------------------------------------------------


@pytest.fixture
def pair() -> BuddyPair:
    leader("ci-mod", teen=True)
    newcomer("ci-new", teen=True)
    [created] = pair_new_leaders()
    return created


def test_a_newcomers_crisis_note_alerts_their_buddy_and_the_safeguarding_team(
    pair: BuddyPair, django_capture_on_commit_callbacks: Any
) -> None:
    guard = UserFactory.create(username="sg-staff", roles=[Role.STAFF, Role.SAFEGUARDING])
    UserFactory.create(username="other-staff", roles=[Role.STAFF])  # not on the team

    with django_capture_on_commit_callbacks(execute=True):
        done = record_check_in(pair=pair, user=pair.newcomer, note=CRISIS)

    assert done.pair.check_in_note == CRISIS
    assert done.screening.resources
    alert = SafetyAlert.objects.get(source="progression.BuddyPair", source_id=pair.pk)
    assert set(alert.responders.all()) == {pair.buddy, guard}
    assert Notification.objects.filter(recipient=pair.buddy, category="safety").exists()
    assert Notification.objects.filter(recipient=guard, category="safety").exists()


def test_the_buddys_own_note_goes_to_the_safeguarding_team_alone(pair: BuddyPair) -> None:
    guard = UserFactory.create(username="sg-staff", roles=[Role.STAFF, Role.SAFEGUARDING])
    record_check_in(pair=pair, user=pair.buddy, note=CRISIS)
    alert = SafetyAlert.objects.get(source="progression.BuddyPair")
    assert list(alert.responders.all()) == [guard]
    assert alert.queued  # high severity


def test_a_refused_check_in_screens_nothing(pair: BuddyPair) -> None:
    with pytest.raises(Refused):
        record_check_in(pair=pair, user=pair.newcomer, note=CRISIS + "x" * 1500)
    assert not SafetyAlert.objects.exists()


def test_the_buddies_page_shows_the_help_after_the_check_in(
    pair: BuddyPair, client: Client
) -> None:
    client.force_login(pair.newcomer)
    url = reverse("progression-buddy-check-in", args=[pair.pk])
    response = client.post(url, {"note": CRISIS}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("progression-buddies")
    assert HELP in response.content.decode()
    bad = client.post(url, {"note": "   "})
    assert bad.status_code in (400, 409)
    assert SafetyAlert.objects.count() == 1
