"""The rooms pages: the list (own age band only, locks with their reasons, filters), the room
page (404 across bands, 403 with the reason), every moderation endpoint (allowed for a
moderator, refused for a member, 404 across bands, 400 for bad input with nothing saved),
reports, blocks, the moderation queue, sessions and hosting time, escaping, and query counts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from peerpath.accounts.models import Block, Topic, User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityKind
from peerpath.progression.tests.helpers import add_events
from peerpath.rooms import services
from peerpath.rooms.models import (
    ModAction,
    ModerationLog,
    Report,
    ReportStatus,
    Room,
    RoomCommunity,
    RoomMessage,
    RoomSession,
    RoomStaff,
    RoomStaffKind,
    Sanction,
    SanctionKind,
    SessionKind,
)
from peerpath.rooms.views import ROOMS_PER_PAGE
from peerpath.safety.models import AccessKind, AlertAccess, SafetyAlert

pytestmark = pytest.mark.django_db

XSS = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
CSRF_RE = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')
JSON: dict[str, Any] = {"HTTP_ACCEPT": "application/json"}
LIST_QUERIES = 18


def masked(content: bytes) -> bytes:
    return CSRF_RE.sub(rb"\1", content)


def text(response: Any) -> str:
    return str(response.content.decode())


def listing(response: Any) -> str:
    """The room list only (the filter form names categories and audiences too)."""
    return text(response).split('id="room-list"', 1)[1]


# --- Builders -------------------------------------------------------------------------------


def community(band: str) -> RoomCommunity:
    c, _ = RoomCommunity.objects.get_or_create(
        slug=f"{band}-rooms", defaults={"name": f"{band.title()} rooms"}
    )
    return c


def make_room(
    slug: str,
    *,
    band: str = "adult",
    audience: str = "everyone",
    category: str = "member_support",
    lock: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Room:
    room: Room = Room.objects.create(
        slug=slug,
        name=kwargs.pop("name", slug.replace("-", " ").title()),
        description=kwargs.pop("description", "A kind place to talk."),
        category=category,
        community=community(band),
        band=band,
        audience=audience,
        lock_criteria=lock or {},
        **kwargs,
    )
    return room


def person(*, teen: bool = False, listener: bool = False, **kwargs: Any) -> User:
    user: User = UserFactory.create(teen=teen, listener=listener, **kwargs)
    return user


def moderator(*, teen: bool = False, **kwargs: Any) -> User:
    """A global moderator (the Moderator role) of their band."""
    return person(teen=teen, listener=True, roles=[Role.MODERATOR], **kwargs)


def say(room: Room, sender: User, body: str = "Hello everyone") -> RoomMessage:
    """A message written directly (setup only: no broadcast, no credit)."""
    m: RoomMessage = RoomMessage.objects.create(room=room, sender=sender, body=body)
    return m


@pytest.fixture(autouse=True)
def _only_our_rooms() -> None:
    """Rooms seeded from the catalogue on migrate are set aside: each test makes its own."""
    Room.objects.update(is_active=False)


@pytest.fixture
def login() -> Callable[[User], Client]:
    def _login(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return _login


@pytest.fixture
def rooms() -> dict[str, Room]:
    return {
        "adult": make_room("evening-room", name="Evening room"),
        "teen": make_room("teen-lounge", band="teen", name="Teen lounge"),
    }


# --- The room list --------------------------------------------------------------------------


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
    assert "3 more group chats" in card
    assert 'href="/path/"' in card
    assert 'data-enterable="false"' in page


def test_lock_progress_counts_down(login) -> None:
    make_room("chatty", lock={"count": "group_chat", "min": 3})
    user = person(listener=True)
    add_events(user, ActivityKind.GROUP_CHAT, 2)
    page = listing(login(user).get("/rooms/"))
    assert "1 more group chat" in page
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


# --- The room list, a page at a time ----------------------------------------------------------


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


# --- The room page ---------------------------------------------------------------------------


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


# --- Moderating people ------------------------------------------------------------------------


def moderate(c: Client, slug: str, action: str, **data: Any) -> Any:
    return c.post(f"/rooms/{slug}/moderate/{action}/", data, **JSON)


@pytest.mark.parametrize(
    ("action", "extra", "kind"),
    [
        ("warn", {}, SanctionKind.WARN),
        ("mute", {"minutes": "15"}, SanctionKind.MUTE),
        ("mute", {}, SanctionKind.MUTE),
        ("kick", {}, SanctionKind.KICK),
        ("ban", {"scope": "room", "days": "7"}, SanctionKind.BAN),
        ("ban", {"scope": "community"}, SanctionKind.BAN),
    ],
)
def test_moderator_sanctions(login, rooms, action, extra, kind) -> None:
    mod, target = moderator(), person()
    response = moderate(
        login(mod), "evening-room", action, target=target.pk, reason="Be kind", **extra
    )
    assert response.status_code == 200, response.content
    assert response.json()["ok"] is True
    s = Sanction.objects.get(user=target)
    assert s.kind == kind
    assert s.created_by == mod
    if action == "mute" and extra:
        assert s.expires_at is not None
        assert s.expires_at - s.created_at == dt.timedelta(minutes=15)
    if extra.get("scope") == "community":
        assert s.room is None
        assert s.community == rooms["adult"].community


@pytest.mark.parametrize("action", ["warn", "mute", "kick", "ban"])
def test_member_cannot_sanction(login, rooms, action) -> None:
    target = person()
    response = moderate(login(person()), "evening-room", action, target=target.pk, reason="x")
    assert response.status_code == 403
    assert response.json()["ok"] is False
    assert not Sanction.objects.exists()


@pytest.mark.parametrize("action", ["warn", "mute", "kick", "ban"])
def test_other_band_moderator_gets_404(login, rooms, action) -> None:
    target = person(teen=True)
    response = moderate(login(moderator()), "teen-lounge", action, target=target.pk, reason="x")
    assert response.status_code == 404
    assert not Sanction.objects.exists()


def test_room_supporter_can_warn_but_not_mute(login, rooms) -> None:
    from peerpath.progression.models import Achievement, AwardSource
    from peerpath.progression.services import grant_award

    supporter, target = person(listener=True), person()
    grant_award(
        user=supporter,
        achievement=Achievement.objects.get(slug="room-supporter"),
        source=AwardSource.STAFF,
        reasons="test",
    )
    c = login(supporter)
    assert moderate(c, "evening-room", "warn", target=target.pk, reason="Easy").status_code == 200
    assert moderate(c, "evening-room", "mute", target=target.pk, reason="Easy").status_code == 403
    assert Sanction.objects.filter(user=target).count() == 1


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("warn", {"reason": "Be kind"}, "Choose the person this is about."),
        ("warn", {"target": "abc", "reason": "Be kind"}, "The person must be given by their id."),
        ("warn", {"target": "99999999999999999999", "reason": "x"}, "No such person."),
        ("warn", {"target": "{me}"}, "Please give a reason."),
        ("warn", {"target": "{me}", "reason": "x" * 501}, "at most 500 characters"),
        ("warn", {"target": "{me}", "reason": "a\x00b"}, "not allowed"),
        ("mute", {"target": "{me}", "reason": "x", "minutes": "0"}, "at least 1 minute"),
        ("mute", {"target": "{me}", "reason": "x", "minutes": "99999"}, "at most 30 days"),
        ("mute", {"target": "{me}", "reason": "x", "minutes": "ten"}, "whole number"),
        ("ban", {"target": "{me}", "reason": "x", "scope": "galaxy"}, "Choose where"),
        ("ban", {"target": "{me}", "reason": "x", "days": "99999"}, "at most 10 years"),
    ],
)
def test_bad_moderation_input_is_a_400(login, rooms, action, data, message) -> None:
    target = person()
    data = {k: (str(target.pk) if v == "{me}" else v) for k, v in data.items()}
    response = moderate(login(moderator()), "evening-room", action, **data)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Sanction.objects.exists()


def test_sanctioning_a_missing_or_other_band_person_is_a_404(login, rooms) -> None:
    c = login(moderator())
    teen = person(teen=True)
    for target in (teen.pk, 999_999):
        response = moderate(c, "evening-room", "warn", target=target, reason="x")
        assert response.status_code == 404
        assert response.json()["error"] == "No such person."
    assert not Sanction.objects.exists()


def test_moderators_cannot_sanction_themselves_or_staff(login, rooms) -> None:
    mod = moderator()
    staff = person(roles=[Role.STAFF])
    c = login(mod)
    assert moderate(c, "evening-room", "mute", target=mod.pk, reason="x").status_code == 403
    assert moderate(c, "evening-room", "ban", target=staff.pk, reason="x").status_code == 403
    response = moderate(
        c, "evening-room", "ban", target=person().pk, reason="x", scope="everywhere"
    )
    assert response.status_code == 403
    assert "Only staff" in response.json()["error"]
    assert not Sanction.objects.exists()


def test_unknown_moderation_action_is_a_404(login, rooms) -> None:
    response = moderate(login(moderator()), "evening-room", "vaporise", target=1, reason="x")
    assert response.status_code == 404


def test_plain_form_post_redirects_back_with_a_message(login, rooms) -> None:
    target = person()
    c = login(moderator())
    response = c.post(
        "/rooms/evening-room/moderate/warn/",
        {"target": target.pk, "reason": "Please be kind", "next": "/rooms/evening-room/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/rooms/evening-room/"
    page = text(c.get("/rooms/evening-room/"))
    assert "has been warned" in page


def test_plain_form_post_refusal_is_a_page_with_the_status(login, rooms) -> None:
    response = login(moderator()).post(
        "/rooms/evening-room/moderate/warn/", {"target": person().pk, "reason": ""}
    )
    assert response.status_code == 400
    assert "Please give a reason." in text(response)


def test_offsite_next_is_ignored(login, rooms) -> None:
    response = login(moderator()).post(
        "/rooms/evening-room/moderate/warn/",
        {"target": person().pk, "reason": "x", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/rooms/evening-room/"


def test_htmx_gets_an_outcome_partial(login, rooms) -> None:
    c = login(moderator())
    ok = c.post("/rooms/evening-room/slow-mode/", {"seconds": "30"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200
    assert "Slow mode is on" in text(ok)
    assert "<html" not in text(ok)
    bad = c.post("/rooms/evening-room/slow-mode/", {"seconds": "7"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    assert 'role="alert"' in text(bad)


def test_moderation_needs_csrf(rooms) -> None:
    c = Client(enforce_csrf_checks=True)
    c.force_login(moderator())
    response = c.post("/rooms/evening-room/moderate/warn/", {"target": 1, "reason": "x"})
    assert response.status_code == 403
    assert not Sanction.objects.exists()


def test_get_on_a_post_endpoint_is_405(login, rooms) -> None:
    assert login(moderator()).get("/rooms/evening-room/pause/").status_code == 405


def test_lift_a_sanction(login, rooms) -> None:
    target = person()
    s = Sanction.objects.create(
        user=target,
        kind=SanctionKind.MUTE,
        room=rooms["adult"],
        reason="x",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert login(person()).post(f"/rooms/sanctions/{s.pk}/lift/", **JSON).status_code == 404
    response = login(moderator()).post(f"/rooms/sanctions/{s.pk}/lift/", **JSON)
    assert response.status_code == 200
    s.refresh_from_db()
    assert s.lifted_at is not None
    again = login(moderator()).post(f"/rooms/sanctions/{s.pk}/lift/", **JSON)
    assert again.status_code == 409
    assert login(moderator()).post("/rooms/sanctions/999999/lift/", **JSON).status_code == 404


# --- Messages: delete, report, block ----------------------------------------------------------


def test_moderator_deletes_a_message(login, rooms) -> None:
    m = say(rooms["adult"], person(), "rude words")
    assert login(person()).post(f"/rooms/messages/{m.pk}/delete/", **JSON).status_code == 403
    response = login(moderator()).post(
        f"/rooms/messages/{m.pk}/delete/", {"reason": "Rude"}, **JSON
    )
    assert response.status_code == 200
    m.refresh_from_db()
    assert m.deleted_at is not None
    assert ModerationLog.objects.filter(action=ModAction.DELETE_MESSAGE, message=m).exists()
    page = text(login(person()).get("/rooms/evening-room/"))
    assert "rude words" not in page
    assert "message removed" in page


def test_delete_across_bands_or_missing_is_a_404(login, rooms) -> None:
    m = say(rooms["teen"], person(teen=True))
    c = login(moderator())
    assert c.post(f"/rooms/messages/{m.pk}/delete/", **JSON).status_code == 404
    assert c.post("/rooms/messages/999999/delete/", **JSON).status_code == 404
    assert c.post("/rooms/messages/123456789012345678901/delete/").status_code == 404
    m.refresh_from_db()
    assert m.deleted_at is None
    too_long = c.post(
        f"/rooms/messages/{say(rooms['adult'], person()).pk}/delete/", {"reason": "x" * 501}
    )
    assert too_long.status_code == 400


def test_report_a_message(login, rooms) -> None:
    m = say(rooms["adult"], person(), "hurtful")
    reporter = person()
    c = login(reporter)
    response = c.post(
        f"/rooms/messages/{m.pk}/report/", {"reason": "harassment", "note": XSS}, **JSON
    )
    assert response.status_code == 200
    report = Report.objects.get()
    assert (report.reporter, report.reason, report.note) == (reporter, "harassment", XSS)
    again = c.post(f"/rooms/messages/{m.pk}/report/", {"reason": "spam"}, **JSON)
    assert again.status_code == 409
    assert "already reported" in again.json()["error"]
    assert Report.objects.count() == 1


def test_a_report_resent_with_its_key_answers_the_same_report(login, rooms) -> None:
    """A retry after a network error (or a double click) is a success, not "already
    reported"; the room page's report form carries the key rooms.js fills per message."""
    m = say(rooms["adult"], person(), "hurtful")
    c = login(person())
    data = {"reason": "harassment", "key": "5d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"}
    first = c.post(f"/rooms/messages/{m.pk}/report/", data, **JSON)
    second = c.post(f"/rooms/messages/{m.pk}/report/", data, **JSON)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["report"] == second.json()["report"]
    assert Report.objects.count() == 1
    page = c.get(f"/rooms/{rooms['adult'].slug}/")
    assert b'<input type="hidden" name="key" value="">' in page.content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a reason for the report."),
        ({"reason": "boring"}, "from the list"),
        ({"reason": "spam", "note": "x" * 501}, "at most 500 characters"),
    ],
)
def test_bad_report_is_a_400(login, rooms, data, message) -> None:
    m = say(rooms["adult"], person())
    response = login(person()).post(f"/rooms/messages/{m.pk}/report/", data, **JSON)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Report.objects.exists()


