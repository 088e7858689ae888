"""Facts and standings for the evaluator, from a few aggregate queries.

The same loader serves one person (``/path/``, the application form) and everyone (the
batch): one query for the people, one ``GROUP BY user, kind`` over the activity log for
all-time counts, one per rolling window the ladder uses, one for named trainings and one
for the current awards. Times come out of the database as epoch seconds (converted in SQL),
so a million rows never become a million Python datetimes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from django.db import connection

from peerpath.accounts.models import AccountType, User
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.progression import awarding, rules
from peerpath.progression.models import Achievement, Award, AwardSource, AwardState, Training

TRAINING_REF: Final = "progression.training"
STATE_CODES: Final = {
    AwardState.ACTIVE.value: awarding.ACTIVE,
    AwardState.PENDING_TRAINING.value: awarding.PENDING_TRAINING,
    AwardState.LAPSED.value: awarding.LAPSED,
    AwardState.REVOKED.value: awarding.REVOKED,
}
CODE_STATES: Final = {code: state for state, code in STATE_CODES.items()}
IN_LIST_MAX: Final = 900  # beyond this, selected ids go through a temporary table


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def epoch_sql(column: str) -> str:
    """SQL for a datetime column as epoch seconds (NULL stays NULL)."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})::float8"
    # julianday, not strftime('%s'): Django's SQLite cursor rewrites "%s" into a placeholder.
    return f"ROUND((julianday({column}) - 2440587.5) * 86400.0, 3)"


def to_epoch(when: dt.datetime) -> float:
    return when.timestamp()


def as_of(when: dt.datetime) -> Any:
    """``when`` as a parameter compared with datetime columns in raw SQL, in the form the
    database stores them: on SQLite, naive UTC text (comparisons there are text
    comparisons, so an aware or non-UTC parameter would be compared wrongly); on PostgreSQL
    the aware datetime itself."""
    return connection.ops.adapt_datetimefield_value(when)


@contextmanager
def selection(user_ids: Sequence[int] | None) -> Iterator[tuple[str, list[Any]]]:
    """A WHERE fragment template (``{col}`` = the user id column) and its parameters that
    limits a query to ``user_ids``: nothing for everyone, an IN list for a few, a temporary
    table for many."""
    if user_ids is None:
        yield "1=1", []
        return
    ids = [int(i) for i in user_ids]
    if len(ids) <= IN_LIST_MAX:
        if not ids:
            yield "1=0", []
            return
        yield "{col} IN (" + ", ".join(["%s"] * len(ids)) + ")", ids
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS progression_selected")
        cursor.execute("CREATE TEMPORARY TABLE progression_selected (id BIGINT PRIMARY KEY)")
        if connection.vendor == "postgresql":
            raw: Any = connection.connection
            with (
                raw.cursor() as pg,
                pg.copy("COPY progression_selected (id) FROM STDIN") as copy,
            ):
                for i in sorted(set(ids)):
                    copy.write_row((i,))
        else:
            cursor.executemany(
                "INSERT INTO progression_selected (id) VALUES (%s)",
                [(i,) for i in sorted(set(ids))],
            )
    try:
        yield "{col} IN (SELECT id FROM progression_selected)", []
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS progression_selected")


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def load(
    rule_set: Sequence[rules.Rule],
    *,
    now: dt.datetime,
    user_ids: Sequence[int] | None = None,
    achievement_slugs: Mapping[int, str] | None = None,
    training_ids: Mapping[str, int] | None = None,
) -> tuple[rules.Facts, dict[str, awarding.Standing]]:
    """Facts and current standings for active people (all of them, or ``user_ids``), as of
    ``now``: the people who had joined by then, and only the activity at or before it (the
    same rule whether ``now`` is the present or a moment replayed from the past).
    ``achievement_slugs`` (every achievement's slug by id) and ``training_ids`` (every
    training's id by slug) save a query each when the caller has them (``ladder.Ladder``)."""
    users_t = qn(User._meta.db_table)
    events_t = qn(ActivityEvent._meta.db_table)
    awards_t = qn(Award._meta.db_table)
    with selection(user_ids) as (where, params):
        facts = _people(users_t, where.format(col="id"), params, now)
        needs: set[tuple[str, int | None]] = set()
        trainings_needed: set[str] = set()
        for rule in rule_set:
            needs |= rules.count_needs(rule.criteria)
            trainings_needed |= {
                n.slug for n in rules.walk(rule.criteria) if isinstance(n, rules.TrainingDone)
            }
            if rule.obligation:
                trainings_needed.add(rule.obligation)
        if needs:
            _counts(facts, events_t, where.format(col="user_id"), params, needs, now)
        if trainings_needed:
            slugs = (
                {training_ids[t]: t for t in trainings_needed if t in training_ids}
                if training_ids is not None
                else dict(
                    Training.objects.filter(slug__in=trainings_needed).values_list("pk", "slug")
                )
            )
            if slugs:
                sql = (
                    f"SELECT DISTINCT user_id, ref_id FROM {events_t} "  # noqa: S608
                    "WHERE kind = %s AND ref_type = %s AND occurred_at <= %s AND "
                    f"{where.format(col='user_id')}"
                )
                result = _fetch(
                    sql, [ActivityKind.TRAINING_COMPLETED.value, TRAINING_REF, as_of(now), *params]
                )
                for slug in slugs.values():
                    facts.trainings[slug] = np.zeros(facts.n, np.bool_)
                for user_id, ref_id in result:
                    done = slugs.get(ref_id)
                    pos = _position(facts.user_ids, user_id)
                    if done is not None and pos >= 0:
                        facts.trainings[done][pos] = True
        standings = _standings(
            facts, awards_t, where.format(col="user_id"), params, achievement_slugs
        )
    return facts, standings


