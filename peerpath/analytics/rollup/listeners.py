"""Rollup: listener facts (``ListenerFact``: cohort, band, first mentor, active in each
window) and the retention cells read from them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Count, Q

from peerpath.accounts.models import User
from peerpath.activity.models import ActivityEvent
from peerpath.analytics.models import ListenerFact, RollupState
from peerpath.analytics.rollup.common import (
    HORIZONS,
    OVERLAP,
    WINDOW_DAYS,
    is_postgres,
    n_days,
    plus_days,
    scan_column,
    sql_dt,
)
from peerpath.mentorship.models import Mentorship


def listener_facts(now: dt.datetime, people: list[int] | None) -> int:
    """(Re)write ListenerFact for every listener (``people`` None) or for the listeners among
    ``people``, in one INSERT ... SELECT: each listener's window bounds are computed once (a
    materialized CTE), then each window is one seek of the (user, occurred_at, kind) index."""
    old = ListenerFact.objects.all()
    where = "u.listener_since IS NOT NULL AND u.listener_since <= %s"
    params: list[Any] = [sql_dt(now)]
    if people is None:  # every listener: a table scan, not an index walk (see scan_column)
        since = scan_column("u.listener_since")
        where = f"{since} IS NOT NULL AND {since} <= %s"
    if people is not None:
        if not people:
            return 0
        ListenerFact.objects.filter(user_id__in=people).delete()
        total = 0
        for i in range(0, len(people), 900):  # SQLite's bound-parameter limit
            chunk = people[i : i + 900]
            total += _facts_insert(
                now, f"{where} AND u.id IN ({', '.join(['%s'] * len(chunk))})", [*params, *chunk]
            )
        return total
    old.delete()
    return _facts_insert(now, where, params)


def _facts_insert(now: dt.datetime, where: str, params: list[Any]) -> int:
    qn = connection.ops.quote_name
    events = qn(ActivityEvent._meta.db_table)
    mentorships = qn(Mentorship._meta.db_table)
    bounds = ", ".join(
        f"{plus_days('u.listener_since', n)} AS b{n}"
        for n in sorted({*HORIZONS, *(n + WINDOW_DAYS for n in HORIZONS)})
    )
    actives = []
    select_params: list[Any] = []
    for n in HORIZONS:
        actives.append(
            f"CASE WHEN f.b{n + WINDOW_DAYS} > %s THEN NULL ELSE "  # noqa: S608 - our own names
            f"EXISTS (SELECT 1 FROM {events} e WHERE e.user_id = f.user_id "
            f"AND e.occurred_at >= f.b{n} AND e.occurred_at < f.b{n + WINDOW_DAYS}) END"
        )
        select_params.append(sql_dt(now))
    first = (
        f"(SELECT MIN(m.started_at) FROM {mentorships} m WHERE m.mentee_id = f.user_id "  # noqa: S608
        "AND m.started_at IS NOT NULL AND m.started_at <= %s "
        f"AND m.started_at < f.b{max(HORIZONS)})"
    )
    cohort = (
        "to_char(u.listener_since AT TIME ZONE 'UTC', 'YYYY-MM')"
        if is_postgres()
        else "strftime('%%Y-%%m', u.listener_since)"
    )
    mentored = ", ".join(
        f"(g.first_mentor_at IS NOT NULL AND g.first_mentor_at < g.b{n})" for n in HORIZONS
    )
    # Both CTEs computed once (PostgreSQL 12+ and SQLite 3.35+): g's first_mentor_at is read
    # four times per row below, which a flattened query would recompute each time.
    materialized = "MATERIALIZED "
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(ListenerFact._meta.db_table)} "  # noqa: S608 - our own names
            "(user_id, since, cohort, band, first_mentor_at, active_30, active_60, active_90, "
            "mentored_30, mentored_60, mentored_90) "
            f"WITH f AS {materialized}(SELECT u.id AS user_id, u.listener_since AS since, "
            f"{cohort} AS cohort, "
            "CASE WHEN u.adult_from <= u.listener_since THEN 'adult' ELSE 'teen' END AS band, "
            f"{bounds} FROM {qn(User._meta.db_table)} u WHERE {where}), "
            f"g AS {materialized}(SELECT f.*, {first} AS first_mentor_at, "
            f"{', '.join(f'{a} AS a{n}' for a, n in zip(actives, HORIZONS, strict=True))} "
            "FROM f) "
            "SELECT user_id, since, cohort, band, first_mentor_at, "
            f"{', '.join(f'a{n}' for n in HORIZONS)}, {mentored} FROM g",
            [*params, sql_dt(now), *select_params],
        )
        return int(cursor.rowcount or 0)


def facts_to_refresh(state: RollupState, now: dt.datetime) -> list[int]:
    """Who may have new listener facts since the last refresh: people with new activity
    events, new listeners, listeners one of whose windows closed, and mentees whose mentorships
    changed. (Anything else, e.g. a date of birth corrected, waits for the nightly rebuild.)"""
    last = state.refreshed_at or now
    # No DISTINCT: SQLite would walk the whole user index for it instead of the id range.
    ids: set[int] = set(
        ActivityEvent.objects.filter(id__gt=state.last_event_id)
        .order_by()
        .values_list("user_id", flat=True)
    )
    # One indexed range per window end (an OR of ranges would be read as a full scan).
    for n in sorted({0, *(n + WINDOW_DAYS for n in HORIZONS)}):
        since = User.objects.filter(
            listener_since__gt=last - n_days(n) - OVERLAP, listener_since__lte=now - n_days(n)
        )
        ids.update(since.values_list("pk", flat=True))
    ids.update(
        Mentorship.objects.filter(updated_at__gt=last - dt.timedelta(minutes=5)).values_list(
            "mentee_id", flat=True
        )
    )
    return sorted(ids)


def retention_cells() -> dict[str, dict[str, dict[str, int]]]:
    """{band: {"YYYY-MM": {"n30": eligible, "a30": active, "n30m": mentored eligible, ...}}}."""
    aggregates: dict[str, Any] = {}
    for n in HORIZONS:
        mentored = Q(**{f"mentored_{n}": True})
        known = Q(**{f"active_{n}__isnull": False})
        yes = Q(**{f"active_{n}": True})
        aggregates[f"n{n}"] = Count("user_id", filter=known)
        aggregates[f"a{n}"] = Count("user_id", filter=yes)
        aggregates[f"n{n}m"] = Count("user_id", filter=known & mentored)
        aggregates[f"a{n}m"] = Count("user_id", filter=yes & mentored)
    rows = (
        ListenerFact.objects.order_by()
        .values("band", "cohort")
        .annotate(listeners=Count("user_id"), **aggregates)
    )
    cells: dict[str, dict[str, dict[str, int]]] = {"all": {}, "teen": {}, "adult": {}}
    for found in rows:
        row: dict[str, Any] = dict(found)
        month = str(row["cohort"])
        values = {k: int(v or 0) for k, v in row.items() if k not in ("band", "cohort")}
        cells[row["band"]][month] = values
        total = cells["all"].setdefault(month, dict.fromkeys(values, 0))
        for k, v in values.items():
            total[k] += v
    return cells