def test_cannot_report_own_or_other_band_messages(login, rooms) -> None:
    me = person()
    mine = say(rooms["adult"], me)
    theirs = say(rooms["teen"], person(teen=True))
    c = login(me)
    assert c.post(f"/rooms/messages/{mine.pk}/report/", {"reason": "spam"}).status_code == 403
    hidden = c.post(f"/rooms/messages/{theirs.pk}/report/", {"reason": "spam"})
    missing = c.post("/rooms/messages/999999/report/", {"reason": "spam"})
    assert hidden.status_code == missing.status_code == 404
    assert masked(hidden.content) == masked(missing.content)
    assert not Report.objects.exists()


def test_block_a_person(login, rooms) -> None:
    me, them = person(), person()
    c = login(me)
    response = c.post(f"/rooms/people/{them.pk}/block/", **JSON)
    assert response.status_code == 200
    assert response.json()["blocked"] == them.pk
    assert Block.objects.filter(blocker=me, blocked=them).exists()
    assert c.post(f"/rooms/people/{them.pk}/block/", **JSON).status_code == 200  # idempotent
    assert c.post(f"/rooms/people/{me.pk}/block/", **JSON).status_code == 400
    assert c.post(f"/rooms/people/{person(teen=True).pk}/block/", **JSON).status_code == 404
    assert c.post("/rooms/people/999999/block/", **JSON).status_code == 404
    assert Block.objects.count() == 1


