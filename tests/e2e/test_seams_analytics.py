"""Issue 19, the dashboard's charts speak their tables' units: rate charts drew proportions
on a 0-1 axis beside tables in percent, and count charts could tick at 0.5 people. Read
from Chart.js itself (the axis it built, its tick labels and the tooltip it shows) and
compared with the table behind the chart."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import record_activity
from peerpath.analytics.rollup import refresh
from peerpath.mentorship.models import Mentorship
from peerpath.mentorship.tests.factories import make_mentor
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e

# The chart on `canvas`: its y axis as drawn, and the tooltip of the first bar or point of
# dataset `dataset` as Chart.js renders it on hover.
READ_CHART = """([selector, dataset, index]) => {
  const chart = window.Chart.getChart(document.querySelector(selector));
  const y = chart.scales.y;
  const meta = chart.getDatasetMeta(dataset);
  const point = meta.data[index];
  const at = {x: point.x, y: point.y};
  chart.tooltip.setActiveElements([{datasetIndex: dataset, index: index}], at);
  chart.update();
  return {
    min: y.min,
    max: y.max,
    ticks: y.ticks.map((t) => t.label),
    tooltip: chart.tooltip.body.map((b) => b.lines.join(" ")),
  };
}"""


def _chart(page: Page, selector: str, dataset: int = 0, index: int = 0) -> dict[str, Any]:
    expect(page.locator(selector)).to_have_attribute("data-rendered", "1")
    result: dict[str, Any] = page.evaluate(READ_CHART, [selector, dataset, index])
    return result


def _world() -> User:
    now = timezone.now()
    mentor = make_mentor(username="ana-mentor", capacity=3)
    for i in range(4):
        listener = factories.UserFactory.create(username=f"lia-listener-{i}", listener=True)
        since = now - dt.timedelta(days=100)
        User.objects.filter(pk=listener.pk).update(listener_since=since, date_joined=since)
        if i == 0:
            Mentorship.objects.create(
                mentor=mentor,
                mentee=listener,
                status="active",
                source="request",
                started_at=since + dt.timedelta(days=5),
            )
        if i in (0, 1):  # active in days 30-60
            record_activity(
                user=listener,
                kind=ActivityKind.GROUP_CHAT,
                occurred_at=since + dt.timedelta(days=40),
            )
    staff: User = factories.UserFactory.create(username="sue-staff", roles=[Role.STAFF])
    refresh.rebuild(now=timezone.now())
    return staff


def test_rate_charts_are_in_percent_and_count_charts_in_whole_numbers(
    page: Page, browser_problems: BrowserProblems
) -> None:
    log_in(page, _world())
    page.goto("/staff/analytics/")

    # Retention: a 0-100% axis, and the tooltip reads what the table's Rate column reads.
    retention = _chart(page, 'canvas[data-chart="retention"]')
    assert (retention["min"], retention["max"]) == (0, 100)
    assert retention["ticks"][0] == "0%"
    assert retention["ticks"][-1] == "100%"
    assert all(t.endswith("%") for t in retention["ticks"])
    row = page.get_by_test_id("table-retention").locator("tbody tr").first
    expect(row).to_contain_text("with a mentor")
    rate = row.locator("td").nth(4).text_content() or ""
    assert re.fullmatch(r"\d+\.\d%", rate)
    assert retention["tooltip"] == [f"With a mentor: {rate}"]

    cohorts = _chart(page, 'canvas[data-chart="cohorts"]')
    assert (cohorts["min"], cohorts["max"]) == (0, 100)
    assert all(t.endswith("%") for t in cohorts["ticks"])
    first_cohort = page.get_by_test_id("table-cohorts").locator("tbody tr").first
    assert cohorts["tooltip"] == [f"30 days: {first_cohort.locator('td').nth(2).text_content()}"]

    # Counts: whole-number ticks only, and the tooltip is the table's count.
    funnel = _chart(page, 'canvas[data-chart="funnel"]')
    assert funnel["ticks"]
    assert all(re.fullmatch(r"\d[\d,]*", t) for t in funnel["ticks"]), funnel["ticks"]
    listeners = page.get_by_test_id("table-funnel").locator("tbody tr").first
    assert funnel["tooltip"] == [f"People: {listeners.locator('td').nth(1).text_content()}"]
    load = _chart(page, 'canvas[data-chart="load"]')
    assert all(re.fullmatch(r"\d[\d,]*", t) for t in load["ticks"]), load["ticks"]

    # The overview's sparkline of a share ticks in percent too.
    page.goto("/staff/")
    share = _chart(page, 'canvas[data-chart="listener_mentor_share"]')
    assert share["ticks"]
    assert all(t.endswith("%") for t in share["ticks"]), share["ticks"]
    figure = page.get_by_test_id("figure-listener_mentor_share").locator(".figure-value")
    assert share["tooltip"] != []
    members = _chart(page, 'canvas[data-chart="listeners"]')
    assert all(re.fullmatch(r"\d[\d,]*", t) for t in members["ticks"]), members["ticks"]
    assert (figure.text_content() or "").endswith("%")
    assert browser_problems.all() == []
