"""A mentor's settings page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from peerpath.accounts.models import Topic, User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.mentorship.models import (
    MentorProfile,
)
from peerpath.mentorship.tests.helpers import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def settings_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "capacity": "3",
        "specialties": [Topic.objects.get(slug="grief-loss").pk],
        "track_listeners": "on",
        "track_group_ii": "on",
        "approach": "Small steps, kind words.",
        "availability": ["9", "10", "33"],
    }
    data.update(overrides)
    return data


def test_a_mentor_saves_their_settings(people, login):
    c = login(people["mentor"])
    page = c.get(reverse("mentorship:settings"))
    assert page.status_code == 200
    assert 'name="capacity"' in text(page)
    response = c.post(reverse("mentorship:settings"), settings_data())
    assert response.status_code == 302
    profile = MentorProfile.objects.get(pk=people["mentor"].pk)
    assert profile.capacity == 3
    assert (profile.track_listeners, profile.track_group_i, profile.track_group_ii) == (
        True,
        False,
        True,
    )
    assert profile.approach == "Small steps, kind words."
    assert list(profile.specialties.values_list("slug", flat=True)) == ["grief-loss"]
    assert User.objects.get(pk=people["mentor"].pk).profile.available_hours() == [9, 10, 33]


def test_a_new_mentor_creates_their_profile_with_capacity_zero_meaning_paused(people, login):
    fresh = UserFactory.create(username="new-mentor", listener=True, roles=[Role.MENTOR])
    response = login(fresh).post(reverse("mentorship:settings"), settings_data(capacity="0"))
    assert response.status_code == 302
    assert MentorProfile.objects.get(pk=fresh.pk).capacity == 0
    body = text(login(people["listener"]).get(reverse("mentorship:directory")))
    assert "Paused" in body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"capacity": "21"}, "less than or equal to 20"),
        ({"capacity": "-1"}, "greater than or equal to 0"),
        ({"capacity": "lots"}, "whole number"),
        ({"capacity": ""}, "required"),
        ({"track_listeners": "", "track_group_ii": ""}, "at least one mentoring track"),
        ({"specialties": ["99999"]}, "valid choice"),
        ({"specialties": ["99999999999999999999"]}, "not a valid value"),
        ({"approach": "a\x00b"}, "NUL"),
        ({"availability": ["168"]}, "valid choice"),
        ({"approach": "z" * 1001}, "at most 1000"),
    ],
)
def test_bad_settings_answer_400_and_save_nothing(people, login, overrides, message):
    response = login(people["mentor"]).post(
        reverse("mentorship:settings"), settings_data(**overrides)
    )
    assert response.status_code == 400
    assert message in text(response)
    profile = MentorProfile.objects.get(pk=people["mentor"].pk)
    assert profile.capacity == 2
    assert profile.approach.startswith("I listen first")


def test_people_who_may_not_mentor_get_403_with_the_reason(people, login):
    for who in ("listener", "member", "staff"):
        response = login(people[who]).get(reverse("mentorship:settings"))
        assert response.status_code == 403
        assert "people staff have made mentors" in text(response)
    response = login(people["listener"]).post(reverse("mentorship:settings"), settings_data())
    assert response.status_code == 403
    assert not MentorProfile.objects.filter(pk=people["listener"].pk).exists()
