"""The notification bell in a real browser: it starts at 0, a notice sent by the app (here,
the test calling ``notify`` against the server's database) updates the count live over the
WebSocket without a reload, and opening the notification marks it read. A notice sent by
another process (as the Huey worker does under ``make demo``) reaches the open page too."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from peerpath.accounts.tests import factories
from peerpath.notifications import relay, services
from peerpath.notifications.models import Notification, RelayedEvent
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


ROOT = Path(__file__).resolve().parents[2]
#: The promise of ``make demo``: a worker's notification shows in an open bell within 5 s.
LIVE_WITHIN_MS = 5_000


def database_url() -> str:
    """The test database as a URL, for a process of its own (it is a file on SQLite)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def notify_from_another_process(user_id: int, title: str) -> None:
    """What a Huey job does, in a process of its own (the worker's settings: this database,
    Redis when the test run has it, else the embedded default)."""
    code = (
        "from peerpath.notifications import services; "
        f"services.notify([{user_id}], 'welcome', {title!r}, 'From the worker.', url='/')"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    proc = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


def wait_until_the_server_listens() -> None:
    """Each test's flush empties the relay table; the server's poller says it is listening
    again within ``relay.BEAT_SECONDS``, and a sender only relays while it does. (With Redis
    there is no relay and nothing to wait for.)"""
    if not relay.active():
        return
    deadline = time.monotonic() + 3 * relay.BEAT_SECONDS
    while not RelayedEvent.objects.filter(kind=relay.LISTENING).exists():
        assert time.monotonic() < deadline, "the server's live relay is not listening"
        time.sleep(0.1)


def test_a_notification_from_the_worker_process_reaches_the_open_bell(
    page: Page, browser_problems: BrowserProblems
) -> None:
    ana = factories.UserFactory.create(username="ana-worker")
    log_in(page, ana)
    bell = page.locator("[data-notifications-bell]")
    expect(bell.locator("[data-count]")).to_have_text("0")
    expect(bell).to_have_attribute("data-socket-state", "open")

    wait_until_the_server_listens()
    notify_from_another_process(ana.pk, "Welcome to peerpath")

    expect(bell.locator("[data-count]")).to_have_text("1", timeout=LIVE_WITHIN_MS)
    expect(page.locator("#notification-live")).to_have_text(
        "New notification: Welcome to peerpath", timeout=LIVE_WITHIN_MS
    )
    assert Notification.objects.filter(recipient=ana).count() == 1
    assert browser_problems.all() == []
