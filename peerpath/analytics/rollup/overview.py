"""Rollup: the overview figures (``OverviewPoint``) per band at the last weekly points and
now, and the people counts behind them (``PeopleDay`` running sums)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from peerpath.accounts.models import AccountType, User
from peerpath.analytics.models import OverviewPoint, PeopleDay
from peerpath.analytics.rollup.common import (
    ROLE_SLUGS,
    held_at,
    is_postgres,
    n_days,
    scan_column,
    sql_dt,
    utc_day_start,
)
from peerpath.mentorship.models import Conversation, Flag, MentorProfile, Mentorship
from peerpath.nudges.models import NudgeSend
from peerpath.progression.models import Award

#: PeopleDay metrics: (who is counted, the column, SQL params), each also by "_adult".
_PEOPLE: dict[str, tuple[str, str, list[Any]]] = {
    "members": ("u.is_active AND u.account_type = %s", "u.date_joined", [AccountType.MEMBER]),
    "listeners": ("u.is_active AND u.listener_since IS NOT NULL", "u.listener_since", []),
}


def _split(
    qs: QuerySet[Any, Any], points: list[dt.datetime], adult_from: str, name: str, cond: Any
) -> dict[tuple[dt.datetime, str, str], float]:
    """Counts per point and band in one query: cond(t) gives the Q for "counted at t"."""
    aggregates: dict[str, Any] = {}
    for i, t in enumerate(points):
        teen = Q(**{f"{adult_from}__gt": t})
        aggregates[f"t{i}"] = Count("pk", filter=cond(t) & teen)
        aggregates[f"a{i}"] = Count("pk", filter=cond(t) & ~teen)
    row = qs.aggregate(**aggregates)
    out: dict[tuple[dt.datetime, str, str], float] = {}
    for i, t in enumerate(points):
        out[(t, "teen", name)] = float(row[f"t{i}"] or 0)
        out[(t, "adult", name)] = float(row[f"a{i}"] or 0)
        out[(t, "all", name)] = out[(t, "teen", name)] + out[(t, "adult", name)]
    return out


def _people_expr(column: str, adult: bool) -> str:
    """The instant a person counts from: the column, or (adult) the later of it and their
    18th birthday (no birthday on file counts as adult)."""
    if not adult:
        return column
    if is_postgres():
        return f"GREATEST({column}, u.adult_from)"
    return f"max({column}, COALESCE(u.adult_from, {column}))"


def _people_where(column: str, adult: bool, lo: Any, hi: Any) -> list[tuple[str, list[Any]]]:
    """``lo <= value <= hi`` (lo may be None) as disjoint parts, each a tight range of one
    index: for ``adult``, people whose column is in range (and who are 18 by ``hi``), plus
    people whose 18th birthday is in range and whose column came before ``lo``."""
    if not adult:
        if lo is None:
            return [(f"{scan_column(column)} <= %s", [hi])]
        return [(f"{column} >= %s AND {column} <= %s", [lo, hi])]
    of_age = f"COALESCE(u.adult_from, {column}) <= %s"
    if lo is None:
        return [(f"{scan_column(column)} <= %s AND {of_age}", [hi, hi])]
    return [
        (f"{column} >= %s AND {column} <= %s AND {of_age}", [lo, hi, hi]),
        (f"u.adult_from >= %s AND u.adult_from <= %s AND {column} < %s", [lo, hi, lo]),
    ]


def _people_select(
    select: str, who: str, who_params: list[Any], column: str, adult: bool, lo: Any, hi: Any
) -> tuple[str, list[Any]]:
    """``SELECT <select> FROM users u WHERE who AND <part>`` for each part, UNION ALL."""
    qn = connection.ops.quote_name
    users = qn(User._meta.db_table)
    sql, params = [], []
    for where, where_params in _people_where(column, adult, lo, hi):
        sql.append(f"SELECT {select} FROM {users} u WHERE {who} AND {where}")  # noqa: S608
        params += [*who_params, *where_params]
    return " UNION ALL ".join(sql), params


def people_days(now: dt.datetime, from_day: dt.date | None) -> None:
    """(Re)write PeopleDay for days from ``from_day`` (None: all) to today, one GROUP BY per
    metric. Incremental runs rewrite only recent days: an account deactivated, or a listener
    turned member, leaves the older days' counts at the nightly rebuild."""
    old = PeopleDay.objects.all()
    if from_day is not None:
        old = old.filter(day__gte=from_day)
    old.delete()
    lo = sql_dt(utc_day_start(from_day)) if from_day is not None else None
    rows: list[PeopleDay] = []
    with connection.cursor() as cursor:
        for metric, (who, column, who_params) in _PEOPLE.items():
            for adult in (False, True):
                value = _people_expr(column, adult)
                inner, params = _people_select(
                    f"{value} AS v", who, who_params, column, adult, lo, sql_dt(now)
                )
                day = "CAST(v AT TIME ZONE 'UTC' AS date)" if is_postgres() else "substr(v, 1, 10)"
                cursor.execute(f"SELECT {day}, COUNT(*) FROM ({inner}) p GROUP BY 1", params)  # noqa: S608
                name = metric + ("_adult" if adult else "")
                rows += [
                    PeopleDay(
                        day=d if isinstance(d, dt.date) else dt.date.fromisoformat(d),
                        metric=name,
                        n=int(n),
                    )
                    for d, n in cursor.fetchall()
                ]
    PeopleDay.objects.bulk_create(rows, batch_size=2000)


