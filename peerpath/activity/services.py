"""The one writer of the activity log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.activity.models import ActivityEvent, ActivityKind


@dataclass(frozen=True, slots=True)
class Ref:
    """What an event is about, e.g. Ref("rooms.session", 42)."""

    type: str
    id: int


def record_activity(
    *,
    user: User,
    kind: ActivityKind,
    occurred_at: dt.datetime | None = None,
    ref: Ref | None = None,
) -> ActivityEvent:
    """Append one event. With a ``ref``, recording the same (user, kind, ref) twice returns
    the first row, so callers may retry freely."""
    now = timezone.now()
    occurred_at = occurred_at or now
    if timezone.is_naive(occurred_at):
        raise ValueError("occurred_at must be timezone-aware")
    if occurred_at > now + dt.timedelta(minutes=5):
        raise ValueError("an activity cannot happen in the future")
    event = ActivityEvent(
        user=user,
        kind=ActivityKind(kind),
        occurred_at=occurred_at,
        ref_type=ref.type if ref else "",
        ref_id=ref.id if ref else None,
        recorded_at=now,
    )
    event.full_clean(validate_unique=False, validate_constraints=False)
    if ref is None:
        event.save()
        return event
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        return ActivityEvent.objects.get(user=user, kind=kind, ref_type=ref.type, ref_id=ref.id)
    return event


def record_activities_bulk(events: Iterable[ActivityEvent], *, batch_size: int = 5000) -> int:
    """Append many events at once (imports, demo data). Rows that repeat a reference are
    skipped. Returns the number of events handed to the database."""
    now = timezone.now()
    known = frozenset(ActivityKind.values)  # .values builds a new list on every access
    latest = now + dt.timedelta(minutes=5)
    rows = []
    for event in events:
        if event.kind not in known:
            raise ValueError(f"unknown activity kind {event.kind!r}")
        if event.occurred_at > latest:
            raise ValueError("an activity cannot happen in the future")
        event.recorded_at = now
        rows.append(event)
    ActivityEvent.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
    return len(rows)
