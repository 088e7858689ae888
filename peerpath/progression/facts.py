"""Facts and standings for the evaluator, from a few aggregate queries.

The same loader serves one person (``/path/``, the application form) and everyone (the
batch): one query for the people, one ``GROUP BY user, kind`` over the activity log for
all-time counts, one per rolling window the ladder uses, one for named trainings and one
for the current awards. Times come out of the database as epoch seconds (converted in SQL),
so a million rows never become a million Python datetimes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

import numpy as np
from django.db import connection

from peerpath.accounts.models import AccountType, User
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.progression import rules
from peerpath.progression.models import Achievement, Award, AwardState, Training

TRAINING_REF: Final = "progression.training"
STATE_CODES: Final = {
    AwardState.ACTIVE.value: rules.ACTIVE,
    AwardState.PENDING_TRAINING.value: rules.PENDING_TRAINING,
    AwardState.LAPSED.value: rules.LAPSED,
    AwardState.REVOKED.value: rules.REVOKED,
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


def param() -> str:
    return "%s"


def to_epoch(when: dt.datetime) -> float:
    return when.timestamp()


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
) -> tuple[rules.Facts, dict[str, rules.Standing]]:
    """Facts and current standings for active people (all of them, or ``user_ids``)."""
    now_s = to_epoch(now)
    users_t = qn(User._meta.db_table)
    events_t = qn(ActivityEvent._meta.db_table)
    awards_t = qn(Award._meta.db_table)
    with selection(user_ids) as (where, params):
        rows = _fetch(
            f"SELECT id, account_type, {epoch_sql('date_joined')}, "  # noqa: S608
            f"{epoch_sql('listener_since')}, {epoch_sql('teen_from')}, "
            f"{epoch_sql('adult_from')} FROM {users_t} "
            f"WHERE is_active AND {where.format(col='id')} ORDER BY id",
            params,
        )
        ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        listener = np.fromiter((r[1] == AccountType.LISTENER for r in rows), np.bool_, len(rows))
        times = np.array([r[2:] for r in rows], dtype=np.float64).reshape(len(rows), 4)
        joined, listener_since, teen_from, adult_from = times.T
        is_teen = (teen_from <= now_s) & (adult_from > now_s)
        facts = rules.Facts(
            user_ids=ids,
            now=now_s,
            is_teen=is_teen,
            is_listener=listener,
            joined=joined.copy(),
            listener_since=listener_since.copy(),
        )
        needs: set[tuple[str, int | None]] = set()
        trainings_needed: set[str] = set()
        for rule in rule_set:
            needs |= rules.count_needs(rule.criteria)
            trainings_needed |= {
                n.slug for n in rules.walk(rule.criteria) if isinstance(n, rules.TrainingDone)
            }
            if rule.obligation:
                trainings_needed.add(rule.obligation)
        windows = sorted({w for _, w in needs}, key=lambda w: -1 if w is None else w)
        for window in windows:
            kinds = sorted({k for k, w in needs if w == window})
            kind_ph = ", ".join(["%s"] * len(kinds))
            extra, extra_params = "", []
            if window is not None:
                extra = " AND occurred_at >= %s"
                extra_params = [now - dt.timedelta(days=window)]
            sql = (
                f"SELECT user_id, kind, COUNT(*) FROM {events_t} "  # noqa: S608
                f"WHERE kind IN ({kind_ph}){extra} AND occurred_at <= %s "
                f"AND {where.format(col='user_id')} "
                "GROUP BY user_id, kind"
            )
            result = _fetch(sql, [*kinds, *extra_params, now, *params])
            _scatter_counts(facts, result, kinds, window)
        if trainings_needed:
            slugs = dict(
                Training.objects.filter(slug__in=trainings_needed).values_list("pk", "slug")
            )
            if slugs:
                sql = (
                    f"SELECT DISTINCT user_id, ref_id FROM {events_t} "  # noqa: S608
                    "WHERE kind = %s AND ref_type = %s AND occurred_at <= %s AND "
                    f"{where.format(col='user_id')}"
                )
                result = _fetch(
                    sql, [ActivityKind.TRAINING_COMPLETED.value, TRAINING_REF, now, *params]
                )
                for slug in slugs.values():
                    facts.trainings[slug] = np.zeros(facts.n, np.bool_)
                for user_id, ref_id in result:
                    done = slugs.get(ref_id)
                    pos = _position(ids, user_id)
                    if done is not None and pos >= 0:
                        facts.trainings[done][pos] = True
        standings = _standings(facts, awards_t, where.format(col="user_id"), params)
    return facts, standings


def _position(ids: np.ndarray, user_id: int) -> int:
    pos = int(np.searchsorted(ids, user_id))
    return pos if pos < len(ids) and ids[pos] == user_id else -1


def _scatter_counts(
    facts: rules.Facts, result: list[tuple[Any, ...]], kinds: list[str], window: int | None
) -> None:
    n = facts.n
    for kind in kinds:
        facts.counts[(kind, window)] = np.zeros(n, np.int64)
    if not result:
        return
    uid = np.fromiter((r[0] for r in result), np.int64, len(result))
    kind_index = {k: i for i, k in enumerate(kinds)}
    kid = np.fromiter((kind_index[r[1]] for r in result), np.int64, len(result))
    cnt = np.fromiter((r[2] for r in result), np.int64, len(result))
    pos = np.searchsorted(facts.user_ids, uid)
    pos_clipped = np.minimum(pos, max(n - 1, 0))
    ok = (pos < n) & (facts.user_ids[pos_clipped] == uid) if n else np.zeros(len(uid), bool)
    for i, kind in enumerate(kinds):
        sel = ok & (kid == i)
        facts.counts[(kind, window)][pos[sel]] = cnt[sel]


def _standings(
    facts: rules.Facts, awards_t: str, where: str, params: list[Any]
) -> dict[str, rules.Standing]:
    slugs = dict(Achievement.objects.values_list("pk", "slug"))
    rows = _fetch(
        f"SELECT user_id, achievement_id, state, {epoch_sql('granted_at')}, "  # noqa: S608
        f"{epoch_sql('below_since')}, {epoch_sql('obligation_due')} FROM {awards_t} "
        f"WHERE {where}",
        params,
    )
    out: dict[str, rules.Standing] = {}
    if not rows:
        return out
    uid = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    aid = np.fromiter((r[1] for r in rows), np.int64, len(rows))
    state = np.fromiter((STATE_CODES[r[2]] for r in rows), np.int8, len(rows))
    times = np.array([r[3:] for r in rows], dtype=np.float64).reshape(len(rows), 3)
    n = facts.n
    pos = np.searchsorted(facts.user_ids, uid)
    pos_clipped = np.minimum(pos, max(n - 1, 0))
    ok = (pos < n) & (facts.user_ids[pos_clipped] == uid) if n else np.zeros(len(uid), bool)
    for achievement_id in np.unique(aid[ok]).tolist():
        slug = slugs.get(achievement_id)
        if slug is None:
            continue
        sel = ok & (aid == achievement_id)
        st = rules.Standing.empty(n)
        p = pos[sel]
        st.state[p] = state[sel]
        st.granted_at[p] = times[sel, 0]
        st.below_since[p] = times[sel, 1]
        st.obligation_due[p] = times[sel, 2]
        out[slug] = st
        # What people hold before this run: read by criteria of achievements the batch
        # does not decide (roles by application).
        facts.held[slug] = st.state == rules.ACTIVE
        facts.held_since[slug] = np.where(st.state == rules.ACTIVE, st.granted_at, np.nan)
    return out
