"""The safeguarding queue in a real browser: staff open /staff/safety/, see an alert raised
through the real screening service (and one raised while the page is open, brought in by
the list's own refresh), acknowledge and resolve it; the triage section of
/staff/analytics/ draws its charts (vendored Chart.js) with the numbers in its tables, with
no console error and no Content-Security-Policy violation."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.safety import services
from peerpath.safety.models import AccessKind, AlertAccess, Channel, SafetyAlert
from tests.e2e.test_accessibility_e2e import axe_violations
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e

CRISIS = "honestly i want to end my life"
LATER = "i'm on the bridge right now and i don't want to be here anymore"


def _raise(writer: User, text: str, *, at: dt.datetime | None = None) -> SafetyAlert:
    screening = services.screen(
        writer=writer,
        text=text,
        space=services.Space(channel=Channel.ROOM, where="Room “Evenings”", url="/rooms/"),
        source=("rooms.RoomMessage", None),
        now=at,
    )
    assert screening.alert is not None
    return screening.alert


def test_staff_acknowledge_and_resolve_an_alert_in_the_queue(
    page: Page, browser_problems: BrowserProblems
) -> None:
    staff = factories.UserFactory.create(username="sue-staff", roles=[Role.STAFF])
    teen = factories.UserFactory.create(username="tia-teen", teen=True, listener=True)
    alert = _raise(teen, CRISIS, at=timezone.now() - dt.timedelta(minutes=4))

    log_in(page, staff)
    page.goto("/staff/")
    page.get_by_test_id("link-safety-queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Safeguarding queue")
    row = page.locator(f'[data-testid="safety-alert"][data-alert="{alert.pk}"]')
    expect(row.get_by_test_id("excerpt")).to_have_text(CRISIS)
    expect(row.get_by_test_id("teen")).to_have_text("Teen (13–17)")
    expect(row.get_by_test_id("alert-age")).to_contain_text("4 min ago")
    expect(row.get_by_test_id("alert-status")).to_have_text("New")
    assert AlertAccess.objects.filter(alert=alert, actor=staff, kind=AccessKind.READ).exists()
    assert axe_violations(page) == []

    # An alert raised while the page is open arrives with the list's refresh (every 15 s).
    later = _raise(factories.UserFactory.create(username="al-adult"), LATER)
    fresh = page.locator(f'[data-testid="safety-alert"][data-alert="{later.pk}"]')
    expect(fresh.get_by_test_id("excerpt")).to_have_text(LATER, timeout=25_000)
    expect(page.get_by_test_id("safety-alert").first).to_have_attribute(
        "data-alert", str(later.pk)
    )  # the newest unacknowledged alert on top

    row.get_by_test_id("acknowledge").click()
    expect(page.get_by_text(f"Alert #{alert.pk} acknowledged")).to_be_visible()
    expect(row.get_by_test_id("alert-status")).to_contain_text("acknowledged by sue-staff")

    form = row.get_by_test_id("resolve-form")
    form.get_by_label("What happened").select_option("supported")
    form.get_by_label("Note").fill("Called them; a friend is with them tonight.")
    form.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text(f"Alert #{alert.pk} resolved.")).to_be_visible()
    expect(row).to_have_count(0)  # no longer open
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.resolved_by) == ("resolved", "supported", staff)

    page.goto("/staff/safety/?status=resolved")
    expect(row.get_by_test_id("alert-status")).to_contain_text("Resolved")
    row.get_by_role("link", name=f"Alert #{alert.pk}").click()
    expect(page.get_by_test_id("resolution")).to_contain_text("a friend is with them tonight")
    expect(page.get_by_test_id("alert-record")).to_contain_text("Resolved")
    assert axe_violations(page) == []
    assert browser_problems.all() == []


def test_triage_draws_on_the_analytics_page(page: Page, browser_problems: BrowserProblems) -> None:
    staff = factories.UserFactory.create(username="sue-staff", roles=[Role.STAFF])
    writer = factories.UserFactory.create(username="wren-writer", listener=True)
    now = timezone.now()
    first = _raise(writer, CRISIS, at=now - dt.timedelta(days=8))
    services.acknowledge(
        actor=staff, alert_id=first.pk, now=first.created_at + dt.timedelta(minutes=6)
    )
    _raise(writer, LATER, at=now - dt.timedelta(minutes=30))

    log_in(page, staff)
    page.goto("/staff/analytics/")
    page.wait_for_load_state("load")
    triage = page.get_by_test_id("triage")
    expect(triage.get_by_test_id("triage-unacknowledged")).to_contain_text("1")
    expect(triage.get_by_test_id("triage-p50")).to_contain_text("6.0 min")
    for chart in ("safety_channel", "safety_category"):
        canvas = page.locator(f'canvas[data-chart="{chart}"]')
        expect(canvas).to_have_attribute("data-rendered", "1")
        box = canvas.bounding_box()
        assert box is not None
        assert box["width"] > 0
        assert box["height"] > 0
    table = page.get_by_test_id("table-triage-channel")
    expect(table.locator("thead")).to_contain_text("Group support room")
    expect(table.locator("tbody tr").last).to_contain_text("1")
    expect(page.get_by_test_id("table-triage-category").locator("thead")).to_contain_text(
        "immediate danger"
    )
    assert CRISIS not in page.content()
    assert axe_violations(page) == []
    assert browser_problems.all() == []
