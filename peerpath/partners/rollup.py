"""The per-pair rollup behind the mentorships table (``PairStat``), set-based.

``rebuild_pair_stats`` recomputes every row with four aggregate queries (mentorships with
both people's age thresholds, conversations, open flags, check-ins) and bulk writes.
``refresh_pair_stats`` recomputes only the pairs that may have changed since the stored
watermark: mentorship rows edited (``updated_at``), flags raised or resolved (``updated_at``),
conversations and check-ins added (by id, so the primary key index finds them), and pairs one
of whose people turned 18 (the pair's band moved without any row changing). Recomputing a
pair is idempotent, so the watermarks keep a safety overlap: rows committed a little late by
a concurrent transaction are still seen by the next run.

Only pairs that really started (active or ended with a start) are rows: a proposal that was
declined or expired was never a mentorship.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, CharField, Count, F, Max, Q, TextField, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.core.bulk import BulkInserter
from peerpath.mentorship.models import (
    CheckIn,
    Conversation,
    Flag,
    Mentorship,
    MentorshipStatus,
)
from peerpath.partners.models import Band, PairStat, RollupState

TABLE_STATUSES = (MentorshipStatus.ACTIVE, MentorshipStatus.ENDED)
CHUNK = 900  # ids per IN (...) list: under SQLite's historical 999-parameter limit
WRITE_BATCH = 10_000
NEVER = dt.date(1, 1, 1)  # contact_sort of a pair that never had a conversation
TIME_OVERLAP = dt.timedelta(minutes=2)


def _chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def band_sql(person: str, now: dt.datetime) -> Case:
    """The person's age band at ``now``, decided by the database from the stored thresholds
    (``accounts.services`` writes them; a birthday passes without any row changing)."""
    return Case(
        When(**{f"{person}__adult_from__lte": now}, then=Value(Band.ADULT.value)),
        When(**{f"{person}__teen_from__lte": now}, then=Value(Band.TEEN.value)),
        default=Value("child"),
        output_field=CharField(),
    )


COLUMNS = (
    "mentorship_id",
    "mentor_id",
    "mentee_id",
    "band",
    "status",
    "started_at",
    "conversations",
    "last_contact",
    "open_flags",
    "check_ins",
    "refreshed_at",
    "quiet_since",
    "mentor_name",
    "mentee_name",
    "contact_sort",
)


def _conn() -> BaseDatabaseWrapper:
    return connections[router.db_for_write(PairStat)]


def _compute(ids: list[int] | None, now: dt.datetime) -> dict[str, list[Any]]:
    """PairStat columns for these mentorships (None: all) from four aggregate queries per
    chunk of ids."""
    pairs = Mentorship.objects.filter(status__in=TABLE_STATUSES, started_at__isnull=False)
    convs = Conversation.objects.all()
    flags = Flag.objects.filter(resolved_at__isnull=True)
    checks = CheckIn.objects.all()
    batches: Iterable[list[int] | None] = [None] if ids is None else _chunks(ids)
    out: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    # On SQLite the stored text goes back as it came: parsing 100k timestamps into
    # datetimes and formatting them again cost more than the queries.
    as_text = _conn().vendor == "sqlite"
    never: Any = NEVER.isoformat() if as_text else NEVER
    started: Any = Cast("started_at", TextField()) if as_text else F("started_at")
    last_day: Any = Cast(Max("day"), TextField()) if as_text else Max("day")
    for batch in batches:
        p, c, f, k = pairs, convs, flags, checks
        if batch is not None:
            p = p.filter(pk__in=batch)
            c = c.filter(mentorship_id__in=batch)
            f = f.filter(mentorship_id__in=batch)
            k = k.filter(mentorship_id__in=batch)
        conv = {
            r["mentorship_id"]: (r["n"], r["last"])
            for r in c.order_by().values("mentorship_id").annotate(n=Count("id"), last=last_day)
        }
        flag = dict(
            f.order_by()
            .values("mentorship_id")
            .annotate(n=Count("id"))
            .values_list("mentorship_id", "n")
        )
        check = dict(
            k.order_by()
            .values("mentorship_id")
            .annotate(n=Count("id"))
            .values_list("mentorship_id", "n")
        )
        rows = (
            p.order_by()
            .annotate(
                mentor_band=band_sql("mentor", now),
                mentee_band=band_sql("mentee", now),
                started=started,
            )
            .values_list(
                "id",
                "mentor_id",
                "mentee_id",
                "status",
                "started",
                "mentor_band",
                "mentee_band",
                "mentor__username",
                "mentee__username",
            )
        )
        for (
            pk,
            mentor,
            mentee,
            status,
            start,
            mentor_band,
            mentee_band,
            mentor_name,
            mentee_name,
        ) in rows.iterator(chunk_size=WRITE_BATCH):
            n_conv, last = conv.get(pk, (0, None))
            # SQLite: stored text "YYYY-MM-DD HH:MM:SS" (UTC); elsewhere an aware datetime.
            start_day = start[:10] if as_text else start.astimezone(dt.UTC).date()
            out["mentorship_id"].append(pk)
            out["mentor_id"].append(mentor)
            out["mentee_id"].append(mentee)
            out["band"].append(mentor_band if mentor_band == mentee_band else Band.MIXED)
            out["status"].append(status)
            out["started_at"].append(start)
            out["conversations"].append(n_conv)
            out["last_contact"].append(last)
            out["contact_sort"].append(last or never)
            out["quiet_since"].append(max(last, start_day) if last else start_day)
            out["mentor_name"].append(mentor_name)
            out["mentee_name"].append(mentee_name)
            out["open_flags"].append(flag.get(pk, 0))
            out["check_ins"].append(check.get(pk, 0))
    out["refreshed_at"] = [now] * len(out["mentorship_id"])
    return out


def _write(columns: dict[str, list[Any]]) -> int:
    """Insert the rows with the driver's bulk path (executemany on SQLite, COPY on
    PostgreSQL): building 100k model instances would cost more than every query."""
    conn = _conn()
    if not columns["mentorship_id"]:
        return 0
    if conn.vendor == "sqlite":
        # What Django's SQLite backend stores (naive UTC text); the other columns are
        # already the stored text (see _compute).
        stamp = str(columns["refreshed_at"][0].astimezone(dt.UTC).replace(tzinfo=None))
        columns["refreshed_at"] = [stamp] * len(columns["refreshed_at"])
    elif conn.vendor != "postgresql":
        meta = PairStat._meta
        for name in ("started_at", "refreshed_at", "last_contact", "quiet_since", "contact_sort"):
            field: Any = meta.get_field(name)
            columns[name] = [field.get_db_prep_save(v, conn) for v in columns[name]]
    return BulkInserter(conn).insert(PairStat, columns)


def _max_id(model: Any) -> int:
    found = model.objects.aggregate(m=Max("id"))["m"]
    return int(found or 0)


def _save_state(
    *, state: RollupState | None, now: dt.datetime, touched: int, seconds: float
) -> None:
    """After a refresh (``state``: the one it started from) or a rebuild (None)."""
    conv, check = _max_id(Conversation), _max_id(CheckIn)
    fields: dict[str, Any] = {
        "watermark": now - TIME_OVERLAP,
        "refreshed_at": now,
        "last_touched": touched,
        "last_seconds": seconds,
        "conversation_from": conv if state is None else state.conversation_seen,
        "conversation_seen": conv,
        "checkin_from": check if state is None else state.checkin_seen,
        "checkin_seen": check,
    }
    if state is None:
        fields["rebuilt_at"] = now
    RollupState.objects.update_or_create(pk=1, defaults=fields)


def rebuild_pair_stats(*, now: dt.datetime | None = None) -> int:
    """Every row from scratch (set-based). Returns the number of rows written."""
    now = now or timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        columns = _compute(None, now)
        conn = _conn()
        # Emptying and refilling an indexed table pays a random index insert per row and
        # index: drop the secondary indexes, refill, and build them once from sorted data
        # (measured on SQLite with 100k pairs: 13 s -> a few seconds). Readers wait for the
        # commit (PostgreSQL) or keep reading the old snapshot (SQLite WAL).
        editor = conn.SchemaEditorClass(conn, collect_sql=False, atomic=False)
        editor.deferred_sql = []  # used without entering it: SQL text only
        indexes = PairStat._meta.indexes
        table = conn.ops.quote_name(PairStat._meta.db_table)
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                # Deferred foreign-key checks left pending by earlier writes of this
                # transaction forbid TRUNCATE and CREATE INDEX: check them as we go.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for index in indexes:
                cursor.execute(str(index.remove_sql(PairStat, editor)))
            if conn.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {table}")
            else:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table name
            written = _write(columns)
            for index in indexes:
                cursor.execute(str(index.create_sql(PairStat, editor)))
            # Fresh statistics for the planner: with none, SQLite picked a sort index and
            # filtered along it for a filter another index answers directly (130 ms a page).
            cursor.execute(f"ANALYZE {table}")
            if conn.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        _save_state(state=None, now=now, touched=written, seconds=time.perf_counter() - started)
    return written


def changed_pairs(state: RollupState, now: dt.datetime) -> set[int]:
    """Ids of mentorships whose figures may have moved since the last run."""
    since = state.watermark
    assert since is not None  # noqa: S101 - callers rebuild first when there is no watermark
    ids: set[int] = set()
    ids.update(Mentorship.objects.filter(updated_at__gt=since).values_list("id", flat=True))
    ids.update(Flag.objects.filter(updated_at__gt=since).values_list("mentorship_id", flat=True))
    ids.update(
        Conversation.objects.filter(id__gt=state.conversation_from).values_list(
            "mentorship_id", flat=True
        )
    )
    ids.update(
        CheckIn.objects.filter(id__gt=state.checkin_from).values_list("mentorship_id", flat=True)
    )
    grown = User.objects.filter(adult_from__gt=since, adult_from__lte=now).values("id")
    ids.update(
        Mentorship.objects.filter(
            Q(mentor_id__in=grown) | Q(mentee_id__in=grown), status__in=TABLE_STATUSES
        ).values_list("id", flat=True)
    )
    return ids


def refresh_pair_stats(now: dt.datetime | None = None) -> int:
    """Only the pairs that changed since the watermark. Returns rows touched (rewritten or
    removed). Without a watermark yet, a full rebuild."""
    now = now or timezone.now()
    state = RollupState.objects.filter(pk=1).first()
    if state is None or state.watermark is None:
        return rebuild_pair_stats(now=now)
    started = time.perf_counter()
    with transaction.atomic():
        ids = sorted(changed_pairs(state, now))
        columns = _compute(ids, now)
        kept = set(columns["mentorship_id"])
        removed = 0
        for batch in _chunks(ids):
            gone = [pk for pk in batch if pk not in kept]
            if gone:
                removed += PairStat.objects.filter(pk__in=gone).delete()[0]
            PairStat.objects.filter(pk__in=batch).delete()
        touched = _write(columns) + removed
        _save_state(state=state, now=now, touched=touched, seconds=time.perf_counter() - started)
    return touched
