"""Safeguarding in a room, in real browsers (issue 17): a member writes crisis words in a
room; they see help at once, privately, and the message is still delivered; the room's
moderator, in the room, gets the live alert (naming the one safeguarding alert) and their bell
rings, says "I'm on it"; staff find the alert in the queue at /staff/safety/."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.safety.models import SafetyAlert
from tests.e2e.test_rooms_e2e import log_in, make_room

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

CRISIS = "honestly I want to end my life tonight"


def test_crisis_words_in_a_room_show_help_at_once_and_reach_the_moderator_and_staff(
    page: Page, live_asgi_server: LiveServer, browser_problems: BrowserProblems
) -> None:
    room = make_room("e2e-safety-room", "E2E late night room")
    mod = factories.UserFactory.create(
        username="mo-moderator", listener=True, roles=[Role.MODERATOR]
    )
    ana = factories.UserFactory.create(username="ana-writes")
    staff = factories.UserFactory.create(username="sam-staff", roles=[Role.STAFF])

    browser = page.context.browser
    assert browser is not None
    mod_context = browser.new_context(base_url=live_asgi_server.url, locale="en-GB")
    mod_context.set_default_timeout(10_000)
    try:
        # The moderator is in the room.
        mod_page = mod_context.new_page()
        log_in(mod_page, mod)
        mod_page.goto(f"/rooms/{room.slug}/")
        expect(mod_page.locator("#room-status")).to_have_text("connected")
        bell = mod_page.locator("[data-notifications-bell]")
        expect(bell).to_have_attribute("data-socket-state", "open")
        expect(bell.locator("[data-count]")).to_have_text("0")

        # Ana writes crisis words: help for her at once, and the message is delivered.
        log_in(page, ana)
        page.goto(f"/rooms/{room.slug}/")
        expect(page.locator("#room-status")).to_have_text("connected")
        expect(page.locator("#crisis-panel")).to_be_hidden()
        page.locator("#room-body").fill(CRISIS)
        sent = time.monotonic()
        page.locator("#room-form").get_by_role("button", name="Send").click()
        expect(page.locator("#crisis-panel")).to_be_visible(timeout=1_000)
        assert time.monotonic() - sent < 1.0
        expect(page.locator("#crisis-resources li").first).to_be_visible()
        expect(page.locator("#crisis-panel")).to_contain_text("Only you can see this")
        expect(mod_page.locator("#room-log .room-message .room-body")).to_have_text([CRISIS])

        # The moderator: the live alert names the safeguarding alert, and the bell rings.
        alert = SafetyAlert.objects.get(source="rooms.RoomMessage")
        assert list(alert.responders.values_list("username", flat=True)) == ["mo-moderator"]
        live = mod_page.locator(f'#mod-alerts .mod-alert[data-alert="{alert.pk}"]')
        expect(live).to_contain_text("ana-writes")
        expect(bell.locator("[data-count]")).to_have_text("1")
        # Nobody else sees it: Ana's page has no moderator alerts at all.
        expect(page.locator("#mod-alerts")).to_have_count(0)

        live.get_by_role("button", name="I'm on it").click()
        expect(live.locator(".mod-alert-status")).to_contain_text("on it")
        alert.refresh_from_db()
        assert alert.acknowledged_by == mod

        # The moderation queue shows it, with the excerpt, to follow up.
        mod_page.goto("/rooms/moderation/")
        item = mod_page.locator(f'[data-testid="alert"][data-alert="{alert.pk}"]')
        expect(item).to_contain_text(CRISIS)
        expect(item.get_by_test_id("alert-acknowledged")).to_contain_text("mo-moderator")
    finally:
        mod_context.close()
    assert browser_problems.all() == []

    # Staff: the alert is in the safeguarding queue (high severity).
    page.context.clear_cookies()
    log_in(page, staff)
    page.goto("/staff/safety/?status=all")
    row = page.locator(f'[data-testid="safety-alert"][data-alert="{alert.pk}"]')
    expect(row).to_contain_text(CRISIS)
