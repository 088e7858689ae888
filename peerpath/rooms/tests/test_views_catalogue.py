"""The room list (own age band only, locks with their reasons, filters, a page at a
time, escaping, query counts) and the room page (404 across bands, 403 with the
reason)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from peerpath.accounts.models import Block, Language, Topic
from peerpath.activity.models import ActivityKind
from peerpath.progression.tests.helpers import add_events
from peerpath.rooms.models import Room, RoomSession, Sanction, SanctionKind, SessionKind
from peerpath.rooms.tests.pages import (
    ESCAPED,
    XSS,
    listing,
    make_room,
    masked,
    moderator,
    person,
    say,
    text,
)
from peerpath.rooms.views.catalogue import ROOMS_PER_PAGE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_our_rooms")]

LIST_QUERIES = 18


def test_list_shows_only_the_viewers_age_band(login, rooms) -> None:
    teen = person(teen=True)
    adult = person()
    teen_page = text(login(teen).get("/rooms/"))
    assert "Teen lounge" in teen_page
    assert "Evening room" not in teen_page
    adult_page = text(login(adult).get("/rooms/"))
    assert "Evening room" in adult_page
    assert "Teen lounge" not in adult_page


def test_other_band_room_is_a_404_like_a_missing_room(login, rooms) -> None:
    c = login(person(teen=True))
    hidden = c.get("/rooms/evening-room/")
    missing = c.get("/rooms/no-such-room/")
    assert hidden.status_code == missing.status_code == 404
    assert masked(hidden.content) == masked(missing.content)
    assert "Evening room" not in text(hidden)
    # and the other way round
    assert login(person()).get("/rooms/teen-lounge/").status_code == 404


def test_list_is_grouped_by_category_with_card_details(login) -> None:
    anxiety = Topic.objects.get(slug="anxiety")
    make_room("calm-corner", name="Calm corner", topic=anxiety, category="member_support")
    make_room("circle", name="Tuesday circle", category="sharing_circle")
    make_room("inactive", name="Gone room", is_active=False)
    page = listing(login(person()).get("/rooms/"))
    assert page.index("Member support") < page.index("Calm corner") < page.index("Sharing circles")
    assert page.index("Sharing circles") < page.index("Tuesday circle")
    assert "Gone room" not in page
    assert anxiety.name in page
    assert "Nobody yet" in page  # people present
    assert 'data-testid="room-group"' in page


def test_locked_room_says_why_and_what_unlocks_it(login) -> None:
    make_room(
        "t-listener-lounge",
        name="Listener lounge",
        audience="listeners",
        category="listener",
        lock={"all": [{"held": "verified-listener"}, {"count": "group_chat", "min": 3}]},
    )
    page = text(login(person(listener=True)).get("/rooms/"))
    card = page.split('data-slug="t-listener-lounge"', 1)[1].split("</article>", 1)[0]
    assert 'data-testid="lock"' in card
    assert "needs the Verified Listener badge" in card
    assert "0 of 3 group chats" in card
    assert 'href="/path/"' in card
    assert 'data-enterable="false"' in page


def test_lock_progress_counts_down(login) -> None:
    make_room("chatty", lock={"count": "group_chat", "min": 3})
    user = person(listener=True)
    add_events(user, ActivityKind.GROUP_CHAT, 2)
    page = listing(login(user).get("/rooms/"))
    assert "2 of 3 group chats" in page
    add_events(user, ActivityKind.GROUP_CHAT, 1)
    page = listing(login(user).get("/rooms/"))
    assert 'data-testid="lock"' not in page
    assert 'data-enterable="true"' in page


def test_audience_and_ban_reasons_are_shown(login) -> None:
    make_room("for-listeners", name="For listeners", audience="listeners", category="listener")
    banned_room = make_room("banned-here", name="Banned here")
    member = person()
    Sanction.objects.create(
        user=member, kind=SanctionKind.BAN, room=banned_room, reason="Spamming links"
    )
    page = text(login(member).get("/rooms/"))
    assert "This room is for listeners." in page
    assert "You are banned from this room" in page
    assert "Spamming links" in page


def test_filters_narrow_the_list(login) -> None:
    make_room("calm-corner", name="Calm corner", description="Breathing together")
    make_room("circle", name="Tuesday circle", category="sharing_circle")
    make_room("for-listeners", name="Listener room", audience="listeners", category="listener")
    c = login(person())
    page = listing(c.get("/rooms/", {"q": "breathing"}))
    assert "Calm corner" in page
    assert "Tuesday circle" not in page
    page = listing(c.get("/rooms/", {"category": "sharing_circle"}))
    assert "Tuesday circle" in page
    assert "Calm corner" not in page
    page = listing(c.get("/rooms/", {"audience": "listeners"}))
    assert "Listener room" in page
    assert "Calm corner" not in page
    page = listing(c.get("/rooms/", {"open": "1"}))
    assert "Calm corner" in page
    assert "Listener room" not in page  # a member cannot join it


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"category": "nonsense"}, "Choose a kind of room from the list."),
        ({"audience": "aliens"}, "Choose who the room is for from the list."),
        ({"open": "banana"}, "Use 1 to show only rooms you can join."),
        ({"q": "x" * 101}, "at most 100 characters"),
        ({"q": "a\x00b"}, "not allowed"),
    ],
)
def test_invalid_filters_are_a_400_with_a_message(login, rooms, params, message) -> None:
    response = login(person()).get("/rooms/", params)
    assert response.status_code == 400
    assert message in text(response)
    assert "Evening room" not in listing(response)


def test_htmx_gets_only_the_list(login, rooms) -> None:
    c = login(person())
    response = c.get("/rooms/", {"q": "evening"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<div id="room-list"') or 'id="room-list"' in body[:300]
    assert "<html" not in body
    bad = c.get("/rooms/", {"category": "x"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    assert "filter-errors" in text(bad)


def test_list_escapes_room_text(login) -> None:
    make_room("xss", name=XSS, description=XSS)
    page = text(login(person()).get("/rooms/"))
    assert XSS not in page
    assert ESCAPED in page


def test_list_queries_do_not_grow_with_rooms(login, django_assert_max_num_queries) -> None:
    user = person(listener=True)
    c = login(user)
    for i in range(3):
        make_room(f"t-room-{i}", lock={"count": "group_chat", "min": 2} if i % 2 else None)
    c.get("/rooms/")  # warm caches (ladder vocabulary, content types)
    with django_assert_max_num_queries(LIST_QUERIES) as few:
        assert c.get("/rooms/").status_code == 200
    for i in range(3, 30):
        room = make_room(
            f"t-room-{i}",
            category=["member_support", "listener", "sharing_circle"][i % 3],
            lock={"count": "group_chat", "min": 2} if i % 2 else None,
        )
        RoomSession.objects.create(
            room=room,
            kind=SessionKind.SUPPORT_SESSION,
            title=f"Session {i}",
            host=user,
            starts_at=timezone.now() + dt.timedelta(hours=i),
            ends_at=timezone.now() + dt.timedelta(hours=i + 1),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert c.get("/rooms/").status_code == 200


def test_list_needs_login(client: Client) -> None:
    response = client.get("/rooms/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def slugs(response: Any) -> list[str]:
    return re.findall(r'data-testid="room-card" data-slug="([^"]+)"', text(response))


def many_rooms(member_support: int, sharing: int) -> list[str]:
    """Rooms in list order: member support rooms first (by sort order), then circles."""
    made = [
        make_room(f"support-{i:02d}", name=f"Support {i:02d}", sort_order=i).slug
        for i in range(member_support)
    ]
    made += [
        make_room(f"circle-{i:02d}", name=f"Circle {i:02d}", category="sharing_circle").slug
        for i in range(sharing)
    ]
    return made


def test_list_shows_a_first_page_and_the_rest_on_demand(login) -> None:
    every = many_rooms(ROOMS_PER_PAGE + 2, 4)
    c = login(person())
    first = c.get("/rooms/")
    assert first.status_code == 200
    assert slugs(first) == every[:ROOMS_PER_PAGE]
    page = text(first)
    assert f"{len(every)} rooms" in page  # the count is of every room, not of the page
    assert "match these filters" not in page
    assert f"{ROOMS_PER_PAGE} of {len(every)} shown" in page
    assert 'href="/rooms/?page=2"' in page
    assert 'hx-get="/rooms/?page=2"' in page

    # Without JavaScript, page 2 is a page of its own, with the way back.
    second = c.get("/rooms/", {"page": "2"})
    assert second.status_code == 200
    assert slugs(second) == every[ROOMS_PER_PAGE:]
    assert "Back to the first rooms" in text(second)
    assert "Show more rooms" not in text(second)
    assert "match these filters" not in text(second)

    # Past the end: no rooms, no error.
    past = c.get("/rooms/", {"page": "9"})
    assert past.status_code == 200
    assert slugs(past) == []
    assert "There are no more rooms." in text(past)


def test_more_rooms_through_htmx_join_the_group_they_continue(login) -> None:
    every = many_rooms(ROOMS_PER_PAGE + 2, 4)
    c = login(person())
    more = c.get("/rooms/", {"page": "2"}, HTTP_HX_REQUEST="true")
    assert more.status_code == 200
    body = text(more)
    assert "<html" not in body
    assert 'id="room-list"' not in body
    assert slugs(more) == every[ROOMS_PER_PAGE:]
    # The two member support rooms left go into the group already on the page ...
    oob, rest = body.split("</div>", 1)[0], body.split('hx-swap-oob="beforeend:', 1)[1]
    assert 'hx-swap-oob="beforeend:#room-cards-member_support"' in oob
    assert oob.count('data-testid="room-card"') == 2
    assert 'id="group-member_support"' not in body  # never a second heading
    # ... the circles come as their own group, and nothing more is offered.
    assert 'id="group-sharing_circle"' in rest
    assert 'id="room-cards-sharing_circle"' in rest
    assert "Show more rooms" not in body
    # The first page's groups are the targets those cards are added to.
    first = text(c.get("/rooms/"))
    assert 'id="room-cards-member_support"' in first
    assert 'id="room-more"' in first


def test_paging_keeps_the_filters_and_a_filter_starts_again_at_the_first_page(login) -> None:
    every = many_rooms(ROOMS_PER_PAGE + 3, 0)
    c = login(person())
    first = c.get("/rooms/", {"q": "support"})
    assert slugs(first) == every[:ROOMS_PER_PAGE]
    assert 'href="/rooms/?q=support&amp;page=2"' in text(first)
    assert f"{len(every)} rooms match these filters" in text(first)
    second = c.get("/rooms/", {"q": "support", "page": "2"})
    assert slugs(second) == every[ROOMS_PER_PAGE:]
    # The filter form never carries the page: changing a filter shows the first rooms.
    assert 'name="page"' not in text(first)


def test_only_open_rooms_are_paged_after_the_locks(login) -> None:
    open_rooms = [
        make_room(f"open-{i:02d}", name=f"Open {i:02d}", sort_order=2 * i).slug
        for i in range(ROOMS_PER_PAGE + 1)
    ]
    for i in range(ROOMS_PER_PAGE):
        make_room(f"locked-{i:02d}", sort_order=2 * i + 1, lock={"held": "verified-listener"})
    c = login(person())
    first = c.get("/rooms/", {"open": "1"})
    assert slugs(first) == open_rooms[:ROOMS_PER_PAGE]
    assert f"{len(open_rooms)} rooms match these filters" in text(first)
    second = c.get("/rooms/", {"open": "1", "page": "2"}, HTTP_HX_REQUEST="true")
    assert slugs(second) == open_rooms[ROOMS_PER_PAGE:]
    # Every room, locked ones with their reason, when the filter is off.
    everything = c.get("/rooms/")
    assert 'data-testid="lock"' in text(everything)
    assert f"{2 * ROOMS_PER_PAGE + 1} rooms" in text(everything)


@pytest.mark.parametrize("page", ["0", "-1", "two", "1001", "99999999999999999999999"])
def test_a_bad_page_is_a_400_with_a_message(login, rooms, page) -> None:
    response = login(person()).get("/rooms/", {"page": page})
    assert response.status_code == 400
    assert "The page must be a whole number from 1 to 1000." in text(response)
    assert "Evening room" not in listing(response)


def test_room_page_shows_the_chat(login, rooms) -> None:
    room = rooms["adult"]
    user = person()
    say(room, person(username="kind-sam"), XSS)
    RoomSession.objects.create(
        room=room,
        kind=SessionKind.SHARING_CIRCLE,
        title="Evening circle",
        host=moderator(),
        starts_at=timezone.now() + dt.timedelta(hours=2),
        ends_at=timezone.now() + dt.timedelta(hours=3),
    )
    response = login(user).get("/rooms/evening-room/")
    assert response.status_code == 200
    page = text(response)
    assert f'data-ws-path="/ws/rooms/{room.pk}/"' in page
    assert 'maxlength="1000"' in page
    assert "kind-sam" in page
    assert XSS not in page
    assert ESCAPED in page
    assert "Evening circle" in page
    assert "Room rules" in page
    assert "js/rooms.js" in page
    assert 'data-testid="room-controls"' not in page  # members have no room controls


def test_room_page_is_403_with_the_lock_reason(login) -> None:
    make_room("locked", lock={"held": "verified-listener"})
    response = login(person(listener=True)).get("/rooms/locked/")
    assert response.status_code == 403
    assert "needs the Verified Listener badge" in text(response)
    assert 'href="/path/"' in text(response)


def test_room_page_is_403_with_the_audience_or_ban_reason(login) -> None:
    make_room("listeners-only", audience="listeners", category="listener")
    member = person()
    response = login(member).get("/rooms/listeners-only/")
    assert response.status_code == 403
    assert "This room is for listeners." in text(response)
    room = make_room("banned", name="Banned")
    Sanction.objects.create(user=member, kind=SanctionKind.BAN, room=room, reason=XSS)
    response = login(member).get("/rooms/banned/")
    assert response.status_code == 403
    assert "You are banned from this room" in text(response)
    assert ESCAPED in text(response)


def test_moderator_sees_controls_and_enters_locked_rooms(login) -> None:
    make_room("locked", lock={"held": "verified-listener"})
    page = text(login(moderator()).get("/rooms/locked/"))
    assert 'data-testid="room-controls"' in page
    assert 'data-moderator="true"' in page
    assert "Pause the room" in page


def test_paused_room_shows_the_banner_and_why_posting_is_closed(login, rooms) -> None:
    room = rooms["adult"]
    Room.objects.filter(pk=room.pk).update(
        locked_at=timezone.now(), locked_reason="Taking a breath", slow_mode_seconds=30
    )
    page = text(login(person()).get("/rooms/evening-room/"))
    banner = page.split('id="banner-paused"', 1)[1].split("</p>", 1)[0]
    assert "hidden" not in banner.split(">", 1)[0]
    assert "Taking a breath" in banner
    assert 'data-can-post="false"' in page
    assert "A moderator has paused this room" in page
    slow = page.split('id="banner-slow"', 1)[1].split("</p>", 1)[0]
    assert "30" in slow


def test_blocked_people_are_not_shown_in_the_room(login, rooms) -> None:
    room = rooms["adult"]
    me, them = person(), person(username="loud-person")
    say(room, them, "you will not see this")
    Block.objects.create(blocker=me, blocked=them)
    assert "you will not see this" not in text(login(me).get("/rooms/evening-room/"))


def test_rooms_in_the_viewers_languages_come_first_within_a_kind(login) -> None:
    # issue 19: for an English speaker "Apoyo general (español)" sorted before "Welcome Room"
    make_room("apoyo", name="Apoyo general (español)", language="es", sort_order=10)
    make_room("welcome", name="Welcome Room", language="en", sort_order=10)
    make_room("accueil", name="Accueil (français)", language="fr", sort_order=5)
    make_room("circle", name="A circle", category="sharing_circle", language="es")
    english = person()  # profile languages: English
    assert slugs(login(english).get("/rooms/")) == ["welcome", "accueil", "apoyo", "circle"]
    spanish = person()
    spanish.profile.languages.set(Language.objects.filter(code="es"))
    assert slugs(login(spanish).get("/rooms/")) == ["apoyo", "accueil", "welcome", "circle"]
    nobody = person()
    nobody.profile.languages.clear()  # no languages given: the site's language first
    assert slugs(login(nobody).get("/rooms/"))[0] == "welcome"