# --- Room controls ---------------------------------------------------------------------------


def test_slow_mode(login, rooms) -> None:
    c = login(moderator())
    assert c.post("/rooms/evening-room/slow-mode/", {"seconds": "60"}, **JSON).status_code == 200
    rooms["adult"].refresh_from_db()
    assert rooms["adult"].slow_mode_seconds == 60
    for bad in ("7", "-1", "abc", ""):
        response = c.post("/rooms/evening-room/slow-mode/", {"seconds": bad}, **JSON)
        assert response.status_code == 400
    rooms["adult"].refresh_from_db()
    assert rooms["adult"].slow_mode_seconds == 60
    member = login(person())
    response = member.post("/rooms/evening-room/slow-mode/", {"seconds": "0"}, **JSON)
    assert response.status_code == 403
    assert (
        login(moderator()).post("/rooms/teen-lounge/slow-mode/", {"seconds": "0"}).status_code
        == 404
    )


def test_pause_and_unpause(login, rooms) -> None:
    c = login(moderator())
    assert c.post("/rooms/evening-room/pause/", {}, **JSON).status_code == 400
    response = c.post("/rooms/evening-room/pause/", {"reason": XSS}, **JSON)
    assert response.status_code == 200
    room = Room.objects.get(pk=rooms["adult"].pk)
    assert room.locked_at is not None
    assert room.locked_reason == XSS
    page = text(login(person()).get("/rooms/evening-room/"))
    assert ESCAPED in page
    assert XSS not in page
    assert login(person()).post("/rooms/evening-room/unpause/").status_code == 403
    assert c.post("/rooms/evening-room/unpause/", **JSON).status_code == 200
    assert Room.objects.get(pk=room.pk).locked_at is None
    assert login(person()).post("/rooms/evening-room/pause/", {"reason": "x"}).status_code == 403
    assert c.post("/rooms/teen-lounge/pause/", {"reason": "x"}).status_code == 404


