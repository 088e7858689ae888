"""Writes of the analytics app: the rollups behind the partner dashboard.

``refresh(now=)`` is incremental (activity days touched since the event-id watermark and
today; listener facts still within their 120-day windows; the current overview point and any
missing weekly point; the small panels); ``rebuild(now=)`` recomputes everything. Both are
set-based: INSERT ... SELECT of aggregate queries, never a loop in Python over events.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, models, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone

from peerpath.accounts.models import AccountType, User
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.analytics.models import (
    DailyActivity,
    ListenerFact,
    OverviewPoint,
    Panel,
    PeopleDay,
    RollupState,
)
from peerpath.mentorship.models import CheckIn, Conversation, Flag, MentorProfile, Mentorship
from peerpath.nudges.models import NudgeSend
from peerpath.progression import ladder_roles
from peerpath.progression.models import Award, AwardState

HORIZONS = (30, 60, 90)
WINDOW_DAYS = 30  # "active at n days" = any activity in days n .. n+30 after joining as listener
FACT_HORIZON = max(HORIZONS) + WINDOW_DAYS  # after this a listener's facts are final
ACTIVITY_DAYS = 90  # activity panel length
TREND_WEEKS = 12
# Incremental runs look this far behind their watermark (late commits, clock skew).
OVERLAP = dt.timedelta(hours=1)
FUNNEL = (
    ("listener", "Listener"),
    (ladder_roles.ROOM_SUPPORTER, "Room Supporter"),
    (ladder_roles.CHATROOM_MODERATOR, "Moderator"),
    (ladder_roles.GROUP_SUPPORT_MENTOR, "Group Support Mentor"),
    (ladder_roles.MENTOR_LEADER, "Mentor Leader"),
    (ladder_roles.AMBASSADOR, "Ambassador"),
)
ROLE_SLUGS = tuple(slug for slug, _ in FUNNEL[1:])
HELD_STATES = (AwardState.ACTIVE, AwardState.PENDING_TRAINING)
OVERVIEW_METRICS = (
    "members",
    "listeners",
    "mentors",
    "mentor_capacity",
    "mentor_load",
    "active_mentorships",
    "listener_mentor_share",
    "pairs_conv_0",
    "pairs_conv_1_2",
    "pairs_conv_3plus",
    "median_days_first_conversation",
    "flags_pending",
    "flags_resolved_week",
    "nudges_sent_week",
    "roles_held",
)


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _utc_day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _band_at(adult_from: str, at: Any) -> Case:
    """'adult' when the person is 18 at ``at`` (an instant or a column), else 'teen'."""
    return Case(
        When(**{f"{adult_from}__lte": at}, then=Value("adult")),
        default=Value("teen"),
        output_field=models.CharField(),
    )


# --- Activity per day -----------------------------------------------------------------------


def _sql_dt(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _plus_days(column: str, days: int) -> str:
    """SQL for ``column + days`` (a datetime column), native on each backend: Django's own
    expression calls a Python function per row on SQLite, far too slow for millions of rows."""
    if _is_postgres():
        return f"({column} + interval '{int(days)} days')"
    # %% because the SQL is run with parameters (the backends turn %% into %).
    return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {column}, '+{int(days)} days')"


def _activity_days(days: list[dt.date] | None) -> int:
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
    return [(min(days), max(days) + _days(1))]


def _day_totals(start: dt.date, end: dt.date) -> dict[tuple[dt.date, str], int]:
    """Events per (UTC day, kind) for days in [start, end).

    SQLite: one counting probe of the (kind, occurred_at) index per day and kind (the index is
    read, never the table, and nothing is sorted); PostgreSQL: a plain hash aggregate."""
    qn = connection.ops.quote_name
    events = qn(ActivityEvent._meta.db_table)
    lo, hi = _utc_day_start(start), _utc_day_start(end)
    with connection.cursor() as cursor:
        if _is_postgres():
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
    lo, hi = _utc_day_start(start), _utc_day_start(end)
    if _is_postgres():
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
                [*ActivityKind.values, _sql_dt(lo), _sql_dt(hi)],
            )
        else:
            cursor.execute(
                f"SELECT {day}, e.kind, COUNT(*) FROM {users} u "  # noqa: S608 - our own names
                f"JOIN {events} e ON e.user_id = u.id AND e.occurred_at < u.adult_from "
                "AND e.occurred_at >= %s AND e.occurred_at < %s "
                "WHERE u.adult_from > %s GROUP BY 1, 2",
                [_sql_dt(lo), _sql_dt(hi), _sql_dt(lo)],
            )
        out: dict[tuple[dt.date, str], int] = {}
        for d, k, n in cursor.fetchall():
            out[(d if isinstance(d, dt.date) else dt.date.fromisoformat(d), k)] = int(n)
        return out


def _runs(days: list[dt.date]) -> Iterable[tuple[dt.date, dt.date]]:
    """Contiguous runs of days as half-open [start, end) date ranges."""
    start = prev = days[0]
    for day in days[1:]:
        if day != prev + _days(1):
            yield start, prev + _days(1)
            start = day
        prev = day
    yield start, prev + _days(1)


# --- Listener facts -------------------------------------------------------------------------


def _listener_facts(now: dt.datetime, people: list[int] | None) -> int:
    """(Re)write ListenerFact for every listener (``people`` None) or for the listeners among
    ``people``, in one INSERT ... SELECT: each listener's window bounds are computed once (a
    materialized CTE), then each window is one seek of the (user, occurred_at, kind) index."""
    old = ListenerFact.objects.all()
    where = "u.listener_since IS NOT NULL AND u.listener_since <= %s"
    params: list[Any] = [_sql_dt(now)]
    if people is None:  # every listener: a table scan, not an index walk (see _scan)
        where = f"{_scan('u.listener_since')} IS NOT NULL AND {_scan('u.listener_since')} <= %s"
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
        f"{_plus_days('u.listener_since', n)} AS b{n}"
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
        select_params.append(_sql_dt(now))
    first = (
        f"(SELECT MIN(m.started_at) FROM {mentorships} m WHERE m.mentee_id = f.user_id "  # noqa: S608
        "AND m.started_at IS NOT NULL AND m.started_at <= %s "
        f"AND m.started_at < f.b{max(HORIZONS)})"
    )
    cohort = (
        "to_char(u.listener_since AT TIME ZONE 'UTC', 'YYYY-MM')"
        if _is_postgres()
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
            [*params, _sql_dt(now), *select_params],
        )
        return int(cursor.rowcount or 0)


def _facts_to_refresh(state: RollupState, now: dt.datetime) -> list[int]:
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
            listener_since__gt=last - _days(n) - OVERLAP, listener_since__lte=now - _days(n)
        )
        ids.update(since.values_list("pk", flat=True))
    ids.update(
        Mentorship.objects.filter(updated_at__gt=last - dt.timedelta(minutes=5)).values_list(
            "mentee_id", flat=True
        )
    )
    return sorted(ids)


def _retention_cells() -> dict[str, dict[str, dict[str, int]]]:
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


# --- Overview points --------------------------------------------------------------------------


def week_points(now: dt.datetime) -> list[dt.datetime]:
    """The Mondays (00:00 UTC) of the last TREND_WEEKS weeks, oldest first, the last <= now."""
    today = now.astimezone(dt.UTC).date()
    monday = _utc_day_start(today - _days(today.weekday()))
    return [monday - dt.timedelta(weeks=i) for i in range(TREND_WEEKS - 1, -1, -1)]


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


#: PeopleDay metrics: (who is counted, the column, SQL params), each also by "_adult".
_PEOPLE: dict[str, tuple[str, str, list[Any]]] = {
    "members": ("u.is_active AND u.account_type = %s", "u.date_joined", [AccountType.MEMBER]),
    "listeners": ("u.is_active AND u.listener_since IS NOT NULL", "u.listener_since", []),
}


def _people_expr(column: str, adult: bool) -> str:
    """The instant a person counts from: the column, or (adult) the later of it and their
    18th birthday (no birthday on file counts as adult)."""
    if not adult:
        return column
    if _is_postgres():
        return f"GREATEST({column}, u.adult_from)"
    return f"max({column}, COALESCE(u.adult_from, {column}))"


def _scan(column: str) -> str:
    """The column, kept from driving an index on SQLite (unary +): when most rows match, one
    pass over the table beats an index walk with a table lookup per row."""
    return column if _is_postgres() else f"+{column}"


def _people_where(column: str, adult: bool, lo: Any, hi: Any) -> list[tuple[str, list[Any]]]:
    """``lo <= value <= hi`` (lo may be None) as disjoint parts, each a tight range of one
    index: for ``adult``, people whose column is in range (and who are 18 by ``hi``), plus
    people whose 18th birthday is in range and whose column came before ``lo``."""
    if not adult:
        if lo is None:
            return [(f"{_scan(column)} <= %s", [hi])]
        return [(f"{column} >= %s AND {column} <= %s", [lo, hi])]
    of_age = f"COALESCE(u.adult_from, {column}) <= %s"
    if lo is None:
        return [(f"{_scan(column)} <= %s AND {of_age}", [hi, hi])]
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


def _people_days(now: dt.datetime, from_day: dt.date | None) -> None:
    """(Re)write PeopleDay for days from ``from_day`` (None: all) to today, one GROUP BY per
    metric. Incremental runs rewrite only recent days: an account deactivated, or a listener
    turned member, leaves the older days' counts at the nightly rebuild."""
    old = PeopleDay.objects.all()
    if from_day is not None:
        old = old.filter(day__gte=from_day)
    old.delete()
    lo = _sql_dt(_utc_day_start(from_day)) if from_day is not None else None
    rows: list[PeopleDay] = []
    with connection.cursor() as cursor:
        for metric, (who, column, who_params) in _PEOPLE.items():
            for adult in (False, True):
                value = _people_expr(column, adult)
                inner, params = _people_select(
                    f"{value} AS v", who, who_params, column, adult, lo, _sql_dt(now)
                )
                day = "CAST(v AT TIME ZONE 'UTC' AS date)" if _is_postgres() else "substr(v, 1, 10)"
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


