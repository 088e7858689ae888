"""Safeguarding on profiles, in a real browser: a teen writes a crisis bio; it is saved, the
page after saving shows their helplines (once), and staff find the alert in the queue at
/staff/safety/ (a profile has no responder but staff)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.safety.models import SafetyAlert
from tests.e2e.test_accounts_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

CRISIS = "honestly i want to end my life tonight"


def test_a_teens_crisis_bio_is_saved_shows_help_and_reaches_the_staff_queue(
    page: Page, browser: Browser, live_asgi_server: LiveServer, browser_problems: BrowserProblems
) -> None:
    teen = factories.UserFactory.create(username="bio-teen", teen=True)
    staff = factories.UserFactory.create(username="bio-staff", roles=[Role.STAFF])

    log_in(page, teen)
    expect(page).to_have_url(f"{live_asgi_server.url}/")
    page.goto("/accounts/profile/")
    page.get_by_label("Bio").fill(CRISIS)
    page.get_by_role("button", name="Save profile").click()

    expect(page).to_have_url(re.compile(r"/accounts/profile/$"))
    expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
    help_panel = page.get_by_test_id("crisis-help")
    expect(help_panel).to_be_visible()
    expect(help_panel).to_contain_text("Childline")  # a UK teen's lines
    expect(page.get_by_label("Bio")).to_have_value(CRISIS)  # saved, never blocked
    page.reload()
    expect(page.get_by_test_id("crisis-help")).to_have_count(0)  # shown once

    assert User.objects.get(pk=teen.pk).profile.bio == CRISIS
    alert = SafetyAlert.objects.get(source="accounts.Profile")
    assert alert.queued

    staff_context = browser.new_context(base_url=live_asgi_server.url, locale="en-GB")
    staff_context.set_default_timeout(10_000)
    try:
        staff_page = staff_context.new_page()
        log_in(staff_page, staff)
        expect(staff_page).to_have_url(f"{live_asgi_server.url}/")
        response = staff_page.goto("/staff/safety/")
        assert response is not None
        assert response.status != 501, "/staff/safety/ is still a placeholder"
        row = staff_page.locator(f'[data-testid="safety-alert"][data-alert="{alert.pk}"]')
        expect(row).to_be_visible()
        expect(row).to_contain_text(CRISIS)
    finally:
        staff_context.close()
    assert browser_problems.all() == []
