"""Reads of safeguarding: the staff queue, a responder's alerts, and triage figures."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Final

from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.safety.models import SafetyAlert

QUEUE_STATUSES = ("open", "new", "acknowledged", "resolved", "all")


# Unacknowledged first, newest first within each: what nobody has picked up is on top.
UNACKNOWLEDGED_FIRST: Final = (F("acknowledged_at").desc(nulls_first=True), "-created_at", "-id")


def queue(*, status: str = "open") -> QuerySet[SafetyAlert]:
    """The staff queue (queued alerts): ``open`` (unacknowledged first), ``new``,
    ``acknowledged``, ``resolved`` or ``all``; newest first."""
    qs = SafetyAlert.objects.queued().select_related("writer", "acknowledged_by", "resolved_by")
    if status == "open":
        return qs.open().order_by(*UNACKNOWLEDGED_FIRST)
    if status == "new":
        return qs.unacknowledged().order_by("-created_at", "-id")
    if status == "acknowledged":
        return qs.open().filter(acknowledged_at__isnull=False).order_by("-acknowledged_at", "-id")
    if status == "resolved":
        return qs.filter(resolved_at__isnull=False).order_by("-resolved_at", "-id")
    return qs.order_by("-created_at", "-id")


def for_responder(user: User, *, open_only: bool = True) -> QuerySet[SafetyAlert]:
    """Alerts sent to ``user`` as a responder of a space they look after."""
    qs = SafetyAlert.objects.filter(responders=user).select_related("writer", "acknowledged_by")
    return (qs.open() if open_only else qs).order_by(*UNACKNOWLEDGED_FIRST)


def is_responder(user: User, alert: SafetyAlert) -> bool:
    return bool(user.pk) and alert.responders.filter(pk=user.pk).exists()


@dataclass(frozen=True, slots=True)
class Triage:
    weeks: list[dt.date]  # Mondays, oldest first
    by_channel: dict[str, list[int]]  # channel -> alerts per week
    by_category: dict[str, list[int]]  # category -> alerts per week
    ack_p50_minutes: float | None
    ack_p95_minutes: float | None
    acknowledged: int  # alerts in the window that were acknowledged
    unacknowledged_now: int  # every responder's alerts, not yet acknowledged
    queued_unacknowledged_now: int  # of them, the ones in the staff queue (its "new" list)
    open_now: int


def triage(*, now: dt.datetime | None = None, weeks: int = 12) -> Triage:
    """Alerts per week by channel and category, time to acknowledge (p50, p95, in minutes,
    over the window) and what is waiting now. Counts only: no excerpt, no person."""
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).date()
    monday = today - dt.timedelta(days=today.weekday())
    starts = [monday - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    since = dt.datetime.combine(starts[0], dt.time(), tzinfo=dt.UTC)
    window = SafetyAlert.objects.filter(created_at__gte=since)
    index = {d: i for i, d in enumerate(starts)}

    def per_week(field: str) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        rows = (
            window.annotate(week=TruncWeek("created_at", tzinfo=dt.UTC))
            .values("week", field)
            .annotate(n=Count("id"))
        )
        for row in rows:
            week = row["week"]
            day = week.date() if isinstance(week, dt.datetime) else week
            if day not in index:
                continue
            out.setdefault(row[field], [0] * weeks)[index[day]] += row["n"]
        return dict(sorted(out.items()))

    waits = sorted(
        (ack - created).total_seconds() / 60
        for created, ack in window.filter(acknowledged_at__isnull=False).values_list(
            "created_at", "acknowledged_at"
        )
        if ack is not None
    )
    return Triage(
        weeks=starts,
        by_channel=per_week("channel"),
        by_category=per_week("category"),
        ack_p50_minutes=_percentile(waits, 0.50),
        ack_p95_minutes=_percentile(waits, 0.95),
        acknowledged=len(waits),
        unacknowledged_now=SafetyAlert.objects.unacknowledged().count(),
        queued_unacknowledged_now=queue(status="new").count(),
        open_now=SafetyAlert.objects.open().count(),
    )


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]
