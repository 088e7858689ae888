"""Rooms in real browsers: two adults chat live in the same room over the WebSocket (each
sees the other's message without reloading); a teen never sees that room on /rooms/ and gets
404 at its address; a locked room says on the list why and what unlocks it. Plus automated
accessibility checks (axe-core) on the rooms pages."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Browser, Page, expect

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.rooms.models import Room, RoomCommunity, RoomMessage
from tests.e2e.test_accessibility_e2e import axe_violations

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e


def log_in(page: Page, user: User) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(user.username)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def make_room(slug: str, name: str, *, band: str = "adult", **kwargs: Any) -> Room:
    community, _ = RoomCommunity.objects.get_or_create(
        slug=f"e2e-{band}", defaults={"name": f"E2E {band} rooms"}
    )
    room: Room = Room.objects.create(
        slug=slug,
        name=name,
        description="A calm room for end-to-end tests.",
        category="member_support",
        community=community,
        band=band,
        **{"audience": "everyone", "sort_order": 0, **kwargs},
    )
    return room


def card(page: Page, slug: str) -> Any:
    return page.locator(f'[data-testid="room-card"][data-slug="{slug}"]')


def test_two_adults_chat_live_and_a_teen_cannot_see_the_room(
    page: Page,
    browser: Browser,
    live_asgi_server: LiveServer,
    browser_problems: BrowserProblems,
) -> None:
    room = make_room("e2e-evening", "E2E evening room")
    make_room(
        "e2e-locked",
        "E2E listeners' den",
        lock_criteria={"all": [{"held": "verified-listener"}, {"count": "group_chat", "min": 3}]},
    )
    ana = factories.UserFactory.create(username="ana-adult")
    ben = factories.UserFactory.create(username="ben-adult", listener=True)
    tia = factories.UserFactory.create(username="tia-teen", teen=True)

    # Ana: the list shows the room, and the locked one with why and what unlocks it.
    log_in(page, ana)
    page.get_by_role("link", name="Rooms", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Group support rooms")
    expect(card(page, "e2e-evening")).to_be_visible()
    locked = card(page, "e2e-locked")
    expect(locked.get_by_test_id("lock")).to_contain_text("needs the Verified Listener badge")
    expect(locked.get_by_test_id("lock")).to_contain_text("0 of 3 group chats")
    expect(locked.get_by_role("link", name="See your path and how to get there")).to_have_attribute(
        "href", "/path/"
    )
    # The search narrows the list through htmx, and the address follows.
    page.wait_for_load_state("load")  # htmx is wired up once the page has loaded
    page.get_by_label("Search rooms").fill("evening")
    expect(card(page, "e2e-locked")).to_have_count(0)
    expect(card(page, "e2e-evening")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=evening"))
    page.get_by_label("Kind of room").select_option("sharing_circle")
    expect(card(page, "e2e-evening")).to_have_count(0)
    expect(page.locator("#room-count")).to_contain_text("0 rooms")
    page.get_by_label("Kind of room").select_option("")
    expect(card(page, "e2e-evening")).to_be_visible()

    card(page, "e2e-evening").get_by_role("link", name="Join E2E evening room").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E2E evening room")
    expect(page.locator("#room-status")).to_have_text("connected")

    # Ben, in a second browser, joins the same room.
    context = browser.new_context(base_url=live_asgi_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    ben_page = context.new_page()
    try:
        log_in(ben_page, ben)
        ben_page.goto(f"/rooms/{room.slug}/")
        expect(ben_page.locator("#room-status")).to_have_text("connected")
        expect(page.locator("#room-people")).to_contain_text("ben-adult")

        # Live both ways, without reloading; text stays text.
        page.locator("#room-body").fill("Hi everyone, rough day <b>today</b>.")
        page.locator("#room-form").get_by_role("button", name="Send").click()
        ben_log = ben_page.locator("#room-log")
        expect(ben_log.locator(".room-message .room-body")).to_have_text(
            ["Hi everyone, rough day <b>today</b>."]
        )
        expect(ben_log.locator(".room-message .room-sender")).to_have_text(["ana-adult"])
        assert ben_page.locator("#room-log b").count() == 0
        expect(page.locator("#room-log .room-message.room-mine .room-state")).to_have_text("sent")

        ben_page.locator("#room-body").fill("Sorry to hear that. I'm here.")
        ben_page.locator("#room-body").press("Enter")
        expect(page.locator("#room-log .room-message .room-body")).to_have_text(
            ["Hi everyone, rough day <b>today</b>.", "Sorry to hear that. I'm here."]
        )
        senders = RoomMessage.objects.filter(room=room).order_by("id")
        assert list(senders.values_list("sender__username", flat=True)) == [
            "ana-adult",
            "ben-adult",
        ]

        # Ben reports Ana's message from its menu.
        message = ben_log.locator(".room-message").first
        message.locator("summary").click()
        message.get_by_label("What is wrong?").select_option("other")
        message.get_by_role("button", name="Send report").click()
        expect(message.locator(".menu-result")).to_contain_text("A moderator will look at it soon")
    finally:
        context.close()
    assert browser_problems.all() == []

    # Tia, a teen: the room is not listed, and its address is a plain 404.
    page.context.clear_cookies()
    log_in(page, tia)
    page.goto("/rooms/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Group support rooms")
    expect(card(page, "e2e-evening")).to_have_count(0)
    expect(card(page, "e2e-locked")).to_have_count(0)
    assert "E2E evening room" not in page.content()
    response = page.goto(f"/rooms/{room.slug}/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We couldn't find that page")


def test_rooms_pages_are_accessible(page: Page, live_asgi_server: LiveServer) -> None:
    """The list (also filtered and with an invalid filter), a room, a locked room's 403 page,
    the moderation queue, the session form with its errors and hosting time."""
    room = make_room("e2e-axe", "E2E axe room")
    make_room("e2e-axe-locked", "E2E locked", lock_criteria={"held": "verified-listener"})
    member = factories.UserFactory.create(username="axe-roomie", listener=True)
    mod = factories.UserFactory.create(username="axe-mod", listener=True, roles=[Role.MODERATOR])
    RoomMessage.objects.create(room=room, sender=member, body="Hello room")

    def check(path: str) -> None:
        page.goto(path)
        violations = axe_violations(page)
        assert violations == [], f"{path}: {violations}"

    log_in(page, member)
    for path in ["/rooms/", "/rooms/?category=member_support&open=1", f"/rooms/{room.slug}/"]:
        check(path)
    page.goto("/rooms/?category=nonsense")
    expect(page.locator("#filter-errors")).to_be_visible()
    assert axe_violations(page) == []
    page.goto("/rooms/e2e-axe-locked/")
    expect(page.get_by_test_id("room-forbidden")).to_contain_text("Verified Listener")
    assert axe_violations(page) == []

    page.context.clear_cookies()
    log_in(page, mod)
    for path in [f"/rooms/{room.slug}/", "/rooms/moderation/", "/rooms/hosting/"]:
        check(path)
    page.goto(f"/rooms/{room.slug}/sessions/new/")
    page.get_by_role("button", name="Schedule the session").click()
    assert page.locator(".error").count() > 0
    assert axe_violations(page) == []


def test_show_more_rooms_adds_the_next_page_in_place(
    page: Page, live_asgi_server: LiveServer, browser_problems: BrowserProblems
) -> None:
    """The catalogue has more rooms than one page: "Show more rooms" adds the next ones to the
    list (cards of a kind already shown join its group), moves keyboard focus to the first
    card added, and the address stays the list's; the page stays accessible."""
    ana = factories.UserFactory.create(username="ana-pages")
    log_in(page, ana)
    page.goto("/rooms/")
    page.wait_for_load_state("load")
    cards = page.get_by_test_id("room-card")
    first_page = cards.count()
    assert first_page > 0
    total = int(page.locator("#room-count").inner_text().split()[0])
    assert total > first_page  # the catalogue fills more than one page
    headings = page.locator(".room-group h2").all_inner_texts()
    page.get_by_test_id("more-rooms").click()
    expect(cards).to_have_count(min(2 * first_page, total))
    # Focus moves once htmx has settled the new cards (after the swap that added them).
    page.wait_for_function(
        "() => document.activeElement"
        " && document.activeElement.closest('[data-testid=room-card]') !== null"
    )
    after = page.locator(".room-group h2").all_inner_texts()
    assert len(after) == len(set(after))  # a kind of room is never listed twice
    assert after[: len(headings)] == headings
    assert page.url.endswith("/rooms/")
    assert axe_violations(page) == []