def _people_counts(points: list[dt.datetime]) -> dict[tuple[dt.datetime, str, str], float]:
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
                        _sql_dt(_utc_day_start(day)),
                        _sql_dt(t),
                    )
                    cursor.execute(f"SELECT COUNT(*) FROM ({inner}) p", params)  # noqa: S608
                    counted[name] = before + int(cursor.fetchone()[0])
            for metric in _PEOPLE:
                adult_n = counted[metric + "_adult"]
                out[(t, "all", metric)] = float(counted[metric])
                out[(t, "adult", metric)] = float(adult_n)
                out[(t, "teen", metric)] = float(counted[metric] - adult_n)
    return out


def _overview_values(points: list[dt.datetime]) -> dict[tuple[dt.datetime, str, str], float | None]:
    values: dict[tuple[dt.datetime, str, str], float | None] = {}
    values.update(_people_counts(points))
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
            lambda t: Q(resolved_at__lte=t, resolved_at__gt=t - _days(7)),
        )
    )
    first_week = points[0] - _days(7)
    values.update(
        _split(
            NudgeSend.objects.filter(sent=True, created_at__gt=first_week),
            points,
            "user__adult_from",
            "nudges_sent_week",
            lambda t: Q(created_at__lte=t, created_at__gt=t - _days(7)),
        )
    )
    values.update(
        _split(
            Award.objects.filter(achievement__slug__in=ROLE_SLUGS, state__in=HELD_STATES),
            points,
            "user__adult_from",
            "roles_held",
            lambda t: Q(granted_at__lte=t),
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
        | Q(started_at__gt=first_point - _days(90))
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
        at, day, recent = _raw_instant(t), _raw_day(t), _raw_instant(t - _days(90))
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
    return t if _is_postgres() else t.astimezone(dt.UTC).replace(tzinfo=None)


def _raw_day(t: dt.datetime) -> dt.date:
    return t.astimezone(dt.UTC).date()


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _write_points(
    values: dict[tuple[dt.datetime, str, str], float | None], current: dt.datetime | None
) -> None:
    OverviewPoint.objects.bulk_create(
        [
            OverviewPoint(at=at, band=band, metric=metric, value=value, is_current=at == current)
            for (at, band, metric), value in values.items()
        ]
    )


# --- Panels -------------------------------------------------------------------------------


def _funnel(now: dt.datetime) -> dict[str, dict[str, Any]]:
    people: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
    band_of: dict[int, str] = {}
    role_rows = (
        Award.objects.filter(achievement__slug__in=ROLE_SLUGS, granted_at__lte=now)
        .exclude(state=AwardState.REVOKED)
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
    listeners = _people_counts([now])
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
            r_band=_band_at("user__adult_from", now),
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
            r_band=_band_at(adult_from, F(time_field)),
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


def _write_panels(now: dt.datetime, *, nightly: bool) -> None:
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
        panels["retention"] = _retention_cells()
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


# --- Entry points ---------------------------------------------------------------------------


def _analyze(*tables: type[models.Model]) -> None:
    """Planner statistics for tables just rewritten wholesale (small tables: milliseconds)."""
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _state() -> RollupState:
    state, _ = RollupState.objects.select_for_update().get_or_create(pk=1)
    return state


@transaction.atomic
def rebuild(*, now: dt.datetime | None = None) -> RollupState:
    """Recompute every rollup from the raw tables."""
    now = now or timezone.now()
    started = time.perf_counter()
    state = _state()
    top = ActivityEvent.objects.aggregate(top=Max("id"))["top"] or 0
    _activity_days(None)
    _listener_facts(now, None)
    _people_days(now, None)
    OverviewPoint.objects.all().delete()
    points = [p for p in week_points(now) if p < now] + [now]
    _write_points(_overview_values(points), now)
    _write_panels(now, nightly=True)
    _analyze(DailyActivity, PeopleDay, ListenerFact, OverviewPoint, Panel)
    state.last_event_id = top
    state.refreshed_at = state.rebuilt_at = now
    state.rebuild_seconds = state.refresh_seconds = time.perf_counter() - started
    state.save()
    return state


@transaction.atomic
def refresh(*, now: dt.datetime | None = None) -> RollupState:
    """Bring the rollups up to ``now`` incrementally (a full rebuild the first time)."""
    now = now or timezone.now()
    state = _state()
    if state.rebuilt_at is None:
        return rebuild(now=now)
    started = time.perf_counter()
    new_events = ActivityEvent.objects.filter(id__gt=state.last_event_id)
    top = new_events.aggregate(top=Max("id"))["top"] or state.last_event_id
    touched = set(
        new_events.order_by()
        .annotate(d=TruncDate("occurred_at", tzinfo=dt.UTC))
        .values_list("d", flat=True)
        .distinct()
    )
    today = now.astimezone(dt.UTC).date()
    touched.update((today, today - _days(1)))  # today so far, and yesterday's late arrivals
    _activity_days(sorted(touched))
    _listener_facts(now, _facts_to_refresh(state, now))
    last_day = (state.refreshed_at or now).astimezone(dt.UTC).date()
    _people_days(now, min(last_day, today) - _days(1))
    weekly = [p for p in week_points(now) if p < now]
    have = set(
        OverviewPoint.objects.filter(is_current=False, at__in=weekly).values_list("at", flat=True)
    )
    OverviewPoint.objects.filter(Q(is_current=True) | Q(at__lt=weekly[0]) | Q(at__gt=now)).delete()
    missing = [p for p in weekly if p not in have]
    _write_points(_overview_values([*missing, now]), now)
    _write_panels(now, nightly=False)
    state.last_event_id = top
    state.refreshed_at = now
    state.refresh_seconds = time.perf_counter() - started
    state.save()
    return state