# --- The moderation queue ----------------------------------------------------------------------


def test_moderation_queue_is_for_moderators(login, rooms) -> None:
    assert login(person()).get("/rooms/moderation/").status_code == 404
    assert login(person(teen=True, listener=True)).get("/rooms/moderation/").status_code == 404
    assert login(moderator()).get("/rooms/moderation/").status_code == 200
    assert login(person(roles=[Role.STAFF])).get("/rooms/moderation/").status_code == 200
    appointed = person(listener=True)
    RoomStaff.objects.create(
        user=appointed, kind=RoomStaffKind.MODERATOR, community=rooms["adult"].community
    )
    assert login(appointed).get("/rooms/moderation/").status_code == 200


def test_queue_shows_reports_alerts_and_log_of_own_band(login, rooms) -> None:
    sender, reporter = person(username="sender-sam"), person(username="reporter-rae")
    m = say(rooms["adult"], sender, "something hurtful")
    Report.objects.create(message=m, reporter=reporter, reason="harassment", note=XSS)
    mod = moderator()
    sid = person(username="sad-sid")
    body = "I want to die, <i>bye</i>"
    crisis = services.post_message(sender=sid, room_id=rooms["adult"].pk, body=body).message
    teen_m = say(rooms["teen"], person(teen=True, username="teen-tia"), "teen words")
    Report.objects.create(message=teen_m, reporter=person(teen=True), reason="spam")
    moderator(teen=True)
    services.post_message(
        sender=person(teen=True), room_id=rooms["teen"].pk, body="i want to kill myself teen"
    )
    Sanction.objects.create(
        user=sender,
        kind=SanctionKind.MUTE,
        room=rooms["adult"],
        reason="cool off",
        expires_at=timezone.now() + dt.timedelta(minutes=10),
    )
    ModerationLog.objects.create(actor=mod, action=ModAction.WARN, room=rooms["adult"])
    page = text(login(mod).get("/rooms/moderation/"))
    assert "something hurtful" in page
    assert "reporter-rae" in page
    assert ESCAPED in page
    assert XSS not in page
    assert "I want to die, &lt;i&gt;bye&lt;/i&gt;" in page
    assert "sad-sid" in page
    assert f'data-alert="{SafetyAlert.objects.get(source_id=crisis.pk).pk}"' in page
    assert "teen words" not in page  # another band's room
    assert "kill myself teen" not in page
    # Reading the excerpts is audited.
    assert AlertAccess.objects.filter(actor=mod, kind=AccessKind.READ).count() == 1
    assert "cool off" in page
    assert "Warned" in page


