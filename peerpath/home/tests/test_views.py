"""The home page: the landing page for visitors, the dashboard for signed-in people."""

from __future__ import annotations

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_landing_for_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Join the community" in response.content.decode()


def test_dashboard_shows_type_band_and_roles(client, world):
    client.force_login(world.mentor)
    body = client.get("/").content.decode()
    assert "Adult (18+)" in body
    assert "Listener" in body
    assert "Mentor" in body


def test_suspended_people_see_the_reason_on_their_dashboard(client, world):
    client.force_login(world.suspended)
    response = client.get("/")
    assert response.status_code == 200
    assert "Repeated rudeness" in response.content.decode()
    assert response.context["mentoring"] is None


def test_naive_datetimes_never_displayed(client, world):
    client.force_login(world.adult_member)
    response = client.get("/")
    assert response.status_code == 200
    assert timezone.get_current_timezone_name() == "UTC"  # deactivated after the request


def test_dashboard_query_count(client, world, django_assert_num_queries):
    # session + user + the header bell's unread count are 3; the rest is the page's own
    # reads: activity counts, profile, roles, current mentorships, waiting requests, and (a
    # mentor without a mentor of their own) whether a mentor-suggestion nudge reached them
    client.force_login(world.mentor)
    with django_assert_num_queries(9):
        assert client.get("/").status_code == 200
