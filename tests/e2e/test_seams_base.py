"""Issue 19, the base layout: cards in a list have no stray bullets (/resources/, /events/),
the site has a favicon (linked, and at /favicon.ico), and the notification bell is an inline
SVG with a text label, not an emoji that renders as a box without an emoji font."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.accounts.tests import factories
from peerpath.events.models import Event, EventKind
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e

BULLETED_CARDS = """() => [...document.querySelectorAll("ul.cards > li, ol.cards > li")]
  .filter((li) => {
    const style = getComputedStyle(li);
    return style.display === "list-item" && style.listStyleType !== "none";
  }).length"""
CARDS = """() => document.querySelectorAll("ul.cards > li").length"""


def test_cards_on_resources_and_events_have_no_bullets(
    page: Page, browser_problems: BrowserProblems
) -> None:
    listener = factories.UserFactory.create(username="lin-listener", listener=True)
    starts = timezone.now() + dt.timedelta(days=2)
    Event.objects.create(
        kind=EventKind.WEBINAR,
        title="Webinar: first messages",
        band="adult",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        video_url="https://video.example.org/webinar",
        capacity=20,
    )
    log_in(page, listener)
    page.wait_for_load_state("load")
    for url in ("/resources/", "/events/"):
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate(CARDS) > 0, url
        assert page.evaluate(BULLETED_CARDS) == 0, url
    assert browser_problems.all() == []


def test_the_site_has_a_favicon(page: Page, browser_problems: BrowserProblems) -> None:
    page.goto("/")
    page.wait_for_load_state("load")
    hrefs = page.locator('link[rel="icon"]').evaluate_all("(links) => links.map((l) => l.href)")
    assert hrefs
    assert not [h for h in hrefs if h.startswith("data:")], hrefs
    for href in hrefs:
        icon = page.request.get(href)
        assert icon.status == 200, href
        assert icon.headers["content-type"].startswith("image/"), icon.headers
    root = page.request.get("/favicon.ico")
    assert root.status == 200
    assert root.headers["content-type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert root.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert browser_problems.all() == []


def test_the_bell_is_an_svg_with_a_text_label(
    page: Page, browser_problems: BrowserProblems
) -> None:
    member = factories.UserFactory.create(username="mo-member")
    log_in(page, member)
    page.wait_for_load_state("load")
    bell = page.get_by_role("link", name="Notifications, 0 unread")
    expect(bell).to_be_visible()
    expect(bell).to_contain_text("Notifications")
    expect(page.locator("[data-notifications-bell] [data-count]")).to_have_text("0")
    icon = page.locator("[data-notifications-bell] svg")
    expect(icon).to_have_count(1)
    box = icon.bounding_box()
    assert box is not None
    assert box["width"] >= 12
    assert box["height"] >= 12
    header = page.locator("header").inner_text()
    assert not [c for c in header if ord(c) >= 0x1F000], "an emoji in the header"
    assert browser_problems.all() == []