def test_resolve_a_report(login, rooms) -> None:
    m = say(rooms["adult"], person())
    report = Report.objects.create(message=m, reporter=person(), reason="spam")
    url = f"/rooms/reports/{report.pk}/resolve/"
    member = login(person())
    assert member.post(url, {"status": "dismissed", "outcome": "ok"}).status_code == 404
    assert member.post(url).status_code == 404  # before any validation
    c = login(moderator())
    assert c.post(url, {"status": "maybe", "outcome": "x"}).status_code == 400
    assert c.post(url, {"status": "actioned", "outcome": ""}).status_code == 400
    assert c.post(url, {"status": "actioned", "outcome": "x" * 501}).status_code == 400
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN
    response = c.post(url, {"status": "actioned", "outcome": "Warned them"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.outcome) == (ReportStatus.ACTIONED, "Warned them")
    again = c.post(url, {"status": "dismissed", "outcome": "x"})
    assert again.status_code == 409
    assert "already handled" in text(again)
    teen_report = Report.objects.create(
        message=say(rooms["teen"], person(teen=True)), reporter=person(teen=True), reason="spam"
    )
    hidden = c.post(f"/rooms/reports/{teen_report.pk}/resolve/")
    missing = c.post("/rooms/reports/999999/resolve/")
    assert hidden.status_code == missing.status_code == 404
    assert masked(hidden.content) == masked(missing.content)


def test_invalid_resolve_shows_the_error_in_the_queue(login, rooms) -> None:
    report = Report.objects.create(
        message=say(rooms["adult"], person()), reporter=person(), reason="spam"
    )
    response = login(moderator()).post(
        f"/rooms/reports/{report.pk}/resolve/", {"status": "actioned"}
    )
    assert response.status_code == 400
    assert "Please write what you did." in text(response)
    assert "Moderation queue" in text(response)


def test_handle_a_safeguarding_alert(login, rooms) -> None:
    mod = moderator()
    m = services.post_message(
        sender=person(), room_id=rooms["adult"].pk, body="I can't go on, I want to die"
    ).message
    alert = SafetyAlert.objects.get(source="rooms.RoomMessage", source_id=m.pk)
    url = f"/rooms/alerts/{alert.pk}/handle/"
    ok = {"outcome": "supported", "note": "Checked in, shared resources"}
    assert login(person()).post(url, ok).status_code == 404
    assert login(moderator(teen=True)).post(url, ok).status_code == 404
    assert login(moderator()).post(url, ok).status_code == 404  # not one of its responders
    c = login(mod)
    assert c.post(url, {"note": ""}).status_code == 400
    assert c.post(url, {"outcome": "supported", "note": ""}).status_code == 400
    assert c.post(url, {"outcome": "shrug", "note": "x"}, **JSON).status_code == 400
    assert c.post(url, {"outcome": "supported", "note": "x" * 501}, **JSON).status_code == 400
    acked = c.post(url, {"action": "acknowledge"}, **JSON)
    assert acked.status_code == 200
    alert.refresh_from_db()
    assert alert.acknowledged_by == mod
    assert alert.resolved_at is None
    assert c.post(url, ok, **JSON).status_code == 200
    alert.refresh_from_db()
    assert alert.resolved_by == mod
    assert (alert.outcome, alert.outcome_note) == ("supported", "Checked in, shared resources")
    assert c.post(url, ok, **JSON).status_code == 404  # resolved: no longer in the queue
    missing = c.post("/rooms/alerts/999999/handle/", ok)
    assert missing.status_code == 404


def test_an_invalid_follow_up_shows_the_error_in_the_queue(login, rooms) -> None:
    mod = moderator()
    m = services.post_message(
        sender=person(), room_id=rooms["adult"].pk, body="i want to kill myself"
    ).message
    alert = SafetyAlert.objects.get(source_id=m.pk)
    response = login(mod).post(f"/rooms/alerts/{alert.pk}/handle/", {"note": "called"})
    assert response.status_code == 400
    assert "Choose what happened." in text(response)
    assert "Moderation queue" in text(response)


def test_a_report_note_in_crisis_answers_with_help(login, rooms) -> None:
    moderator()
    m = say(rooms["adult"], person())
    c = login(person())
    data = {"reason": "safety", "note": "this makes me want to kill myself"}
    answer = c.post(f"/rooms/messages/{m.pk}/report/", data, **JSON).json()
    assert answer["ok"]
    assert answer["crisis"]["resources"]
    report = Report.objects.get()
    assert SafetyAlert.objects.filter(source="rooms.Report", source_id=report.pk).exists()
    m2 = say(rooms["adult"], person())
    page = c.post(f"/rooms/messages/{m2.pk}/report/", data, HTTP_HX_REQUEST="true")
    assert 'data-testid="crisis-help"' in text(page)
    m3 = say(rooms["adult"], person())
    after = c.post(f"/rooms/messages/{m3.pk}/report/", data, follow=True)
    assert 'data-testid="crisis-help"' in text(after)


# --- Sessions ---------------------------------------------------------------------------------


def local(days: int, hour: int, tz: str = "Europe/London") -> dt.datetime:
    import zoneinfo

    day = (timezone.now() + dt.timedelta(days=days)).astimezone(zoneinfo.ZoneInfo(tz)).date()
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(tz))


