from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_me_requires_a_session(client):
    response = client.get("/api/me")
    assert response.status_code == 401


def test_me_returns_band_and_roles(client, world):
    client.force_login(world.teen_listener)
    data = client.get("/api/me").json()
    assert data == {
        "username": "w-teen-listener",
        "display_name": "w-teen-listener",
        "account_type": "listener",
        "age_band": "teen",
        "timezone": "Europe/London",
        "roles": [],
    }
    client.force_login(world.mentor)
    assert client.get("/api/me").json()["roles"] == ["Mentor"]


def test_openapi_is_served_offline(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/me" in spec["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_unsafe_methods_need_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.adult_member)
    response = client.post("/api/me")
    assert response.status_code in (403, 405)


def test_suspended_accounts_get_a_json_reason(client, world):
    client.force_login(world.suspended)
    response = client.get("/api/me")
    assert response.status_code == 403
    assert "suspended until" in response.json()["detail"]
