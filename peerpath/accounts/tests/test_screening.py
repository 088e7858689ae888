"""Screening of the texts people write about themselves: the pseudonym at sign-up, the
display name and the bio. A hit never blocks the write; the writer sees help on the next
page; the alert goes to the staff queue (a profile has no responder but staff)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse

from peerpath.accounts import services
from peerpath.accounts.models import Language, Topic, User
from peerpath.accounts.tests.factories import PASSWORD, UserFactory, years_ago
from peerpath.accounts.tests.test_views import signup_data
from peerpath.safety.models import SafetyAlert

pytestmark = pytest.mark.django_db

CRISIS = "honestly i want to end my life tonight"
HELP = 'data-testid="crisis-help"'


def _update(user: User, **changes: str) -> services.ProfileSaved:
    profile = user.profile
    fields: dict[str, Any] = {
        "display_name": profile.display_name,
        "bio": profile.bio,
        "tz_name": user.timezone,
        **changes,
    }
    return services.update_profile(
        actor=user,
        user=user,
        topics=profile.topics.all(),
        languages=profile.languages.all(),
        availability=profile.availability,
        **fields,
    )


def _alerts(source: str) -> list[SafetyAlert]:
    return list(SafetyAlert.objects.filter(source=source))


def test_a_crisis_bio_is_saved_queued_for_staff_and_answered_with_help() -> None:
    user = UserFactory.create(teen=True)

    saved = _update(user, bio=CRISIS)

    assert saved.profile.bio == CRISIS  # never blocked
    assert saved.screening.resources  # help for the writer, teen lines
    [alert] = _alerts("accounts.Profile")
    assert (alert.source_id, alert.writer, alert.channel) == (saved.profile.pk, user, "profile")
    assert alert.writer_band == "teen"
    assert alert.queued
    assert not alert.responders.exists()
    assert alert.url == reverse("accounts:profile_detail", args=[user.username])


def test_an_unchanged_text_is_not_alerted_again_and_ordinary_text_never() -> None:
    user = UserFactory.create()
    _update(user, display_name=CRISIS[:50])
    again = _update(user, bio="I like long walks.")  # the display name did not change
    assert again.screening.alert is None
    assert again.screening.resources == []
    assert len(_alerts("accounts.Profile")) == 1
    assert _update(user, bio="Exams make me so tired and sad").screening.alert is None


def test_a_crisis_pseudonym_is_screened_when_the_account_is_opened() -> None:
    opened = services.open_account(
        username="i_want_to_die_now",
        email="x@example.org",
        password=PASSWORD,
        date_of_birth=years_ago(30),
        tz_name="Europe/London",
    )
    assert opened.user.pk is not None
    assert opened.screening.resources
    [alert] = _alerts("accounts.User")
    assert alert.source_id == opened.user.pk
    assert alert.queued


def test_an_ordinary_account_raises_nothing() -> None:
    user = UserFactory.create(username="gentle-fox")
    assert user.pk is not None
    assert not SafetyAlert.objects.exists()


def test_bad_input_is_still_refused_and_screens_nothing() -> None:
    user = UserFactory.create()
    with pytest.raises(ValidationError):
        _update(user, bio=CRISIS, tz_name="Nowhere/Atlantis")
    user.profile.refresh_from_db()
    assert user.profile.bio == ""
    assert not SafetyAlert.objects.exists()


# --- Pages ---------------------------------------------------------------------------------


def _profile_form(**overrides: Any) -> dict[str, Any]:
    return {
        "display_name": "River",
        "bio": "I like long walks.",
        "topics": [Topic.objects.get(slug="anxiety").pk],
        "languages": [Language.objects.get(code="en").pk],
        "availability": ["0"],
        "timezone": "Europe/London",
        **overrides,
    }


def test_the_profile_page_shows_help_once_after_a_crisis_bio(client: Client) -> None:
    user = UserFactory.create()
    client.force_login(user)

    response = client.post(reverse("accounts:profile"), _profile_form(bio=CRISIS), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("accounts:profile")
    body = response.content.decode()
    assert HELP in body
    assert "Your profile is saved." in body
    user.profile.refresh_from_db()
    assert user.profile.bio == CRISIS
    assert HELP not in client.get(reverse("accounts:profile")).content.decode()  # once


def test_bad_profile_input_is_400_with_no_help_and_no_alert(client: Client) -> None:
    client.force_login(UserFactory.create())
    response = client.post(
        reverse("accounts:profile"), _profile_form(bio=CRISIS, timezone="Nowhere/Land")
    )
    assert response.status_code == 400
    assert HELP not in response.content.decode()
    assert not SafetyAlert.objects.exists()


def _signup(username: str) -> dict[str, Any]:
    return signup_data(username=username, timezone="Europe/London")


def test_sign_up_with_a_crisis_pseudonym_shows_help_on_the_first_page(client: Client) -> None:
    response = client.post("/accounts/signup/", _signup("want_to_die"), follow=True)

    assert response.status_code == 200
    user = User.objects.get(username="want_to_die")  # the account exists
    assert HELP in response.content.decode()
    alert = SafetyAlert.objects.get(source="accounts.User", source_id=user.pk)
    assert alert.writer_band == "teen"
    assert alert.queued


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_help_also_shows_when_the_address_must_be_verified_first(client: Client) -> None:
    response = client.post("/accounts/signup/", _signup("kill.myself"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert HELP in response.content.decode()
    assert SafetyAlert.objects.filter(source="accounts.User").count() == 1


def test_an_ordinary_sign_up_shows_no_help(client: Client) -> None:
    response = client.post("/accounts/signup/", _signup("gentle-fox"), follow=True)
    assert response.status_code == 200
    assert HELP not in response.content.decode()
    assert not SafetyAlert.objects.exists()