def session_data(**overrides: Any) -> dict[str, str]:
    start = local(10, 18)
    data = {
        "kind": SessionKind.SHARING_CIRCLE.value,
        "title": "Evening circle",
        "description": "Come as you are.",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "host": "",
    }
    data.update(overrides)
    return data


def test_schedule_a_session_in_the_viewers_time_zone(login, rooms) -> None:
    mod = moderator()
    mod.timezone = "America/New_York"
    mod.save(update_fields=["timezone"])
    c = login(mod)
    assert c.get("/rooms/evening-room/sessions/new/").status_code == 200
    start = local(10, 18, "America/New_York")
    data = session_data(
        starts_at=start.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(start + dt.timedelta(minutes=90)).strftime("%Y-%m-%dT%H:%M"),
    )
    response = c.post("/rooms/evening-room/sessions/new/", data)
    assert response.status_code == 302, text(response)
    s = RoomSession.objects.get()
    assert s.starts_at == start
    assert s.ends_at - s.starts_at == dt.timedelta(minutes=90)
    assert (s.host, s.created_by, s.room) == (mod, mod, rooms["adult"])


def test_schedule_with_a_named_host(login, rooms) -> None:
    host = moderator(username="host-hana")
    response = login(moderator()).post(
        "/rooms/evening-room/sessions/new/", session_data(host="HOST-hana")
    )
    assert response.status_code == 302
    assert RoomSession.objects.get().host == host


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Please give the session a title."),
        ({"title": "x" * 121}, "at most 120 characters"),
        ({"kind": "party"}, "from the list"),
        ({"starts_at": "tomorrow"}, "Enter a date and time"),
        ({"starts_at": "2001-01-01T10:00"}, "cannot start in the past"),
        ({"starts_at": "2999-01-01T10:00", "ends_at": "2999-01-01T11:00"}, "up to a year"),
        ({"ends_at": "{start}"}, "must end after it starts"),
        ({"ends_at": "{start-1h}"}, "must end after it starts"),
        ({"ends_at": "{start+5h}"}, "at most 4 hours"),
        ({"host": "nobody-at-all"}, "There is no one with that username."),
        ({"host": "{teen}"}, "There is no one with that username."),
        ({"host": "{member}"}, "hosting role"),
        ({"description": XSS * 100}, "at most 2000 characters"),
    ],
)
def test_bad_session_input_is_a_400(login, rooms, overrides, message) -> None:
    start = local(10, 18)
    fmt = "%Y-%m-%dT%H:%M"
    swaps = {
        "{start}": start.strftime(fmt),
        "{start-1h}": (start - dt.timedelta(hours=1)).strftime(fmt),
        "{start+5h}": (start + dt.timedelta(hours=5)).strftime(fmt),
        "{teen}": person(teen=True, listener=True, username="teen-host").username,
        "{member}": person(username="plain-member").username,
    }
    data = session_data(**{k: swaps.get(v, v) for k, v in overrides.items()})
    response = login(moderator()).post("/rooms/evening-room/sessions/new/", data)
    assert response.status_code == 400
    assert message in text(response)
    assert not RoomSession.objects.exists()