def people_counts(points: list[dt.datetime]) -> dict[tuple[dt.datetime, str, str], float]:
    """Members and listeners per point and band from PeopleDay (running sums) and, for each
    point's own day, a small indexed count up to the point's instant."""
    days: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
    for metric, day, n in PeopleDay.objects.order_by("metric", "day").values_list(
        "metric", "day", "n"
    ):
        days[metric].append((day, n))
    out: dict[tuple[dt.datetime, str, str], float] = {}
    with connection.cursor() as cursor:
        for t in points:
            day = t.astimezone(dt.UTC).date()
            counted: dict[str, int] = {}
            for metric, (who, column, who_params) in _PEOPLE.items():
                for adult in (False, True):
                    name = metric + ("_adult" if adult else "")
                    before = sum(n for d, n in days[name] if d < day)
                    inner, params = _people_select(
                        "1",
                        who,
                        who_params,
                        column,
                        adult,
                        sql_dt(utc_day_start(day)),
                        sql_dt(t),
                    )
                    cursor.execute(f"SELECT COUNT(*) FROM ({inner}) p", params)  # noqa: S608
                    counted[name] = before + int(cursor.fetchone()[0])
            for metric in _PEOPLE:
                adult_n = counted[metric + "_adult"]
                out[(t, "all", metric)] = float(counted[metric])
                out[(t, "adult", metric)] = float(adult_n)
                out[(t, "teen", metric)] = float(counted[metric] - adult_n)
    return out


def overview_values(points: list[dt.datetime]) -> dict[tuple[dt.datetime, str, str], float | None]:
    values: dict[tuple[dt.datetime, str, str], float | None] = {}
    values.update(people_counts(points))
    values.update(
        _split(
            MentorProfile.objects.all(),
            points,
            "user__adult_from",
            "mentors",
            lambda t: Q(created_at__lte=t),
        )
    )
    cap: dict[str, Any] = {}
    for i, t in enumerate(points):
        teen = Q(user__adult_from__gt=t)
        cap[f"t{i}"] = Sum("capacity", filter=Q(created_at__lte=t) & teen)
        cap[f"a{i}"] = Sum("capacity", filter=Q(created_at__lte=t) & ~teen)
    row = MentorProfile.objects.aggregate(**cap)
    for i, t in enumerate(points):
        teen_cap, adult_cap = float(row[f"t{i}"] or 0), float(row[f"a{i}"] or 0)
        values[(t, "teen", "mentor_capacity")] = teen_cap
        values[(t, "adult", "mentor_capacity")] = adult_cap
        values[(t, "all", "mentor_capacity")] = teen_cap + adult_cap

    def active_at(t: dt.datetime) -> Q:
        return Q(started_at__lte=t) & (Q(ended_at__isnull=True) | Q(ended_at__gt=t))

    started = Mentorship.objects.filter(started_at__isnull=False)
    values.update(_split(started, points, "mentee__adult_from", "active_mentorships", active_at))
    values.update(
        _split(
            Flag.objects.all(),
            points,
            "mentorship__mentee__adult_from",
            "flags_pending",
            lambda t: Q(created_at__lte=t) & (Q(resolved_at__isnull=True) | Q(resolved_at__gt=t)),
        )
    )
    values.update(
        _split(
            Flag.objects.filter(resolved_at__isnull=False),
            points,
            "mentorship__mentee__adult_from",
            "flags_resolved_week",
            lambda t: Q(resolved_at__lte=t, resolved_at__gt=t - n_days(7)),
        )
    )
    first_week = points[0] - n_days(7)
    values.update(
        _split(
            NudgeSend.objects.filter(sent=True, created_at__gt=first_week),
            points,
            "user__adult_from",
            "nudges_sent_week",
            lambda t: Q(created_at__lte=t, created_at__gt=t - n_days(7)),
        )
    )
    values.update(
        _split(
            Award.objects.filter(achievement__slug__in=ROLE_SLUGS),
            points,
            "user__adult_from",
            "roles_held",
            held_at,
        )
    )
    _conversation_buckets(points, values)
    for t in points:
        for band in ("all", "teen", "adult"):
            listeners = values[(t, band, "listeners")] or 0
            mentors = values[(t, band, "mentors")] or 0
            active = values[(t, band, "active_mentorships")] or 0
            values[(t, band, "listener_mentor_share")] = active / listeners if listeners else None
            values[(t, band, "mentor_load")] = active / mentors if mentors else None
    return values