def _times(column: list[Any]) -> npt.NDArray[np.float64]:
    """Epoch seconds from a column of datetimes (PostgreSQL, as epoch floats already) or of
    SQLite's ISO text, parsed by NumPy in one call; None becomes NaN."""
    if connection.vendor == "postgresql":
        return np.array([np.nan if v is None else v for v in column], dtype=np.float64)
    parsed = np.array(["NaT" if v is None else v for v in column], dtype="datetime64[ms]")
    out = parsed.astype(np.int64).astype(np.float64) / 1000.0
    out[np.isnat(parsed)] = np.nan
    return out


def _people(users_t: str, where: str, params: list[Any], now: dt.datetime) -> rules.Facts:
    """One row per active person who had joined by ``now``: band and account type decided
    in SQL, tenure starts as epoch seconds."""
    if connection.vendor == "postgresql":
        joined, since = epoch_sql("date_joined"), epoch_sql("listener_since")
    else:
        joined, since = "date_joined", "listener_since"
    rows = _fetch(
        f"SELECT id, account_type = %s, teen_from <= %s AND adult_from > %s, "  # noqa: S608
        f"{joined}, {since} FROM {users_t} WHERE is_active AND date_joined <= %s AND {where} "
        "ORDER BY id",
        [AccountType.LISTENER.value, as_of(now), as_of(now), as_of(now), *params],
    )
    n = len(rows)
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [[], [], [], [], []]
    return rules.Facts(
        user_ids=np.array(columns[0], dtype=np.int64).reshape(n),
        now=to_epoch(now),
        is_teen=np.array(columns[2], dtype=np.bool_).reshape(n),
        is_listener=np.array(columns[1], dtype=np.bool_).reshape(n),
        joined=_times(list(columns[3])).reshape(n),
        listener_since=_times(list(columns[4])).reshape(n),
    )


