"""Nudges in a real browser: a newcomer joins, the engine runs (as the 15-minute job does),
the welcome nudge is in the newcomer's bell; staff open the nudges page and a rule's dry run."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.nudges import engine
from peerpath.nudges.models import NudgeRule
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e


def test_the_welcome_nudge_reaches_the_bell_and_staff_read_the_dry_run(
    page: Page, browser_problems: BrowserProblems
) -> None:
    newcomer = factories.UserFactory.create(username="nia-new")
    log_in(page, newcomer)
    bell = page.locator("[data-notifications-bell]")
    expect(bell).to_have_attribute("data-socket-state", "open")
    expect(bell.locator("[data-count]")).to_have_text("0")

    welcome = NudgeRule.objects.get(slug="welcome")
    runner = threading.Thread(
        target=engine.run, kwargs={"now": timezone.now(), "rules": [welcome]}
    )  # another thread, as the Huey worker would (this one runs Playwright's loop)
    runner.start()
    runner.join(timeout=20)
    expect(bell.locator("[data-count]")).to_have_text("1")
    bell.click()
    expect(page.get_by_test_id("notification")).to_contain_text("mentor directory")

    page.wait_for_load_state("load")
    # Nia logs out (leaving the page closes her bell's socket); a staff member logs in.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state("load")
    staff = factories.UserFactory.create(username="sam-staff", roles=[Role.STAFF])
    log_in(page, staff)
    page.goto("/nudges/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nudges")
    page.get_by_role("link", name="Welcome on joining").click()
    # nia-new was welcomed already; the staff member joined just now and would be next.
    expect(page.get_by_test_id("dry-run")).to_contain_text("would message 1 person now")
    assert browser_problems.all() == []
