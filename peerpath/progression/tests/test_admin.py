"""The achievement admin edits the rules through ``services.update_achievement``: the real
change form, posted by staff, is validated with the whole ladder and recorded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.progression.models import Achievement, CriteriaChange

pytestmark = pytest.mark.django_db


def form_data(achievement: Achievement, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in {**model_to_dict(achievement), **changes}.items():
        if name in ("criteria", "tracks"):
            data[name] = json.dumps(value)
        elif value is True:
            data[name] = "on"
        elif value is not None and value is not False:
            data[name] = value
    return data


def test_a_staff_edit_is_saved_and_recorded_by_the_service() -> None:
    staff = UserFactory.create(roles=[Role.STAFF])
    client = Client()
    client.force_login(staff)
    supporter = Achievement.objects.get(slug="room-supporter")
    url = reverse("admin:progression_achievement_change", args=[supporter.pk])
    response = client.post(url, form_data(supporter, name="Evening Room Keeper", grace_days=21))
    assert response.status_code == 302, response.context["adminform"].form.errors
    supporter.refresh_from_db()
    assert (supporter.name, supporter.grace_days) == ("Evening Room Keeper", 21)
    change = CriteriaChange.objects.get(achievement=supporter, source="admin")
    assert change.changed_by == staff
    assert change.before is not None
    assert change.before["name"] != change.after["name"]
    # an unchanged form records nothing more
    assert client.post(url, form_data(supporter)).status_code == 302
    assert CriteriaChange.objects.filter(achievement=supporter, source="admin").count() == 1
