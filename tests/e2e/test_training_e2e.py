"""Training in a real browser: two peers post their answers to discussion 01 from their own
browser contexts; the trainee posts hers and replies to both (over htmx); the page shows the
discussion complete and discussion 02 unlocked."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.accounts.tests import factories
from peerpath.training.models import Cohort, Program
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

D1 = "/training/group-support-leadership/1/"


def _answer(page: Page, text: str) -> None:
    page.goto(D1)
    page.get_by_label("Your answer").fill(text)
    page.get_by_role("button", name="Post my answer").click()
    expect(page.get_by_test_id("training-notice")).to_contain_text("Your answer is posted.")


def test_a_trainee_completes_a_discussion_by_replying_to_two_peers(
    page: Page, browser_problems: BrowserProblems, live_asgi_server: LiveServer
) -> None:
    cohort = Cohort.objects.create(
        program=Program.objects.get(slug="group-support-leadership"),
        name="E2E adults",
        band="adult",
        opens_at=timezone.now() - dt.timedelta(days=1),
    )
    make = factories.UserFactory.create
    tia, pia, pete = (
        make(username=n, listener=True) for n in ("tia-trainee", "pia-peer", "pete-peer")
    )

    # The trainee joins from the training page.
    log_in(page, tia)
    page.goto("/training/")
    page.get_by_role("button", name=f"Join {cohort.name}").first.click()
    expect(page.get_by_test_id("step-2")).to_have_attribute("data-state", "locked")

    # Two peers join and post their answers, each in their own browser context.
    browser = page.context.browser
    assert browser is not None
    for peer in (pia, pete):
        context = browser.new_context(base_url=live_asgi_server.url, locale="en-GB")
        try:
            other = context.new_page()
            log_in(other, peer)
            other.goto("/training/group-support-leadership/")
            other.get_by_role("button", name=f"Join {cohort.name}").click()
            _answer(other, f"Highs and lows from {peer.username}: <b>not bold</b>")
        finally:
            context.close()

    # The trainee posts her answer; replying to herself is not offered.
    _answer(page, "My highs: a calm room. My lows: a hard night shift.")
    expect(page.get_by_role("button", name="Reply to tia-trainee")).to_have_count(0)
    expect(page.get_by_test_id("peer-count")).to_have_text("0 of 2 peer replies")
    expect(page.locator("[data-author=pia-peer] .body").first).to_contain_text("<b>not bold</b>")

    page.get_by_label("Reply to pia-peer").fill("Your low sounds hard; thank you for sharing.")
    page.get_by_role("button", name="Reply to pia-peer").click()
    expect(page.get_by_test_id("peer-count")).to_have_text("1 of 2 peer replies")
    # An empty reply is refused with a reason, and nothing changes.
    page.get_by_label("Reply to pete-peer").evaluate("el => el.removeAttribute('required')")
    page.get_by_role("button", name="Reply to pete-peer").click()
    expect(page.get_by_test_id("training-error")).to_contain_text("Please write a reply.")
    page.get_by_label("Reply to pete-peer").fill("I recognise that high!")
    page.get_by_role("button", name="Reply to pete-peer").click()

    expect(page.get_by_test_id("step-complete")).to_be_visible()
    page.get_by_test_id("next-discussion").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("02 Holding space in a room")
    page.goto("/training/group-support-leadership/")
    expect(page.get_by_test_id("step-1")).to_have_attribute("data-state", "complete")
    expect(page.get_by_test_id("step-2")).to_have_attribute("data-state", "open")
    problems = [p for p in browser_problems.all() if "400" not in p]
    assert problems == []