def test_session_clash_is_a_409(login, rooms) -> None:
    c = login(moderator())
    assert c.post("/rooms/evening-room/sessions/new/", session_data()).status_code == 302
    again = c.post("/rooms/evening-room/sessions/new/", session_data(title="Second"))
    assert again.status_code == 409
    assert "Another session is scheduled" in text(again)
    assert RoomSession.objects.count() == 1


def test_only_hosts_and_moderators_schedule(login, rooms) -> None:
    member = login(person())
    assert member.get("/rooms/evening-room/sessions/new/").status_code == 403
    assert member.post("/rooms/evening-room/sessions/new/", session_data()).status_code == 403
    assert login(moderator()).get("/rooms/teen-lounge/sessions/new/").status_code == 404
    host = person(listener=True)
    RoomStaff.objects.create(user=host, kind=RoomStaffKind.HOST, room=rooms["adult"])
    assert login(host).post("/rooms/evening-room/sessions/new/", session_data()).status_code == 302
    assert not RoomSession.objects.exclude(host=host).exists()


def make_session(room: Room, host: User, *, starts_in: dt.timedelta) -> RoomSession:
    now = timezone.now()
    s: RoomSession = RoomSession.objects.create(
        room=room,
        kind=SessionKind.SUPPORT_SESSION,
        title="Support hour",
        host=host,
        starts_at=now + starts_in,
        ends_at=now + starts_in + dt.timedelta(hours=1),
    )
    return s


