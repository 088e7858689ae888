"""The benchmark's baseline: the table's page computed straight from the mentoring tables.

No rollup: conversations, last contact and open flags are annotated on every mentorship with
Count/Max over joins, and the pair's band from both people's age thresholds, then the same
filters and sort as the real table. A test asserts both agree on a fixed dataset.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, CharField, Count, Max, Q, QuerySet, Value, When
from django.utils import timezone

from peerpath.core.errors import Refused
from peerpath.partners.forms import TableQuery, parse_query
from peerpath.partners.rollup import TABLE_STATUSES
from peerpath.partners.selectors import PAGE_SIZE, apply_filters, order_for

NAMES = {
    "conversations": "n_conversations",
    "last_contact": "n_last_contact",
    "open_flags": "n_open_flags",
    "quiet_since": "",  # no such column: the filter is spelt out over the raw columns
    "mentor": "mentor__username",
    "mentee": "mentee__username",
}


def naive_table(params: dict[str, str], *, now: dt.datetime | None = None) -> list[int]:
    """Mentorship ids of the requested page (default 1) for these GET parameters, as staff
    see them. Invalid parameters raise ``Refused`` like the real table."""
    from peerpath.mentorship.models import Mentorship

    now = now or timezone.now()
    parsed = parse_query(params)
    if not isinstance(parsed, TableQuery):
        raise Refused(parsed.error_sentence())
    query = parsed

    def band(person: str) -> Case:
        return Case(
            When(**{f"{person}__adult_from__lte": now}, then=Value("adult")),
            default=Value("teen"),
            output_field=CharField(),
        )

    qs: QuerySet[Any] = Mentorship.objects.filter(
        status__in=TABLE_STATUSES, started_at__isnull=False
    ).annotate(
        n_conversations=Count("conversations", distinct=True),
        n_last_contact=Max("conversations__day"),
        n_open_flags=Count("flags", filter=Q(flags__resolved_at__isnull=True), distinct=True),
        mentor_band=band("mentor"),
        mentee_band=band("mentee"),
    )
    if query.band:
        qs = qs.filter(mentor_band=query.band, mentee_band=query.band)
    qs = apply_filters(qs, query, None, now=now, names=NAMES)
    qs = qs.order_by(*order_for(query.sort, pk="id", names=NAMES))
    start = (query.page - 1) * PAGE_SIZE
    return list(qs.values_list("id", flat=True)[start : start + PAGE_SIZE])
