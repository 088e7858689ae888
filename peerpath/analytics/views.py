"""The partner dashboard's pages: the overview (/staff/), which is also the staff home (every
staff tool the viewer may open, with what waits there), and the analytics charts
(/staff/analytics/). Thin: check the policy, parse the band, read the rollups.

Both show the safeguarding triage (alerts per week by channel and category, time to
acknowledge, what waits now): counts of every band, with no excerpt and no person, so
Ambassadors see them too; the excerpts are only in the audited staff queue."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from peerpath.accounts.http import signed_in_user
from peerpath.analytics import policies, selectors
from peerpath.analytics.rollup.common import HORIZONS
from peerpath.core.errors import Refused
from peerpath.core.http import refusals
from peerpath.events.selectors import coverage
from peerpath.safety.policies import can_use_queue

BANDS = {"": "all", "teen": "teen", "adult": "adult"}


def _band(request: HttpRequest) -> str:
    """The band the viewer asked for and may see: 'all', 'teen' or 'adult'."""
    decision = policies.can_view_dashboard(request.user)
    if not decision:
        raise PermissionDenied(decision.reason)
    raw = request.GET.get("band", "")
    if raw not in BANDS:
        raise Refused("Age band must be “teen”, “adult” or left empty for everyone.")
    allowed = policies.can_view_band(request.user, raw)
    if not allowed:
        raise PermissionDenied(allowed.reason)
    return policies.band_shown(request.user, raw)


def _same_page(request: HttpRequest) -> str:
    """A bad filter's "Go back": the page without the filter."""
    return request.path


def _common(request: HttpRequest, band: str) -> dict[str, Any]:
    return {
        "band": band,
        "state": selectors.state(),
        "band_choices": ("all", "teen", "adult"),
        "show_queue_link": bool(can_use_queue(request.user)),
    }


@login_required
@require_safe
@refusals(back=_same_page)
def overview(request: HttpRequest) -> HttpResponse:
    band = _band(request)
    cards = selectors.overview(band)
    triage = selectors.safety_triage(timezone.now())
    chart = {c.metric: {"weeks": c.weeks, "values": c.trend, "unit": c.unit} for c in cards}
    chart.update(triage.chart())
    tools = selectors.staff_tools(
        signed_in_user(request), band=band, admin=admin.site.has_permission(request)
    )
    context = {
        **_common(request, band),
        "cards": cards,
        "chart": chart,
        "triage": triage,
        "tools": tools,
    }
    return TemplateResponse(request, "analytics/overview.html", context)


@login_required
@require_safe
@refusals(back=_same_page)
def charts(request: HttpRequest) -> HttpResponse:
    band = _band(request)
    now = timezone.now()
    panels = selectors.panels(band)
    cells = panels.get("retention", {})
    retention = selectors.retention(cells)
    cohorts = selectors.cohorts(cells)
    activity = selectors.daily_activity(band, now)
    weeks = coverage(band="" if band == "all" else band, now=now)
    funnel = panels.get("funnel", {"steps": []})
    load = panels.get("mentor_load", {"labels": [], "mentors": [], "at_capacity": 0})
    flags = panels.get("flag_topics", {"weeks": [], "series": {}})
    checkins = panels.get("checkins", {"weeks": [], "count": [], "mean": []})
    triage = selectors.safety_triage(now)
    # Each chart names its unit (analytics.formatting.UNITS), the one its table is written in:
    # charts.js draws proportions as percentages and counts with whole-number ticks.
    data = {
        "retention": {
            "labels": [f"{n} days" for n in HORIZONS],
            "with": [r.rate for r in retention if r.group == "with a mentor"],
            "without": [r.rate for r in retention if r.group == "without a mentor"],
            "unit": "pct",
        },
        "cohorts": {
            "labels": [c.month for c in cohorts],
            "series": {f"{n} days": [c.rates[i] for c in cohorts] for i, n in enumerate(HORIZONS)},
            "unit": "pct",
        },
        "funnel": {
            "labels": [s["label"] for s in funnel["steps"]],
            "values": [s["reached"] for s in funnel["steps"]],
            "unit": "int",
        },
        "load": {"labels": load["labels"], "values": load["mentors"], "unit": "int"},
        "coverage": {
            "labels": [w.starts.isoformat() for w in weeks],
            "events": [w.events for w in weeks],
            "open": [w.open_slots for w in weeks],
            "unit": "int",
        },
        "flags": {**flags, "unit": "int"},
        "checkins": {**checkins, "unit": "float"},
        "activity": {"labels": activity["days"], "values": activity["events"], "unit": "int"},
        **triage.chart(),
    }
    flag_rows = [
        (week, [flags["series"][topic][i] for topic in sorted(flags["series"])])
        for i, week in enumerate(flags["weeks"])
    ]
    context = {
        **_common(request, band),
        "retention": retention,
        "cohorts": cohorts,
        "horizons": HORIZONS,
        "funnel": funnel["steps"],
        "load": load,
        "load_rows": list(zip(load["labels"], load["mentors"], strict=False)),
        "weeks": weeks,
        "flag_topics": sorted(flags["series"]),
        "flag_rows": flag_rows,
        "checkin_rows": list(
            zip(checkins["weeks"], checkins["count"], checkins["mean"], strict=False)
        ),
        "activity": activity,
        "activity_rows": list(zip(activity["days"], activity["events"], strict=False)),
        "triage": triage,
        "data": data,
    }
    return TemplateResponse(request, "analytics/charts.html", context)
