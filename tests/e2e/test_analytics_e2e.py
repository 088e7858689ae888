"""The partner dashboard in a real browser: staff open /staff/, see the figures, open the
analytics page; a Chart.js canvas renders (vendored, nothing from the internet) and the table
behind the funnel chart holds the numbers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.analytics.rollup import refresh
from peerpath.mentorship.models import Mentorship
from peerpath.mentorship.tests.factories import make_mentor
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e


def test_staff_read_the_overview_and_the_charts(
    page: Page, browser_problems: BrowserProblems
) -> None:
    now = timezone.now()
    mentor = make_mentor(username="ana-mentor", capacity=3)
    for i in range(3):
        listener = factories.UserFactory.create(username=f"lia-listener-{i}", listener=True)
        User.objects.filter(pk=listener.pk).update(listener_since=now - dt.timedelta(days=40))
        if i == 0:
            Mentorship.objects.create(
                mentor=mentor,
                mentee=listener,
                status="active",
                source="request",
                started_at=now - dt.timedelta(days=20),
            )
    staff = factories.UserFactory.create(username="sue-staff", roles=[Role.STAFF])
    refresh.rebuild(now=timezone.now())

    log_in(page, staff)
    page.goto("/staff/")
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner dashboard")
    expect(page.get_by_test_id("freshness")).to_contain_text("refreshed every 10 minutes")
    expect(page.get_by_test_id("figure-listeners")).to_contain_text("4")
    expect(page.get_by_test_id("figure-active_mentorships")).to_contain_text("1")
    expect(page.get_by_test_id("figure-listener_mentor_share")).to_contain_text("25.0%")

    page.get_by_role("link", name="Analytics: retention, cohorts, ladder, load, coverage").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text("Analytics")
    expect(page.get_by_test_id("caution")).to_contain_text("Correlation, not causation")
    funnel_canvas = page.locator('canvas[data-chart="funnel"]')
    expect(funnel_canvas).to_have_attribute("data-rendered", "1")
    box = funnel_canvas.bounding_box()
    assert box is not None
    assert box["width"] > 0
    assert box["height"] > 0
    listeners_row = page.get_by_test_id("table-funnel").locator("tbody tr").first
    expect(listeners_row).to_contain_text("Listener")
    expect(listeners_row).to_contain_text("4")
    assert browser_problems.all() == []