def _conversation_buckets(
    points: list[dt.datetime], values: dict[tuple[dt.datetime, str, str], float | None]
) -> None:
    """Pairs active at each point by conversations so far (0 / 1-2 / 3+), and the median days
    from match to first conversation over pairs matched in the 90 days before the point.

    Two queries for all points: the pairs, and each pair's first and third conversation day
    (a window function); a pair has 1+ conversations at t when its first day is <= t's day,
    3+ when its third is."""
    # Only pairs that can count at some point: started by the last one, and active at or
    # matched within 90 days before the first one.
    first_point, last_point = min(points), max(points)
    relevant = Mentorship.objects.filter(
        started_at__isnull=False, started_at__lte=last_point
    ).filter(
        Q(ended_at__isnull=True)
        | Q(ended_at__gt=first_point)
        | Q(started_at__gt=first_point - n_days(90))
    )
    pairs = _raw_rows(
        relevant.order_by().values_list("pk", "started_at", "ended_at", "mentee__adult_from")
    )
    numbered = _raw_rows(
        Conversation.objects.filter(mentorship__in=relevant.values("pk"))
        .order_by()
        .annotate(
            r_n=Window(RowNumber(), partition_by=[F("mentorship_id")], order_by=[F("day"), F("id")])
        )
        .filter(r_n__in=(1, 3))
        .values_list("mentorship_id", "r_n", "day")
    )
    first: dict[int, Any] = {}
    third: dict[int, Any] = {}
    for mentorship_id, n, day in numbered:
        (first if n == 1 else third)[mentorship_id] = day
    for t in points:
        at, day, recent = _raw_instant(t), _raw_day(t), _raw_instant(t - n_days(90))
        buckets: dict[str, list[int]] = {"teen": [0, 0, 0], "adult": [0, 0, 0]}
        waits: dict[str, list[int]] = {"teen": [], "adult": []}
        for pk, started_at, ended_at, adult_from in pairs:
            if started_at is None or started_at > at:
                continue
            band = "adult" if adult_from is None or adult_from <= at else "teen"
            f = first.get(pk)
            if ended_at is None or ended_at > at:
                third_day = third.get(pk)
                i = (
                    2
                    if third_day is not None and third_day <= day
                    else int(f is not None and f <= day)
                )
                buckets[band][i] += 1
            if f is not None and f <= day and started_at > recent:
                waited = (_as_date(f) - _as_date(started_at)).days
                waits[band].append(max(0, waited))
        waits["all"] = waits["teen"] + waits["adult"]
        buckets["all"] = [x + y for x, y in zip(buckets["teen"], buckets["adult"], strict=True)]
        for band in ("all", "teen", "adult"):
            for i, name in enumerate(("pairs_conv_0", "pairs_conv_1_2", "pairs_conv_3plus")):
                values[(t, band, name)] = float(buckets[band][i])
            values[(t, band, "median_days_first_conversation")] = (
                float(statistics.median(waits[band])) if waits[band] else None
            )


# Tens of thousands of rows are compared in Python here: they are read as the driver returns
# them (SQLite: naive UTC datetimes and dates; PostgreSQL: aware datetimes), skipping Django's
# per-value converters, and the points are put in the same form.


def _raw_rows(qs: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _raw_instant(t: dt.datetime) -> dt.datetime:
    return t if is_postgres() else t.astimezone(dt.UTC).replace(tzinfo=None)


def _raw_day(t: dt.datetime) -> dt.date:
    return t.astimezone(dt.UTC).date()


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def write_points(
    values: dict[tuple[dt.datetime, str, str], float | None], current: dt.datetime | None
) -> None:
    OverviewPoint.objects.bulk_create(
        [
            OverviewPoint(at=at, band=band, metric=metric, value=value, is_current=at == current)
            for (at, band, metric), value in values.items()
        ]
    )
