"""The rollups' entry points: ``refresh(now=)`` is incremental (activity days touched since
the event-id watermark and today; listener facts still within their 120-day windows; the
current overview point and any missing weekly point; the small panels); ``rebuild(now=)``
recomputes everything. Both are set-based: INSERT ... SELECT of aggregate queries, never a
loop in Python over events."""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, models, transaction
from django.db.models import Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from peerpath.activity.models import ActivityEvent
from peerpath.analytics.models import (
    DailyActivity,
    ListenerFact,
    OverviewPoint,
    Panel,
    PeopleDay,
    RollupState,
)
from peerpath.analytics.rollup.activity import activity_days
from peerpath.analytics.rollup.common import n_days, week_points
from peerpath.analytics.rollup.listeners import facts_to_refresh, listener_facts
from peerpath.analytics.rollup.overview import overview_values, people_days, write_points
from peerpath.analytics.rollup.panels import write_panels


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
    activity_days(None)
    listener_facts(now, None)
    people_days(now, None)
    OverviewPoint.objects.all().delete()
    points = [p for p in week_points(now) if p < now] + [now]
    write_points(overview_values(points), now)
    write_panels(now, nightly=True)
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
    touched.update((today, today - n_days(1)))  # today so far, and yesterday's late arrivals
    activity_days(sorted(touched))
    listener_facts(now, facts_to_refresh(state, now))
    last_day = (state.refreshed_at or now).astimezone(dt.UTC).date()
    people_days(now, min(last_day, today) - n_days(1))
    weekly = [p for p in week_points(now) if p < now]
    have = set(
        OverviewPoint.objects.filter(is_current=False, at__in=weekly).values_list("at", flat=True)
    )
    OverviewPoint.objects.filter(Q(is_current=True) | Q(at__lt=weekly[0]) | Q(at__gt=now)).delete()
    missing = [p for p in weekly if p not in have]
    write_points(overview_values([*missing, now]), now)
    write_panels(now, nightly=False)
    state.last_event_id = top
    state.refreshed_at = now
    state.refresh_seconds = time.perf_counter() - started
    state.save()
    return state
