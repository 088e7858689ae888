"""Rollup: the small JSON panels (``Panel``): weekly flag topics and check-ins, and the
nightly retention, funnel and mentor load."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

from django.db import models
from django.db.models import Avg, Count, F, OuterRef, QuerySet, Subquery

from peerpath.analytics.models import Panel
from peerpath.analytics.rollup.common import FUNNEL, ROLE_SLUGS, band_at, held_at, week_points
from peerpath.analytics.rollup.listeners import retention_cells
from peerpath.analytics.rollup.overview import people_counts
from peerpath.mentorship.models import CheckIn, Flag, MentorProfile, Mentorship
from peerpath.progression.models import Award


def _funnel(now: dt.datetime) -> dict[str, dict[str, Any]]:
    people: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
    band_of: dict[int, str] = {}
    # The roles held now (whatever their source); a step counts its holders.
    role_rows = (
        Award.objects.filter(achievement__slug__in=ROLE_SLUGS)
        .filter(held_at(now))
        .values_list(
            "user_id", "achievement__slug", "granted_at", "user__adult_from", "user__listener_since"
        )
    )
    for user_id, slug, granted_at, adult_from, listener_since in role_rows:
        people[user_id][slug] = granted_at
        band_of[user_id] = "adult" if adult_from is None or adult_from <= now else "teen"
        if listener_since is not None and listener_since <= now:
            people[user_id]["listener"] = listener_since
    # Listeners now, per band: the overview's running sums (no scan of the people table).
    listeners = people_counts([now])
    counts = {band: int(listeners[(now, band, "listeners")]) for band in ("teen", "adult")}
    out: dict[str, dict[str, Any]] = {}
    for band in ("all", "teen", "adult"):
        steps = []
        previous = None
        for i, (slug, label) in enumerate(FUNNEL):
            if i == 0:
                reached = counts.get("teen", 0) + counts.get("adult", 0)
                if band != "all":
                    reached = counts.get(band, 0)
                median_days = None
            else:
                holders = [
                    u for u, r in people.items() if slug in r and band in ("all", band_of[u])
                ]
                reached = len(holders)
                prev_slug = FUNNEL[i - 1][0]
                gaps = [
                    (people[u][slug] - people[u][prev_slug]).total_seconds() / 86400
                    for u in holders
                    if prev_slug in people[u]
                ]
                median_days = round(statistics.median(gaps), 1) if gaps else None
            conversion: float | None = reached / previous if previous else None
            steps.append(
                {
                    "slug": slug,
                    "label": label,
                    "reached": reached,
                    "conversion": conversion,
                    "median_days": median_days,
                }
            )
            previous = reached
        out[band] = {"steps": steps}
    return out


def _mentor_load(now: dt.datetime) -> dict[str, dict[str, Any]]:
    active = Mentorship.objects.filter(mentor_id=OuterRef("user_id"), status="active").order_by()
    rows = (
        MentorProfile.objects.annotate(
            r_band=band_at("user__adult_from", now),
            r_active=Subquery(
                active.values("mentor_id").annotate(n=Count("id")).values("n"),
                output_field=models.IntegerField(),
            ),
        )
        .values("r_band", "r_active", "capacity")
        .annotate(n=Count("pk"))
        .order_by()
    )
    hist: dict[str, dict[int, int]] = {"all": defaultdict(int), "teen": defaultdict(int)}
    hist["adult"] = defaultdict(int)
    full: dict[str, int] = defaultdict(int)
    for row in rows:
        k = min(row["r_active"] or 0, 6)
        for band in ("all", row["r_band"]):
            hist[band][k] += row["n"]
            if row["capacity"] and (row["r_active"] or 0) >= row["capacity"]:
                full[band] += row["n"]
    return {
        band: {
            "labels": [str(k) if k < 6 else "6+" for k in range(7)],
            "mentors": [hist[band][k] for k in range(7)],
            "at_capacity": full[band],
        }
        for band in ("all", "teen", "adult")
    }


class WeekStart(models.Func):
    """The UTC date of the Monday starting a datetime's ISO week, computed by the database
    (Django's TruncWeek calls back into Python for every row on SQLite)."""

    output_field = models.DateField()
    template = "date(%(expressions)s, 'weekday 0', '-6 days')"

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(date_trunc('week', %(expressions)s AT TIME ZONE 'UTC') AS date)",
            **extra,
        )


def _weekly_panel(
    qs: QuerySet[Any, Any],
    now: dt.datetime,
    time_field: str,
    adult_from: str,
    group: str | None,
    value: str | None,
) -> dict[str, dict[str, Any]]:
    """Rows per ISO week (last TREND_WEEKS weeks) and band: counts per ``group`` value, or the
    count and mean of ``value``."""
    points = week_points(now)
    start = points[0]
    weeks = [p.date().isoformat() for p in points]
    agg: dict[str, Any] = {"n": Count("pk")}
    if value:
        agg["mean"] = Avg(value)
    keys = ["r_week", "r_band"] + ([group] if group else [])
    rows = (
        qs.filter(**{f"{time_field}__gte": start, f"{time_field}__lte": now})
        .order_by()
        .annotate(
            r_week=WeekStart(time_field),
            r_band=band_at(adult_from, F(time_field)),
        )
        .values(*keys)
        .annotate(**agg)
    )
    out: dict[str, dict[str, Any]] = {}
    table: dict[str, dict[tuple[str, str], list[float]]] = {
        b: defaultdict(lambda: [0.0, 0.0]) for b in ("all", "teen", "adult")
    }
    for row in rows:
        week = row["r_week"].isoformat()
        key = row[group] if group else ""
        for band in ("all", row["r_band"]):
            cell = table[band][(week, key)]
            cell[0] += row["n"]
            cell[1] += (row.get("mean") or 0) * row["n"]
    for band, cells in table.items():
        if group:
            groups = sorted({k for _, k in cells})
            out[band] = {
                "weeks": weeks,
                "series": {g: [int(cells[(w, g)][0]) for w in weeks] for g in groups},
            }
        else:
            out[band] = {
                "weeks": weeks,
                "count": [int(cells[(w, "")][0]) for w in weeks],
                "mean": [
                    round(cells[(w, "")][1] / cells[(w, "")][0], 2) if cells[(w, "")][0] else None
                    for w in weeks
                ],
            }
    return out


#: Panels the nightly rebuild computes (they move slowly: retention windows close day by day,
#: roles are granted by the ladder's batches); the 10-minute refresh keeps the weekly series.
NIGHTLY_PANELS = ("retention", "funnel", "mentor_load")


def write_panels(now: dt.datetime, *, nightly: bool) -> None:
    panels: dict[str, dict[str, Any]] = {
        "flag_topics": _weekly_panel(
            Flag.objects.all(), now, "created_at", "mentorship__mentee__adult_from", "topic", None
        ),
        "checkins": _weekly_panel(
            CheckIn.objects.all(),
            now,
            "created_at",
            "mentorship__mentee__adult_from",
            None,
            "rating",
        ),
    }
    if nightly:
        panels["retention"] = retention_cells()
        panels["funnel"] = _funnel(now)
        panels["mentor_load"] = _mentor_load(now)
    Panel.objects.filter(key__in=list(panels)).delete()
    Panel.objects.bulk_create(
        [
            Panel(key=key, band=band, data=data, computed_at=now)
            for key, by_band in panels.items()
            for band, data in by_band.items()
        ]
    )
