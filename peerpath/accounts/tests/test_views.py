"""Sign-up, log-in and profile views, including the bad and hostile inputs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from peerpath.accounts.models import Language, Profile, Topic, User
from peerpath.accounts.tests.factories import PASSWORD, UserFactory, years_ago

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
CSRF_RE = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')


def without_csrf(content: bytes) -> bytes:
    """Pages carry a per-response masked CSRF token; compare pages without it."""
    return CSRF_RE.sub(rb"\1", content)


def signup_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "username": "gentle-fox",
        "email": "fox@example.org",
        "password1": "a-very-long-passphrase",
        "password2": "a-very-long-passphrase",
        "date_of_birth": years_ago(16).isoformat(),
        "account_type": "listener",
        "timezone": "America/New_York",
        "languages": [Language.objects.get(code="en").pk],
    }
    data.update(overrides)
    return data


def test_signup_creates_teen_listener_and_lands_on_dashboard(client):
    response = client.post(SIGNUP, signup_data(), follow=True)
    assert response.status_code == 200
    user = User.objects.get(username="gentle-fox")
    assert user.account_type == "listener"
    assert user.age_band.value == "teen"
    assert user.timezone == "America/New_York"
    assert list(user.profile.languages.values_list("code", flat=True)) == ["en"]
    assert response.redirect_chain[-1][0] == "/"
    body = response.content.decode()
    assert "Teen (13–17)" in body
    assert "Listener" in body


def test_signup_page_renders(client):
    response = client.get(SIGNUP)
    assert response.status_code == 200
    assert 'name="date_of_birth"' in response.content.decode()
    assert "real name" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"date_of_birth": years_ago(11).isoformat()}, "date_of_birth", "13 and over"),
        ({"date_of_birth": "2030-01-01"}, "date_of_birth", "future"),
        ({"date_of_birth": "2011-02-30"}, "date_of_birth", "YYYY-MM-DD"),
        ({"date_of_birth": "yesterday"}, "date_of_birth", "YYYY-MM-DD"),
        ({"date_of_birth": "1800-01-01"}, "date_of_birth", "year"),
        ({"date_of_birth": ""}, "date_of_birth", "required"),
        ({"timezone": "Mars/Olympus"}, "timezone", "valid choice"),
        ({"username": "admin"}, "username", "reserved"),
        ({"username": "Staff"}, "username", "reserved"),
        ({"username": "x" * 200}, "username", ""),
        ({"username": "<b>bold</b>"}, "username", ""),
        ({"username": "a b"}, "username", ""),
        ({"email": "not-an-email"}, "email", ""),
        ({"account_type": "superuser"}, "account_type", "valid choice"),
        ({"languages": []}, "languages", "at least one language"),
        ({"languages": ["999999"]}, "languages", ""),
        # Past 64 bits (SQLite overflowed inside pk__in: 500), negative, not ASCII digits.
        ({"languages": ["99999999999999999999"]}, "languages", "not a valid value"),
        ({"languages": ["9" * 5000]}, "languages", "not a valid value"),
        ({"languages": ["-1"]}, "languages", "not a valid value"),
        ({"languages": ["²"]}, "languages", "not a valid value"),
        ({"username": "fox\x00"}, "username", "NUL"),
        ({"email": "fox@example.org\x00"}, "email", "NUL"),
        ({"password2": "different-passphrase"}, "password2", ""),
    ],
)
def test_signup_bad_input_gives_field_errors_and_saves_nothing(client, overrides, field, fragment):
    response = client.post(SIGNUP, signup_data(**overrides))
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors, form.errors
    if fragment:
        assert fragment in " ".join(form.errors[field])
    assert User.objects.count() == 0
    assert Profile.objects.count() == 0


def test_under_13_sees_the_kind_message(client):
    response = client.post(SIGNUP, signup_data(date_of_birth=years_ago(12).isoformat()))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="under-13"' in body
    assert "Nothing you entered has been saved" in body
    assert not User.objects.exists()


def test_demo_names_are_refused_in_production(client, settings):
    settings.DEBUG = False
    response = client.post(SIGNUP, signup_data(username="demo-member"))
    assert "username" in response.context["form"].errors
    assert not User.objects.exists()


def test_duplicate_username_and_email(client):
    UserFactory.create(username="gentle-fox", email="fox@example.org")
    response = client.post(SIGNUP, signup_data(username="GENTLE-FOX", email="new@example.org"))
    assert "username" in response.context["form"].errors
    response = client.post(SIGNUP, signup_data(username="other-fox"))
    assert "email" in response.context["form"].errors
    assert User.objects.count() == 1


def test_signup_requires_csrf():
    client = Client(enforce_csrf_checks=True)
    response = client.post(SIGNUP, signup_data())
    assert response.status_code == 403
    assert "That form expired" in response.content.decode()
    assert not User.objects.exists()


def test_login_and_logout():
    user = UserFactory.create(username="calm-sea")
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": "calm-sea", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"] == user
    response = client.post(
        reverse("account_login"), {"login": "calm-sea", "password": "wrong"}, follow=True
    )
    client.post(reverse("account_logout"))
    assert client.get("/").context["user"].is_anonymous


def test_wrong_password_is_a_form_error(client):
    UserFactory.create(username="calm-sea")
    response = client.post(reverse("account_login"), {"login": "calm-sea", "password": "nope"})
    assert response.status_code == 400
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_mail_through_django(client):
    UserFactory.create(username="calm-sea", email="calm@example.org")
    response = client.post(reverse("account_reset_password"), {"email": "calm@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["calm@example.org"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def profile_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "display_name": "River",
        "bio": "I like long walks.",
        "topics": [Topic.objects.get(slug="anxiety").pk],
        "languages": [Language.objects.get(code="en").pk],
        "availability": ["0", "1", "167"],
        "timezone": "Europe/Madrid",
    }
    data.update(overrides)
    return data


def test_profile_edit_saves(client):
    user = UserFactory.create()
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), profile_data())
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.timezone == "Europe/Madrid"
    assert user.profile.display_name == "River"
    assert user.profile.available_hours() == [0, 1, 167]


def test_profile_html_is_rendered_escaped(client):
    user = UserFactory.create()
    client.force_login(user)
    hostile = '<script>alert("x")</script>'
    client.post(reverse("accounts:profile"), profile_data(display_name=hostile[:50], bio=hostile))
    user.profile.refresh_from_db()
    assert user.profile.bio == hostile
    body = client.get(reverse("accounts:profile_detail", args=[user.username])).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"display_name": "x" * 51}, "display_name"),
        ({"bio": "x" * 1001}, "bio"),
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"availability": ["168"]}, "availability"),
        ({"availability": ["-1"]}, "availability"),
        ({"topics": ["abc"]}, "topics"),
        ({"topics": ["99999999999999999999"]}, "topics"),
        ({"languages": ["99999999999999999999"]}, "languages"),
        ({"bio": "a\x00b"}, "bio"),
        ({"languages": []}, "languages"),
    ],
)
def test_profile_bad_input_is_400_and_keeps_what_was_saved(client, overrides, field):
    user = UserFactory.create()
    client.force_login(user)
    assert client.post(reverse("accounts:profile"), profile_data()).status_code == 302
    response = client.post(reverse("accounts:profile"), profile_data(**{"bio": "new", **overrides}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    user.refresh_from_db()
    assert user.profile.bio == "I like long walks."
    assert user.timezone == "Europe/Madrid"


def test_profile_detail_same_band_visible_other_band_404_like_missing(client, world):
    client.force_login(world.adult_member)
    url = reverse("accounts:profile_detail", args=[world.adult_peer.username])
    assert client.get(url).status_code == 200
    hidden = client.get(reverse("accounts:profile_detail", args=[world.teen_peer.username]))
    missing = client.get(reverse("accounts:profile_detail", args=["nobody-here"]))
    assert hidden.status_code == missing.status_code == 404
    assert without_csrf(hidden.content) == without_csrf(missing.content)


def test_suspended_user_sees_reason_and_is_blocked(client, world):
    client.force_login(world.suspended)
    home = client.get("/")
    assert home.status_code == 200
    assert "Repeated rudeness" in home.content.decode()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 403
    assert "suspended" in response.content.decode()


def test_password_forms_answer_bad_input_with_400(client):
    user = UserFactory.create(username="calm-sea", email="calm@example.org")
    response = client.post(reverse("account_reset_password"), {"email": "not an email"})
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": "n3w-passphrase!", "password2": "n3w-passphrase!"},
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert mail.outbox == []


def test_valid_posts_and_gets_keep_their_status(client):
    assert client.get(SIGNUP).status_code == 200
    response = client.post(SIGNUP, signup_data())
    assert response.status_code == 302


def test_profile_query_counts(client, world, django_assert_num_queries):
    # session + user + the header bell's unread count are 3 of each count; the rest is the
    # page's own reads.
    client.force_login(world.mentor)
    # + subject with profile, topics, languages, roles, badges (progression_tags.badge_list)
    with django_assert_num_queries(8):
        url = reverse("accounts:profile_detail", args=[world.adult_peer.username])
        assert client.get(url).status_code == 200
    # + profile, chosen and all topics and languages, the viewer's roles (the header's Program
    # link, for staff and Ambassadors)
    with django_assert_num_queries(9):
        assert client.get(reverse("accounts:profile")).status_code == 200
