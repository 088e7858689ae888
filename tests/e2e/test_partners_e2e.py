"""The partner dashboard's mentorships table in a real browser: staff filter to the pairs
with no conversation yet (htmx swaps the table), select them, send a custom message through
the notification service, and a mentee finds it in their notification bell."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from peerpath.partners.rollup import rebuild_pair_stats
from peerpath.partners.tests.dataset import build
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e


def test_staff_message_the_zero_conversation_pairs_and_a_mentee_sees_it(
    page: Page, browser_problems: BrowserProblems
) -> None:
    data = build()
    rebuild_pair_stats()
    log_in(page, data.staff)
    page.goto("/staff/mentorships/")
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentorships")
    expect(page.get_by_test_id("freshness")).to_contain_text("refreshed every 5 minutes")
    expect(page.get_by_test_id("pair-row")).to_have_count(5)

    page.locator("#id_conversations").select_option("0")
    page.get_by_role("button", name="Filter").click()
    rows = page.get_by_test_id("pair-row")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("pair-count")).to_contain_text("2 pairs match")
    assert "conversations=0" in page.url  # the filtered view has its own address
    for checkbox in page.locator("#pairs input[type=checkbox][name=pair]").all():
        checkbox.check()

    page.locator("#bulk-form select[name=recipients]").select_option("mentee")
    page.locator("#bulk-form input[name=title]").fill("How is it going?")
    page.locator("#bulk-form textarea[name=body]").fill("We are here if you need a hand.")
    page.get_by_role("button", name="Send message").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text("Sent to 2 people in 2 pairs.")
    expect(page.get_by_test_id("bulk-message")).to_have_count(1)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state("load")
    log_in(page, data.mentees["ae2"])
    bell = page.locator("[data-notifications-bell]")
    expect(bell.locator("[data-count]")).to_have_text("1")
    bell.click()
    expect(page.get_by_test_id("notification")).to_contain_text("How is it going?")
    assert browser_problems.all() == []
