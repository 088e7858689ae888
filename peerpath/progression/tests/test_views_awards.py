"""The path page: /path/ with real numbers (tenure, progress, held roles with certificates,
teen names, paused roles and owed trainings) and its query cost."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import record_activity
from peerpath.progression.models import Award, AwardSource, AwardState, Certificate
from peerpath.progression.services.achievements import update_achievement
from peerpath.progression.tests.helpers import (
    MODERATOR_APPLY,
    PATH,
    REVIEWS,
    achievement,
    events,
    grant,
    item_html,
    listener,
    make_moderator_eligible,
    text,
)

pytestmark = pytest.mark.django_db

# --- /path/ -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    response = client.get(PATH)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_new_listener_sees_real_numbers_and_progress_bars(login) -> None:
    lee = listener("lee-listener")
    record_activity(user=lee, kind=ActivityKind.GROUP_CHAT)
    response = login(lee).get(PATH)
    assert response.status_code == 200
    body = text(response)
    assert "<h1>Your path</h1>" in body
    room = item_html(response, "room-supporter")
    assert "1 of 2 group chats" in room
    assert "Does not hold Newbie" in room  # a new listener wears Newbie for 4 weeks
    assert "Not yet" in room
    assert "<progress" in room
    host = item_html(response, "sharing-circle-host")
    assert "Holds Room Supporter" in host
    assert "0 of 14 days as Room Supporter" in host
    assert "1 of 10 group chats" in host
    assert "0 of 10 one-to-one chats" in item_html(response, "listener-level-1")
    # the sections
    for heading in ("Next steps", "Leadership roles", "Listener milestones", "Badges"):
        assert heading in body
    assert 'data-testid="next-step"' in body
    # the badge shelf: every tier of a series shows, the first group chat tier is counted
    assert body.count('data-series="group-chats"') == 1
    assert ">100</span>" in body  # the top tier is visible, not yet earned
    assert "Verified Listener" in body
    # links to the other path pages; no reviews link for a listener
    assert reverse("progression-buddies") in body
    assert reverse("progression-mock-chats") in body
    assert REVIEWS not in body
    # the navigation links here
    assert f'href="{PATH}" aria-current="page"' in body


def test_a_new_member_counts_days_as_a_member_from_today(login) -> None:
    meg: User = UserFactory.create(username="meg-member")
    events(meg, ActivityKind.GROUP_CHAT, 3)
    room = item_html(login(meg).get(PATH), "room-supporter")
    assert "0 of 28 days as a member" in room
    assert "3 of 5 group chats" in room


def test_tenure_counts_from_listener_since(login) -> None:
    """Four weeks in, Newbie is gone and two group chats make a Room Supporter (automatic)."""
    lee = listener("lee-listener")
    User.objects.filter(pk=lee.pk).update(listener_since=timezone.now() - dt.timedelta(days=30))
    events(lee, ActivityKind.GROUP_CHAT, 2)
    room = item_html(login(lee).get(PATH), "room-supporter")
    assert "2 of 2 group chats" in room
    assert "Eligible" in room
    assert "You'll receive this at the next update" in room
    assert MODERATOR_APPLY not in room  # automatic: nothing to apply for


def test_a_held_role_shows_with_its_certificate_and_history(login) -> None:
    lee = listener("lee-listener")
    award = grant(lee, "room-supporter", days_ago=3)
    response = login(lee).get(PATH)
    room = item_html(response, "room-supporter")
    assert 'data-testid="status">Held<' in room
    cert = Certificate.objects.get(award=award)
    assert f"/certificates/{cert.pk}/" in room
    body = text(response)
    assert 'data-action="granted"' in body
    assert "Granted</strong>: Room Supporter — test" in body


def test_an_eligible_listener_is_offered_the_application(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    response = login(lee).get(PATH)
    mod = item_html(response, "chatroom-moderator")
    assert "Eligible" in mod
    assert "20 of 20 group chats" in mod
    assert "3 of 3 positive reviews" in mod
    assert f'href="{MODERATOR_APPLY}"' in mod
    assert "Apply for Chatroom Moderator" in mod


def test_teens_see_teen_names_and_no_adult_only_roles(login) -> None:
    tam = listener("tam-teen", teen=True)
    body = text(login(tam).get(PATH))
    assert "Teen Star" in body
    assert "Group Support Mentor Leader" not in body
    assert "Group Support Ambassador" not in body
    adult = text(login(listener("ada-adult")).get(PATH))
    assert "Group Support Mentor Leader" in adult
    assert "Teen Star" not in adult


def test_a_paused_role_says_which_training_is_due_and_by_when(login) -> None:
    lee = listener("lee-listener")
    award = grant(lee, "group-support-mentor", days_ago=20)
    assert award.obligation_due is not None
    Award.objects.filter(pk=award.pk).update(state=AwardState.PENDING_TRAINING)
    response = login(lee).get(PATH)
    due = award.obligation_due.astimezone(ZoneInfo("Europe/London"))  # the person's zone
    mentor = item_html(response, "group-support-mentor")
    assert "Pending training" in mentor
    assert (
        f"Global Mod training is due by {due.day} {due:%B %Y}; "
        "the role is paused until you finish it."
    ) in mentor
    assert 'data-testid="obligation"' in text(response)


def test_an_owed_training_shows_under_obligations(login) -> None:
    lee = listener("lee-listener")
    grant(lee, "group-support-mentor", days_ago=2)
    body = text(login(lee).get(PATH))
    assert "Obligations" in body
    assert "complete Global Mod training by" in body


def test_a_role_in_its_grace_period_says_until_when(login) -> None:
    lee = listener("lee-listener")
    award = grant(lee, "room-supporter", days_ago=30)
    below = timezone.now() - dt.timedelta(days=3)
    Award.objects.filter(pk=award.pk).update(source=AwardSource.AUTOMATIC, below_since=below)
    room = item_html(login(lee).get(PATH), "room-supporter")
    until = timezone.localtime(below + dt.timedelta(days=14), ZoneInfo("Europe/London"))
    assert f'data-testid="status">Held — in grace until {until.day} {until:%B %Y}<' in room


def test_a_listener_is_shown_only_the_listener_route(login) -> None:
    """Room Supporter has a member route and a listener route; a listener sees theirs."""
    lee = listener("lee-listener")
    events(lee, ActivityKind.GROUP_CHAT, 1)
    response = login(lee).get(PATH)
    body = text(response)
    steps = body[body.index('id="next-steps"') : body.index("</section>", body.index("next-steps"))]
    room = item_html(response, "room-supporter")
    for html in (steps, room):
        assert "member" not in html
        assert "of 5 group chats" not in html
    assert "1 of 2 group chats" in room
    assert "One of these" not in room  # one route left: no "one of" group


def test_path_leads_with_next_steps_and_held_roles_and_folds_the_rest(login) -> None:
    lee = listener("lee-listener")
    grant(lee, "room-supporter", days_ago=3)
    events(lee, ActivityKind.GROUP_CHAT, 3)
    response = login(lee).get(PATH)
    body = text(response)
    order = [body.index(f'id="{s}"') for s in ("next-steps", "held", "roles", "badges", "history")]
    assert order == sorted(order)
    held = body[body.index('id="held"') : body.index('id="roles"')]
    assert 'id="item-room-supporter"' in held
    assert body.count('id="item-room-supporter"') == 1  # not again under the roles
    # roles not held are folded, their criteria shown once per card
    mod = item_html(response, "chatroom-moderator")
    assert '<details class="path-item-fold">' in mod
    assert mod.count('aria-label="Criteria for Chatroom Moderator"') == 1
    # badges and the history are folded too
    assert '<details class="fold">' in body[body.index('id="badges"') :]


# --- the cost of /path/ -------------------------------------------------------------------

PATH_QUERIES = 12  # see test_path_query_count_is_pinned_and_flat


def test_path_query_count_is_pinned_and_flat(login):
    """Session, user, the ladder's version (the ladder itself is kept per process), the
    facts (people, counts, trainings done, standings), the person's awards (shelf and held
    roles too), applications, history, roles and the bell: 12, however much they did."""
    lee = UserFactory.create(listener=True)
    c = login(lee)
    c.get(PATH)  # reads the ladder into this process
    with CaptureQueriesContext(connection) as few:
        assert c.get(PATH).status_code == 200
    baseline = len(few.captured_queries)
    assert baseline <= PATH_QUERIES, "\n".join(q["sql"][:120] for q in few.captured_queries)
    events(lee, ActivityKind.GROUP_CHAT, 25)
    events(lee, ActivityKind.ONE_TO_ONE_CHAT, 12)
    now = timezone.now()
    for slug in ("group-chats-1", "group-chats-5", "one-to-one-chats-10", "newbie"):
        Award.objects.create(
            user=lee,
            achievement=achievement(slug),
            state=AwardState.ACTIVE,
            source=AwardSource.AUTOMATIC,
            granted_at=now,
            changed_at=now,
        )
    with CaptureQueriesContext(connection) as more:
        body = text(c.get(PATH))
    assert len(more.captured_queries) == baseline
    assert body.count('data-earned="true"') == 4  # three tiers and newbie, from the same read


def test_a_saved_ladder_edit_shows_at_once_despite_the_process_cache(login):
    lee = UserFactory.create(listener=True)
    c = login(lee)
    assert "Evening Room Keeper" not in text(c.get(PATH))
    update_achievement(
        achievement=achievement("room-supporter"),
        changes={"name": "Evening Room Keeper"},
        actor=None,
    )
    assert "Evening Room Keeper" in text(c.get(PATH))


def test_reviewer_link_follows_held_roles_read_with_the_path(login):
    lee = UserFactory.create(listener=True)
    c = login(lee)
    assert REVIEWS not in text(c.get(PATH))
    now = timezone.now()
    Award.objects.create(
        user=lee,
        achievement=achievement("mentor-leader"),
        state=AwardState.ACTIVE,
        source=AwardSource.APPLICATION,
        granted_at=now,
        changed_at=now,
    )
    assert REVIEWS in text(c.get(PATH))