def _counts(
    facts: rules.Facts,
    events_t: str,
    where: str,
    params: list[Any],
    needs: set[tuple[str, int | None]],
    now: dt.datetime,
) -> None:
    """Every count the ladder reads, all-time and per rolling window, in ONE pass over the
    activity log: ``GROUP BY user, kind`` with a conditional sum per window, read in the
    order of the (user, kind, time) index (SQLite is told to use it; PostgreSQL chooses)."""
    kinds = sorted({k for k, _ in needs})
    windows = sorted({w for _, w in needs if w is not None})
    kind_case = "CASE kind " + " ".join(f"WHEN %s THEN {i}" for i in range(len(kinds))) + " END"
    sums = "".join(", SUM(CASE WHEN occurred_at >= %s THEN 1 ELSE 0 END)" for _ in windows)
    hint = " INDEXED BY activity_user_kind_time" if connection.vendor == "sqlite" else ""
    # As of ``now``, always: what was recorded after it is not counted, whether ``now`` is
    # replayed from the past or is the present (an event recorded while the batch runs
    # belongs to the next run; ``batch.touched_since`` picks its person up). The bound is a
    # column of the (user, kind, time) index: SQLite's scan stays on the covering index
    # (measured: 2M events, the same time with and without it).
    sql = (
        f"SELECT user_id, {kind_case}, COUNT(*){sums} FROM {events_t}{hint} "  # noqa: S608
        f"WHERE kind IN ({', '.join(['%s'] * len(kinds))}) AND occurred_at <= %s AND {where} "
        "GROUP BY user_id, kind"
    )
    args: list[Any] = [*kinds]
    args += [as_of(now - dt.timedelta(days=w)) for w in windows]
    args += kinds
    args += [as_of(now)]
    rows = _fetch(sql, [*args, *params])
    n = facts.n
    for kind, window in needs:
        facts.counts[(kind, window)] = np.zeros(n, np.int64)
    if not rows:
        return
    table = np.array(rows, dtype=np.int64)
    pos = np.searchsorted(facts.user_ids, table[:, 0])
    clipped = np.minimum(pos, max(n - 1, 0))
    ok = (pos < n) & (facts.user_ids[clipped] == table[:, 0]) if n else np.zeros(len(table), bool)
    for i, kind in enumerate(kinds):
        sel = ok & (table[:, 1] == i)
        for column, window in enumerate([None, *windows]):
            if (kind, window) in needs:
                facts.counts[(kind, window)][pos[sel]] = table[sel, 2 + column]


def _position(ids: np.ndarray, user_id: int) -> int:
    pos = int(np.searchsorted(ids, user_id))
    return pos if pos < len(ids) and ids[pos] == user_id else -1


def _standings(
    facts: rules.Facts,
    awards_t: str,
    where: str,
    params: list[Any],
    slugs: Mapping[int, str] | None = None,
) -> dict[str, awarding.Standing]:
    if slugs is None:
        slugs = dict(Achievement.objects.values_list("pk", "slug"))
    rows = _fetch(
        f"SELECT user_id, achievement_id, state, {epoch_sql('granted_at')}, "  # noqa: S608
        f"{epoch_sql('below_since')}, {epoch_sql('obligation_due')}, "
        f"{epoch_sql('changed_at')}, source = %s FROM {awards_t} WHERE {where}",
        [AwardSource.STAFF.value, *params],
    )
    out: dict[str, awarding.Standing] = {}
    if not rows:
        return out
    uid = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    aid = np.fromiter((r[1] for r in rows), np.int64, len(rows))
    state = np.fromiter((STATE_CODES[r[2]] for r in rows), np.int8, len(rows))
    times = np.array([r[3:7] for r in rows], dtype=np.float64).reshape(len(rows), 4)
    staff = np.fromiter((bool(r[7]) for r in rows), np.bool_, len(rows))
    n = facts.n
    pos = np.searchsorted(facts.user_ids, uid)
    pos_clipped = np.minimum(pos, max(n - 1, 0))
    ok = (pos < n) & (facts.user_ids[pos_clipped] == uid) if n else np.zeros(len(uid), bool)
    for achievement_id in np.unique(aid[ok]).tolist():
        slug = slugs.get(achievement_id)
        if slug is None:
            continue
        sel = ok & (aid == achievement_id)
        st = awarding.Standing.empty(n)
        p = pos[sel]
        st.state[p] = state[sel]
        st.granted_at[p] = times[sel, 0]
        st.below_since[p] = times[sel, 1]
        st.obligation_due[p] = times[sel, 2]
        by_staff, revoked_at = np.zeros(n, np.bool_), np.full(n, np.nan)
        by_staff[p] = staff[sel]
        revoked_at[p] = np.where(state[sel] == awarding.REVOKED, times[sel, 3], np.nan)
        st.by_staff, st.revoked_at = by_staff, revoked_at
        out[slug] = st
        # What people hold before this run: read by criteria of achievements the batch
        # does not decide (roles by application).
        facts.held[slug] = st.state == awarding.ACTIVE
        facts.held_since[slug] = np.where(st.state == awarding.ACTIVE, st.granted_at, np.nan)
    return out
