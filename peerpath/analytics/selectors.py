"""Reads of the analytics app: the dashboard's figures from the rollup tables only (a handful of
queries over small tables, whatever the size of the community)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from peerpath.accounts.models import User
from peerpath.analytics.formatting import fmt
from peerpath.analytics.models import DailyActivity, OverviewPoint, Panel, RollupState
from peerpath.analytics.policies import can_view_dashboard
from peerpath.analytics.rollup.common import ACTIVITY_DAYS, HORIZONS
from peerpath.events.policies import can_view_rota
from peerpath.mentorship.policies import can_run_matching
from peerpath.nudges.policies import can_view_nudges
from peerpath.nudges.stats import wilson
from peerpath.progression.policies import can_review_queue
from peerpath.progression.selectors.applications import applications_to_review
from peerpath.progression.selectors.awards import held_slugs
from peerpath.safety import selectors as safety_selectors
from peerpath.safety.models import Channel
from peerpath.safety.policies import can_use_queue

# (metric, label, its unit: analytics.formatting.UNITS)
CARDS: tuple[tuple[str, str, str], ...] = (
    ("members", "Registered members", "int"),
    ("listeners", "Registered listeners", "int"),
    ("mentors", "Mentors", "int"),
    ("mentor_load", "Mentees per mentor", "float"),
    ("mentor_capacity", "Mentor places (capacity)", "int"),
    ("active_mentorships", "Active mentorships", "int"),
    ("listener_mentor_share", "Listeners with a mentor", "pct"),
    ("pairs_conv_0", "Pairs with 0 conversations", "int"),
    ("pairs_conv_1_2", "Pairs with 1–2 conversations", "int"),
    ("pairs_conv_3plus", "Pairs with 3+ conversations", "int"),
    ("median_days_first_conversation", "Median days from match to first conversation", "float"),
    ("flags_pending", "Flags pending", "int"),
    ("flags_resolved_week", "Flags resolved (7 days)", "int"),
    ("nudges_sent_week", "Nudges sent (7 days)", "int"),
    ("roles_held", "Leadership roles held", "int"),
)


@dataclass
class Card:
    metric: str
    label: str
    value: str
    raw: float | None
    weeks: list[str] = field(default_factory=list)
    trend: list[float | None] = field(default_factory=list)
    trend_text: list[str] = field(default_factory=list)
    unit: str = "int"  # analytics.formatting.UNITS: how the value, its table and chart read

    @property
    def rows(self) -> list[tuple[str, str]]:
        return list(zip(self.weeks, self.trend_text, strict=True))


def state() -> RollupState | None:
    return RollupState.objects.filter(pk=1).first()


#: The trend's last label: the figure now, the headline (the others are Mondays).
NOW = "now"


def overview(band: str) -> list[Card]:
    """One card per figure: the current value and its trend (one query). The trend is one
    series with the headline: the weekly points, then the current point itself."""
    rows = (
        OverviewPoint.objects.filter(band=band)
        .order_by("at")
        .values_list("at", "metric", "value", "is_current")
    )
    by_metric: dict[str, list[tuple[dt.datetime, float | None, bool]]] = {}
    for at, metric, value, is_current in rows:
        by_metric.setdefault(metric, []).append((at, value, is_current))
    cards = []
    for metric, label, how in CARDS:
        points = by_metric.get(metric, [])
        series = [(NOW if c else at.date().isoformat(), v, c) for at, v, c in points]
        current = next((v for _, v, c in series if c), None)
        cards.append(
            Card(
                metric=metric,
                label=label,
                value=fmt(current, how),
                raw=current,
                weeks=[when for when, _, _ in series],
                trend=[v for _, v, _ in series],
                trend_text=[fmt(v, how) for _, v, _ in series],
                unit=how,
            )
        )
    return cards


def panels(band: str) -> dict[str, Any]:
    return dict(Panel.objects.filter(band=band).values_list("key", "data"))


@dataclass
class RetentionRow:
    horizon: int
    group: str
    eligible: int
    active: int
    rate: float | None
    low: float | None
    high: float | None


def _rate(active: int, eligible: int) -> tuple[float | None, float | None, float | None]:
    if not eligible:
        return None, None, None
    low, high = wilson(active, eligible)
    return active / eligible, low, high


def retention(cells: dict[str, dict[str, int]]) -> list[RetentionRow]:
    """Listeners active at 30/60/90 days, with a mentor (started within that time) vs without,
    with Wilson 95% intervals, summed over every cohort month."""
    rows = []
    for n in HORIZONS:
        total_n = sum(c.get(f"n{n}", 0) for c in cells.values())
        total_a = sum(c.get(f"a{n}", 0) for c in cells.values())
        m_n = sum(c.get(f"n{n}m", 0) for c in cells.values())
        m_a = sum(c.get(f"a{n}m", 0) for c in cells.values())
        for group, eligible, active in (
            ("with a mentor", m_n, m_a),
            ("without a mentor", total_n - m_n, total_a - m_a),
        ):
            rate, low, high = _rate(active, eligible)
            rows.append(RetentionRow(n, group, eligible, active, rate, low, high))
    return rows


@dataclass
class CohortRow:
    month: str
    listeners: int
    rates: list[float | None]


def cohorts(cells: dict[str, dict[str, int]], *, last: int = 12) -> list[CohortRow]:
    rows = []
    for month in sorted(cells)[-last:]:
        c = cells[month]
        rates = [(c[f"a{n}"] / c[f"n{n}"]) if c.get(f"n{n}") else None for n in HORIZONS]
        rows.append(CohortRow(month, c.get("listeners", 0), rates))
    return rows


def daily_activity(band: str, now: dt.datetime) -> dict[str, Any]:
    """Events per day over the last ACTIVITY_DAYS days, total and per kind (one query)."""
    today = now.astimezone(dt.UTC).date()
    days = [today - dt.timedelta(days=i) for i in range(ACTIVITY_DAYS - 1, -1, -1)]
    rows = DailyActivity.objects.filter(band=band, day__gte=days[0], day__lte=today).values_list(
        "day", "kind", "events"
    )
    totals = dict.fromkeys(days, 0)
    kinds: dict[str, int] = {}
    for day, kind, events in rows:
        totals[day] = totals.get(day, 0) + events
        kinds[kind] = kinds.get(kind, 0) + events
    return {
        "days": [d.isoformat() for d in days],
        "events": [totals[d] for d in days],
        "by_kind": sorted(kinds.items(), key=lambda kv: -kv[1]),
    }


@dataclass
class SafetyTriage:
    """The safeguarding figures of the dashboard (``safety.selectors.triage``), ready to show:
    counts only, never an excerpt or a person."""

    weeks: list[str]
    by_channel: dict[str, list[int]]  # channel label -> alerts per week
    by_category: dict[str, list[int]]  # category label -> alerts per week
    ack_p50: str
    ack_p95: str
    acknowledged: int
    unacknowledged_now: int
    open_now: int

    @property
    def total(self) -> int:
        return sum(sum(v) for v in self.by_channel.values())

    def rows(self, series: dict[str, list[int]]) -> list[tuple[str, list[int], int]]:
        """(week, counts in the order of ``series``, the week's total) per week."""
        names = list(series)
        out = []
        for i, week in enumerate(self.weeks):
            counts = [series[n][i] for n in names]
            out.append((week, counts, sum(counts)))
        return out

    @property
    def channel_rows(self) -> list[tuple[str, list[int], int]]:
        return self.rows(self.by_channel)

    @property
    def category_rows(self) -> list[tuple[str, list[int], int]]:
        return self.rows(self.by_category)

    def chart(self) -> dict[str, Any]:
        return {
            "safety_channel": {"weeks": self.weeks, "series": self.by_channel, "unit": "int"},
            "safety_category": {"weeks": self.weeks, "series": self.by_category, "unit": "int"},
        }


def _minutes(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1:
        return f"{round(value * 60)} s"
    if value < 120:
        return f"{value:.1f} min" if value < 10 else f"{round(value)} min"
    return f"{value / 60:.1f} h"


def safety_triage(now: dt.datetime) -> SafetyTriage:
    """Alerts per week by channel and by category (12 weeks), time to acknowledge (p50,
    p95) and what waits now. Every band: counts carry no one's words."""
    t = safety_selectors.triage(now=now)
    labels = dict(Channel.choices)
    return SafetyTriage(
        weeks=[d.isoformat() for d in t.weeks],
        by_channel={labels.get(k, k): v for k, v in t.by_channel.items()},
        by_category={k.replace("_", " "): v for k, v in t.by_category.items()},
        ack_p50=_minutes(t.ack_p50_minutes),
        ack_p95=_minutes(t.ack_p95_minutes),
        acknowledged=t.acknowledged,
        unacknowledged_now=t.unacknowledged_now,
        open_now=t.open_now,
    )


# --- The staff home: every staff tool from /staff/ --------------------------------------------


@dataclass(frozen=True)
class Tool:
    """One tool on the staff home: where it is, what it is for, and what waits there (the
    count the page it links to shows), when there is such a count."""

    key: str
    label: str
    url: str
    about: str
    count: int | None = None
    count_label: str = ""


def staff_tools(user: User, *, band: str, admin: bool) -> list[Tool]:
    """The tools ``user`` may open, each decided by the policy its own page checks (so a link
    is shown exactly when it opens): staff get every one, an Ambassador the review queue and
    the dashboard's. A count is the one the linked page shows. ``band``: the band shown, kept
    by the analytics link; ``admin``: the admin site's own answer (``has_permission``)."""
    tools: list[Tool] = []
    if can_run_matching(user):
        tools.append(
            Tool(
                "matching",
                "Matching runs",
                reverse("mentorship:matching"),
                "Run matching, preview the proposals with scores and explanations, publish.",
            )
        )
    if can_view_nudges(user):
        tools.append(
            Tool(
                "nudges",
                "Nudges and experiments",
                reverse("nudges:index"),
                "The rules, what each sent, and the experiments' uplift with its interval.",
            )
        )
    if can_use_queue(user):
        tools.append(
            Tool(
                "safety",
                "Safeguarding queue",
                reverse("safety:queue"),
                "Serious alerts, unacknowledged first: acknowledge, then resolve with an outcome.",
                # The count of the list it links to: the queue's open alerts.
                safety_selectors.queue().count(),
                "open",
            )
        )
    if can_review_queue(user, held_slugs(user)):
        tools.append(
            Tool(
                "reviews",
                "Review queue",
                reverse("progression-reviews"),
                "Applications for ladder roles waiting for a decision.",
                applications_to_review(user).count(),
                "pending",
            )
        )
    if can_view_rota(user):
        tools.append(
            Tool(
                "rota",
                "Event rota",
                reverse("events:rota"),
                "Hosts for the coming events and each mentor's commitment.",
            )
        )
    if can_view_dashboard(user):
        tools.append(
            Tool(
                "mentorships",
                "Mentorships table",
                reverse("partners:table"),
                "Every pair: filter, export CSV, message them.",
            )
        )
        tools.append(
            Tool(
                "analytics",
                "Analytics: retention, cohorts, ladder, load, coverage",
                reverse("analytics:charts") + ("" if band == "all" else f"?band={band}"),
                "Retention with and without a mentor, the leadership funnel, mentor load.",
            )
        )
    if admin:
        tools.append(
            Tool(
                "admin",
                "Admin",
                reverse("admin:index"),
                "Settings, the ladder's rules, rooms, resources, people.",
            )
        )
    return tools
