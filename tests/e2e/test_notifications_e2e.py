"""The notification bell in a real browser: it starts at 0, a notice sent by the app (here,
the test calling ``notify`` against the server's database) updates the count live over the
WebSocket without a reload, and opening the notification marks it read."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from peerpath.accounts.tests import factories
from peerpath.notifications import services
from peerpath.notifications.models import Notification
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e


def test_the_bell_updates_live_and_opening_marks_read(
    page: Page, browser_problems: BrowserProblems
) -> None:
    ana = factories.UserFactory.create(username="ana-bell")
    log_in(page, ana)
    bell = page.locator("[data-notifications-bell]")
    expect(bell.locator("[data-count]")).to_have_text("0")
    expect(bell).to_have_attribute("data-socket-state", "open")

    # Something in the app tells Ana something (from another thread, as a job would: this
    # one runs Playwright's event loop): the count changes without a reload.
    sender = threading.Thread(
        target=services.notify,
        args=([ana], "mentorship", "Your mentor accepted", "Say hello in your space."),
        kwargs={"url": "/mentors/"},
    )
    sender.start()
    sender.join(timeout=10)
    expect(bell.locator("[data-count]")).to_have_text("1")
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    expect(page.locator("#notification-live")).to_have_text(
        "New notification: Your mentor accepted"
    )

    # Clicking the bell opens the list; opening the notification marks it read.
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    item = page.get_by_test_id("notification")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Say hello in your space.")
    expect(page.get_by_test_id("notification-summary")).to_have_text("1 unread")
    item.get_by_role("button", name="Mark read").click()
    expect(page.get_by_test_id("notification-summary")).to_have_text("Nothing unread.")
    expect(bell.locator("[data-count]")).to_have_text("0")
    assert Notification.objects.get(recipient=ana).read_at is not None
    assert browser_problems.all() == []
