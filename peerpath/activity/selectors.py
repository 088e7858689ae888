"""Reads over the activity log: counts per user and kind, for one user or for everyone."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count

from peerpath.accounts.models import User
from peerpath.activity.models import ActivityEvent, ActivityKind


def activity_counts_for_user(
    user: User, *, since: dt.datetime | None = None
) -> dict[ActivityKind, int]:
    """{kind: count} for one user, every kind present (0 when none)."""
    qs = ActivityEvent.objects.filter(user=user)
    if since is not None:
        qs = qs.filter(occurred_at__gte=since)
    found = dict(qs.order_by().values_list("kind").annotate(n=Count("id")))
    return {kind: int(found.get(kind.value, 0)) for kind in ActivityKind}


def activity_counts(
    *,
    kinds: Iterable[ActivityKind] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    user_ids: Iterable[int] | None = None,
) -> dict[int, dict[str, int]]:
    """{user_id: {kind: count}} for everyone with events, in one aggregate query.

    This is the set-based fact source for batch jobs: no per-user loop.
    """
    qs = ActivityEvent.objects.order_by()
    if kinds is not None:
        qs = qs.filter(kind__in=[ActivityKind(k).value for k in kinds])
    if since is not None:
        qs = qs.filter(occurred_at__gte=since)
    if until is not None:
        qs = qs.filter(occurred_at__lt=until)
    if user_ids is not None:
        qs = qs.filter(user_id__in=list(user_ids))
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for user_id, kind, n in qs.values_list("user_id", "kind").annotate(n=Count("id")):
        result[user_id][kind] = n
    return dict(result)
