"""The home page: the landing page for visitors, the dashboard for signed-in people."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from peerpath.progression.models import Achievement, AwardSource
from peerpath.progression.services.awards import grant_award, grant_by_staff

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
    # reads: activity counts, held awards, profile, roles, current mentorships, waiting
    # requests, and (a mentor without a mentor of their own) whether a mentor-suggestion
    # nudge reached them
    client.force_login(world.mentor)
    with django_assert_num_queries(10):
        assert client.get("/").status_code == 200


def test_the_badges_card_lists_what_a_listener_holds(client, world):
    """It said "No badges yet" to a listener holding Room Supporter, a milestone and badges
    (the card read staff groups only); a staff-granted Moderator shows once, as the role."""
    lee = world.adult_peer
    staff = world.staff
    for slug in ("room-supporter", "listener-level-1", "group-chats-1", "group-chats-5"):
        grant_award(
            user=lee,
            achievement=Achievement.objects.get(slug=slug),
            source=AwardSource.AUTOMATIC,
            reasons="t",
        )
    grant_by_staff(
        user=lee,
        achievement=Achievement.objects.get(slug="chatroom-moderator"),
        by=staff,
        reason="t",
    )
    client.force_login(lee)
    body = client.get("/").content.decode()
    card = body[body.index('id="badges"') : body.index("</section>", body.index('id="badges"'))]
    assert "No badges yet" not in card
    names = re.findall(r'data-testid="held-award" data-kind="(\w+)">(?:<a [^>]+>)?([^<]+)', card)
    assert names == [
        ("role", "Room Supporter"),
        ("role", "Chatroom Moderator"),
        ("milestone", "Listener Level 1: Active Listener"),
        ("badge", "Group chats: 5"),
    ]
    assert 'data-testid="staff-role">Moderator<' not in card
    assert "/certificates/" in card
