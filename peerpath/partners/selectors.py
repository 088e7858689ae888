"""Reads of the mentorships table: PairStat filtered, sorted and paged (+ user names)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import User
from peerpath.core.errors import Refused
from peerpath.mentorship.models import Mentorship
from peerpath.partners.forms import TableQuery
from peerpath.partners.models import BulkMessage, PairStat, RollupState

PAGE_SIZE = 50
ROW_FIELDS = (
    "mentorship_id",
    "mentor_id",
    "mentee_id",
    "mentor__username",
    "mentee__username",
    "band",
    "status",
    "started_at",
    "conversations",
    "last_contact",
    "open_flags",
    "check_ins",
)


def order_for(
    sort: str, *, pk: str = "mentorship_id", names: dict[str, str] | None = None
) -> list[Any]:
    """ORDER BY for a sort key, ties broken by id; ``names`` renames fields (the baseline)."""
    fields = {
        "started": "started_at",
        "conversations": "conversations",
        "last_contact": "contact_sort",
        "mentor": "mentor_name",
        "mentee": "mentee_name",
        **(names or {}),
    }
    desc = sort.startswith("-")
    key = fields[sort.lstrip("-")]
    tie = ("-" if desc else "") + pk
    if key != "contact_sort" and sort.lstrip("-") == "last_contact":
        # "Never" counts as the longest ago, on every database (PairStat stores that order
        # in contact_sort, which plain indexes serve on both databases).
        expr = F(key)
        return [expr.desc(nulls_last=True) if desc else expr.asc(nulls_first=True), tie]
    return [("-" if desc else "") + key, tie]


def visible_pairs(band: AgeBand | None) -> QuerySet[PairStat]:
    """The pairs a viewer may list: every pair for staff (band None), else one band's."""
    qs = PairStat.objects.all()
    if band is not None:
        qs = qs.filter(band=str(band))
    return qs


def active_mentorship_ids(ids: list[int]) -> set[int]:
    """Which of these mentorships are active right now: read from the mentorships
    themselves, not from the table's rollup (it lags up to 5 minutes)."""
    active: set[int] = set()
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        active.update(Mentorship.objects.active().filter(pk__in=chunk).values_list("pk", flat=True))
    return active


def resolve_mentor(username: str, band: AgeBand | None) -> int:
    """A mentor's id by username (any case); another band's is as unknown as a missing one."""
    # LOWER(username) = ... uses the case-insensitive unique index (iexact's UPPER does not).
    users = User.objects.alias(lower_name=Lower("username")).filter(lower_name=username.lower())
    if band is not None:
        users = users.in_age_band(band)
    found = users.values_list("id", flat=True).first()
    if found is None:
        raise Refused(f"mentor: no such mentor “{username}”.")
    return int(found)


def filtered(
    query: TableQuery, band: AgeBand | None, *, now: dt.datetime | None = None
) -> QuerySet[PairStat]:
    """Every pair matching the query among the viewer's visible pairs, sorted. Refused when
    an Ambassador asks for the other band or the mentor is unknown."""
    now = now or timezone.now()
    qs = visible_pairs(band)
    if query.band:
        if band is not None and query.band != str(band):
            raise Refused(f"band: you can list only {band} pairs.")
        qs = qs.filter(band=query.band)
    return apply_filters(qs, query, band, now=now).order_by(*order_for(query.sort))


def apply_filters(
    qs: QuerySet[Any],
    query: TableQuery,
    band: AgeBand | None,
    *,
    now: dt.datetime,
    names: dict[str, str] | None = None,
) -> QuerySet[Any]:
    """The filters shared by the table and the naive baseline (``names`` renames fields)."""
    n = {
        "status": "status",
        "conversations": "conversations",
        "last_contact": "last_contact",
        "open_flags": "open_flags",
        "started_at": "started_at",
        "mentor_id": "mentor_id",
        "quiet_since": "quiet_since",
        **(names or {}),
    }
    if query.status != "all":
        qs = qs.filter(**{n["status"]: query.status})
    if query.conversations == "0":
        qs = qs.filter(**{n["conversations"]: 0})
    elif query.conversations == "1-2":
        qs = qs.filter(**{n["conversations"] + "__gte": 1, n["conversations"] + "__lte": 2})
    elif query.conversations == "3+":
        qs = qs.filter(**{n["conversations"] + "__gte": 3})
    if query.no_contact_days:
        # No conversation in the last N days (UTC), counting pairs that never had one and
        # started at least N days ago: the latest of both days is N or more days back.
        cutoff_day = now.astimezone(dt.UTC).date() - dt.timedelta(days=query.no_contact_days)
        if n.get("quiet_since"):
            qs = qs.filter(**{n["quiet_since"] + "__lte": cutoff_day})
        else:
            qs = qs.filter(
                Q(**{n["last_contact"] + "__lte": cutoff_day})
                | Q(**{n["last_contact"] + "__isnull": True}),
                **{
                    n["started_at"] + "__lt": dt.datetime.combine(
                        cutoff_day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC
                    )
                },
            )
    if query.open_flags:
        qs = qs.filter(**{n["open_flags"] + "__gte": 1})
    if query.mentor:
        qs = qs.filter(**{n["mentor_id"]: resolve_mentor(query.mentor, band)})
    if query.started_from:
        start = dt.datetime.combine(query.started_from, dt.time.min, tzinfo=dt.UTC)
        qs = qs.filter(**{n["started_at"] + "__gte": start})
    if query.started_to:
        end = dt.datetime.combine(query.started_to, dt.time.min, tzinfo=dt.UTC)
        qs = qs.filter(**{n["started_at"] + "__lt": end + dt.timedelta(days=1)})
    return qs


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    count: int
    number: int
    pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.count else 0

    @property
    def last_index(self) -> int:
        return min(self.number * PAGE_SIZE, self.count)


def table_page(query: TableQuery, band: AgeBand | None, *, now: dt.datetime | None = None) -> Page:
    """One page of rows in three queries: the count; the page's ids, sorted over PairStat
    alone (joining the names of every matching pair before the LIMIT made SQLite sort 100k
    wide rows); then those rows with both names."""
    qs = filtered(query, band, now=now)
    count = qs.count()
    pages = max(1, -(-count // PAGE_SIZE))
    number = min(query.page, pages)
    start = (number - 1) * PAGE_SIZE
    ids = list(qs.values_list("mentorship_id", flat=True)[start : start + PAGE_SIZE])
    by_id = {
        row["mentorship_id"]: row for row in PairStat.objects.filter(pk__in=ids).values(*ROW_FIELDS)
    }
    rows = [by_id[pk] for pk in ids if pk in by_id]
    return Page(rows=rows, count=count, number=number, pages=pages)


def export_rows(
    query: TableQuery, band: AgeBand | None, *, now: dt.datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Every matching row (all pages), streamed from the database in chunks."""
    rows: Iterator[dict[str, Any]] = (
        filtered(query, band, now=now).values(*ROW_FIELDS).iterator(chunk_size=2_000)
    )
    return rows


def freshness() -> RollupState | None:
    return RollupState.objects.filter(pk=1).first()


def recent_bulk_messages(band: AgeBand | None, limit: int = 10) -> list[BulkMessage]:
    """The audit list: staff see every bulk message, an Ambassador those to their band."""
    qs = BulkMessage.objects.select_related("sender")
    if band is not None:
        qs = qs.filter(band=str(band))
    return list(qs[:limit])
