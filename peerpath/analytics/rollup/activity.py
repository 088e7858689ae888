"""Rollup: activity per UTC day (``DailyActivity``), counts per day and kind split by the
person's band when it happened."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection

from peerpath.accounts.models import User
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.analytics.models import DailyActivity
from peerpath.analytics.rollup.common import is_postgres, n_days, sql_dt, utc_day_start


def activity_days(days: list[dt.date] | None) -> int:
    """(Re)write DailyActivity for the given UTC days (None: every day with events): counts per
    day and kind, split by the person's band when it happened (teen before ``adult_from``).

    The totals and the teen counts are two aggregate queries shaped for each backend (see
    :func:`_day_totals` and :func:`_day_teens`); adults are the difference. A few thousand
    rows are written, whatever the size of the log."""
    if days is not None and not days:
        return 0
    ranges = list(_runs(sorted(set(days)))) if days is not None else _event_span()
    totals: dict[tuple[dt.date, str], int] = {}
    teens: dict[tuple[dt.date, str], int] = {}
    for start, end in ranges:
        totals.update(_day_totals(start, end))
        teens.update(_day_teens(start, end))
    old = DailyActivity.objects.all()
    if days is not None:
        old = old.filter(day__in=days)
    old.delete()
    rows = []
    for (day, kind), n in totals.items():
        teen = teens.get((day, kind), 0)
        rows.append(DailyActivity(day=day, kind=kind, band="all", events=n))
        if teen:
            rows.append(DailyActivity(day=day, kind=kind, band="teen", events=teen))
        if n - teen:
            rows.append(DailyActivity(day=day, kind=kind, band="adult", events=n - teen))
    DailyActivity.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _event_span() -> list[tuple[dt.date, dt.date]]:
    """[first day, last day + 1) of the whole log: two index seeks per kind."""
    ends: list[dt.datetime] = []
    for kind in ActivityKind.values:
        times = ActivityEvent.objects.filter(kind=kind).values_list("occurred_at", flat=True)
        ends += [t for t in (times.order_by("occurred_at").first(),) if t is not None]
        ends += [t for t in (times.order_by("-occurred_at").first(),) if t is not None]
    if not ends:
        return []
    days = [t.astimezone(dt.UTC).date() for t in ends]
    return [(min(days), max(days) + n_days(1))]


def _day_totals(start: dt.date, end: dt.date) -> dict[tuple[dt.date, str], int]:
    """Events per (UTC day, kind) for days in [start, end).

    SQLite: one counting probe of the (kind, occurred_at) index per day and kind (the index is
    read, never the table, and nothing is sorted); PostgreSQL: a plain hash aggregate."""
    qn = connection.ops.quote_name
    events = qn(ActivityEvent._meta.db_table)
    lo, hi = utc_day_start(start), utc_day_start(end)
    with connection.cursor() as cursor:
        if is_postgres():
            # kind IN (every kind): the (kind, occurred_at) index serves a short span.
            kinds_in = ", ".join(["%s"] * len(ActivityKind.values))
            cursor.execute(
                "SELECT CAST(occurred_at AT TIME ZONE 'UTC' AS date), kind, COUNT(*) "  # noqa: S608
                f"FROM {events} WHERE kind IN ({kinds_in}) "
                "AND occurred_at >= %s AND occurred_at < %s GROUP BY 1, 2",
                [*ActivityKind.values, lo, hi],
            )
            return {(d, k): int(n) for d, k, n in cursor.fetchall()}
        kinds = ", ".join(["(%s)"] * len(ActivityKind.values))
        cursor.execute(
            "WITH RECURSIVE days(d) AS (SELECT %s UNION ALL "  # noqa: S608 - our own names
            "SELECT date(d, '+1 day') FROM days WHERE date(d, '+1 day') < %s), "
            f"kinds(k) AS (VALUES {kinds}) "
            f"SELECT d, k, (SELECT COUNT(*) FROM {events} e WHERE e.kind = k "
            "AND e.occurred_at >= d AND e.occurred_at < date(d, '+1 day')) AS n "
            "FROM days, kinds WHERE n > 0",
            [start.isoformat(), end.isoformat(), *ActivityKind.values],
        )
        return {(dt.date.fromisoformat(d), k): int(n) for d, k, n in cursor.fetchall()}


def _day_teens(start: dt.date, end: dt.date) -> dict[tuple[dt.date, str], int]:
    """Events per (UTC day, kind) in [start, end) by people who were not yet 18 then.

    Over a long span, driven by the people who were teens at some point in it (their events
    before ``adult_from`` read from the (user, occurred_at, kind) index alone); over a few
    days, driven by those days' events through the (kind, occurred_at) index."""
    qn = connection.ops.quote_name
    events, users = qn(ActivityEvent._meta.db_table), qn(User._meta.db_table)
    lo, hi = utc_day_start(start), utc_day_start(end)
    if is_postgres():
        day = "CAST(e.occurred_at AT TIME ZONE 'UTC' AS date)"
    else:
        day = "substr(e.occurred_at, 1, 10)"
    with connection.cursor() as cursor:
        if (end - start).days <= 7:
            kinds = ", ".join(["%s"] * len(ActivityKind.values))
            cursor.execute(
                f"SELECT {day}, e.kind, COUNT(*) FROM {events} e "  # noqa: S608 - our own names
                f"JOIN {users} u ON u.id = e.user_id WHERE e.kind IN ({kinds}) "
                "AND e.occurred_at >= %s AND e.occurred_at < %s AND e.occurred_at < u.adult_from "
                "GROUP BY 1, 2",
                [*ActivityKind.values, sql_dt(lo), sql_dt(hi)],
            )
        else:
            cursor.execute(
                f"SELECT {day}, e.kind, COUNT(*) FROM {users} u "  # noqa: S608 - our own names
                f"JOIN {events} e ON e.user_id = u.id AND e.occurred_at < u.adult_from "
                "AND e.occurred_at >= %s AND e.occurred_at < %s "
                "WHERE u.adult_from > %s GROUP BY 1, 2",
                [sql_dt(lo), sql_dt(hi), sql_dt(lo)],
            )
        out: dict[tuple[dt.date, str], int] = {}
        for d, k, n in cursor.fetchall():
            out[(d if isinstance(d, dt.date) else dt.date.fromisoformat(d), k)] = int(n)
        return out


def _runs(days: list[dt.date]) -> Iterable[tuple[dt.date, dt.date]]:
    """Contiguous runs of days as half-open [start, end) date ranges."""
    start = prev = days[0]
    for day in days[1:]:
        if day != prev + n_days(1):
            yield start, prev + n_days(1)
            start = day
        prev = day
    yield start, prev + n_days(1)