def test_start_end_and_cancel_sessions(login, rooms) -> None:
    host = moderator()
    s = make_session(rooms["adult"], host, starts_in=dt.timedelta(minutes=5))
    member = login(person())
    assert member.post(f"/rooms/sessions/{s.pk}/start/", **JSON).status_code == 403
    assert login(moderator(teen=True)).post(f"/rooms/sessions/{s.pk}/start/").status_code == 404
    c = login(host)
    assert c.post(f"/rooms/sessions/{s.pk}/end/", **JSON).status_code == 409  # not started
    assert c.post(f"/rooms/sessions/{s.pk}/start/", **JSON).status_code == 200
    s.refresh_from_db()
    assert s.started_at is not None
    assert c.post(f"/rooms/sessions/{s.pk}/start/", **JSON).status_code == 409
    assert c.post(f"/rooms/sessions/{s.pk}/cancel/", **JSON).status_code == 409
    response = c.post(f"/rooms/sessions/{s.pk}/end/", {"next": "/rooms/evening-room/"})
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.ended_at is not None
    later = make_session(rooms["adult"], host, starts_in=dt.timedelta(days=2))
    too_early = c.post(f"/rooms/sessions/{later.pk}/start/", **JSON)
    assert too_early.status_code == 400
    assert "15 minutes before" in too_early.json()["error"]
    assert c.post(f"/rooms/sessions/{later.pk}/cancel/", **JSON).status_code == 200
    later.refresh_from_db()
    assert later.cancelled_at is not None
    assert c.post("/rooms/sessions/999999/start/").status_code == 404


def test_room_page_shows_session_buttons_to_its_host(login, rooms) -> None:
    host = moderator()
    s = make_session(rooms["adult"], host, starts_in=dt.timedelta(minutes=5))
    assert f"/rooms/sessions/{s.pk}/start/" in text(login(host).get("/rooms/evening-room/"))
    assert f"/rooms/sessions/{s.pk}/start/" not in text(login(person()).get("/rooms/evening-room/"))


def test_room_page_offers_feedback_for_a_session_one_joined(login, rooms) -> None:
    from peerpath.rooms.models import Participation

    host = moderator()
    s = make_session(rooms["adult"], host, starts_in=dt.timedelta(hours=-2))
    s.started_at = s.starts_at
    s.ended_at = s.ends_at
    s.save()
    guest, bystander = person(), person()
    Participation.objects.create(
        user=guest, room=rooms["adult"], session=s, day=s.starts_at.date(), created_at=s.starts_at
    )
    link = f"/feedback/give/{host.username}/"
    assert link in text(login(guest).get("/rooms/evening-room/"))
    assert link not in text(login(bystander).get("/rooms/evening-room/"))
    assert link not in text(login(host).get("/rooms/evening-room/"))  # not for one's own session
    # The link leads to a form the feedback app accepts for this guest.
    assert login(guest).get(link).status_code == 200


# --- Hosting time --------------------------------------------------------------------------------


def hosted(room: Room, host: User, minutes: int) -> RoomSession:
    start = timezone.now() - dt.timedelta(hours=3)
    s: RoomSession = RoomSession.objects.create(
        room=room,
        kind=SessionKind.SHARING_CIRCLE,
        title="Circle",
        host=host,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes),
        started_at=start,
        ended_at=start + dt.timedelta(minutes=minutes),
    )
    return s


def test_hosting_page_permissions(login, rooms) -> None:
    host_a = person(listener=True, username="host-amy")
    host_b = person(listener=True, username="host-ben")
    teen_host = person(teen=True, listener=True, username="teen-host-tom")
    hosted(rooms["adult"], host_a, 60)
    hosted(rooms["adult"], host_b, 45)
    hosted(rooms["teen"], teen_host, 30)
    assert login(person()).get("/rooms/hosting/").status_code == 404
    staff_page = text(login(person(roles=[Role.STAFF])).get("/rooms/hosting/"))
    assert "host-amy" in staff_page
    assert "teen-host-tom" in staff_page
    mod_page = text(login(moderator()).get("/rooms/hosting/"))
    assert "host-amy" in mod_page
    assert "host-ben" in mod_page
    assert "teen-host-tom" not in mod_page  # another band
    own = login(host_a).get("/rooms/hosting/")
    assert own.status_code == 200
    assert "host-amy" in text(own)
    assert "host-ben" not in text(own)
    assert "60" in text(own)


def test_hosting_shows_quota_met_or_not(login, rooms) -> None:
    from peerpath.progression.models import Achievement, AwardSource
    from peerpath.progression.services import grant_award
    from peerpath.rooms.models import HostingQuota

    HostingQuota.objects.update_or_create(
        role_slug="sharing-circle-host", defaults={"minutes_per_month": 120}
    )
    host = person(listener=True, username="host-amy")
    grant_award(
        user=host,
        achievement=Achievement.objects.get(slug="sharing-circle-host"),
        source=AwardSource.STAFF,
        reasons="test",
    )
    hosted(rooms["adult"], host, 60)
    page = text(login(moderator()).get("/rooms/hosting/"))
    assert "120 min" in page
    assert "Not met" in page
