"""The dashboard benchmark's baseline: the figures of /staff/ and /staff/analytics/ computed
the straightforward way, with plain ORM queries over the raw tables at request time (no
rollups): one COUNT per figure and weekly point, per-listener EXISTS for retention, a
GROUP BY over the raw activity log for the daily panel."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.db.models import Avg, Count, Exists, Min, OuterRef, Q
from django.db.models.functions import TruncDate, TruncWeek

DAY = dt.timedelta(days=1)


def _band_q(band: str, field: str, at: dt.datetime) -> Q:
    if band == "teen":
        return Q(**{f"{field}__gt": at})
    if band == "adult":
        return Q(**{f"{field}__lte": at})
    return Q()


def naive_overview(now: dt.datetime, band: str = "all") -> dict[str, list[Any]]:
    from peerpath.accounts.models import User
    from peerpath.analytics.rollup.common import ROLE_SLUGS, week_points
    from peerpath.mentorship.models import Flag, MentorProfile, Mentorship
    from peerpath.nudges.models import NudgeSend
    from peerpath.progression.models import Award

    out: dict[str, list[Any]] = {}
    for t in [*week_points(now), now]:
        users = User.objects.filter(is_active=True).filter(_band_q(band, "adult_from", t))
        members = users.filter(account_type="member", date_joined__lte=t).count()
        listeners = users.filter(listener_since__lte=t).count()
        mentors = MentorProfile.objects.filter(
            _band_q(band, "user__adult_from", t), created_at__lte=t
        ).count()
        active = Mentorship.objects.filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=t),
            _band_q(band, "mentee__adult_from", t),
            started_at__lte=t,
        )
        n_active = active.count()
        counts = list(
            active.annotate(
                n=Count("conversations", filter=Q(conversations__day__lte=t.date()))
            ).values_list("n", flat=True)
        )
        recent = Mentorship.objects.filter(
            _band_q(band, "mentee__adult_from", t), started_at__lte=t, started_at__gt=t - 90 * DAY
        ).annotate(first=Min("conversations__day", filter=Q(conversations__day__lte=t.date())))
        waits = [
            (first - started.date()).days
            for started, first in recent.values_list("started_at", "first")
            if first is not None and started is not None
        ]
        flags = Flag.objects.filter(_band_q(band, "mentorship__mentee__adult_from", t))
        values = {
            "members": members,
            "listeners": listeners,
            "mentors": mentors,
            "active": n_active,
            "share": n_active / listeners if listeners else None,
            "load": n_active / mentors if mentors else None,
            "conv0": sum(1 for n in counts if n == 0),
            "conv12": sum(1 for n in counts if 1 <= n <= 2),
            "conv3": sum(1 for n in counts if n >= 3),
            "median_wait": statistics.median(waits) if waits else None,
            "flags_pending": flags.filter(
                Q(resolved_at__isnull=True) | Q(resolved_at__gt=t), created_at__lte=t
            ).count(),
            "flags_resolved": flags.filter(resolved_at__lte=t, resolved_at__gt=t - 7 * DAY).count(),
            "nudges": NudgeSend.objects.filter(
                _band_q(band, "user__adult_from", t),
                sent=True,
                created_at__lte=t,
                created_at__gt=t - 7 * DAY,
            ).count(),
            "roles": Award.objects.filter(
                _band_q(band, "user__adult_from", t),
                achievement__slug__in=ROLE_SLUGS,
                state__in=("active", "pending_training"),
                granted_at__lte=t,
            ).count(),
        }
        for key, value in values.items():
            out.setdefault(key, []).append(value)
    return out


def naive_charts(now: dt.datetime, band: str = "all") -> dict[str, Any]:
    from peerpath.accounts.models import User
    from peerpath.activity.models import ActivityEvent
    from peerpath.analytics.rollup.common import HORIZONS, ROLE_SLUGS, WINDOW_DAYS, week_points
    from peerpath.events.selectors import coverage
    from peerpath.mentorship.models import CheckIn, Flag, MentorProfile, Mentorship
    from peerpath.progression.models import Award

    result: dict[str, Any] = {}
    listeners = User.objects.filter(listener_since__isnull=False, listener_since__lte=now).filter(
        _band_q(band, "adult_from", now)
    )
    for n in HORIZONS:
        eligible = listeners.filter(listener_since__lte=now - (n + WINDOW_DAYS) * DAY)
        window = ActivityEvent.objects.filter(
            user_id=OuterRef("pk"),
            occurred_at__gte=OuterRef("listener_since") + n * DAY,
            occurred_at__lt=OuterRef("listener_since") + (n + WINDOW_DAYS) * DAY,
        )
        mentored = Mentorship.objects.filter(
            mentee_id=OuterRef("pk"),
            started_at__isnull=False,
            started_at__lt=OuterRef("listener_since") + n * DAY,
        )
        result[f"retention_{n}"] = list(
            eligible.annotate(active=Exists(window), mentored=Exists(mentored))
            .values("mentored", "active")
            .annotate(c=Count("pk"))
            .order_by()
        )
    result["funnel"] = list(
        Award.objects.filter(achievement__slug__in=ROLE_SLUGS)
        .exclude(state="revoked")
        .filter(_band_q(band, "user__adult_from", now))
        .values_list("user_id", "achievement__slug", "granted_at", "user__listener_since")
    )
    result["load"] = list(
        MentorProfile.objects.filter(_band_q(band, "user__adult_from", now))
        .annotate(
            n=Count(
                "user__mentorships_as_mentor",
                filter=Q(user__mentorships_as_mentor__status="active"),
            )
        )
        .values("n")
        .annotate(c=Count("pk"))
        .order_by()
    )
    start = week_points(now)[0]
    result["flags"] = list(
        Flag.objects.filter(created_at__gte=start)
        .filter(_band_q(band, "mentorship__mentee__adult_from", now))
        .annotate(w=TruncWeek("created_at"))
        .values("w", "topic")
        .annotate(c=Count("pk"))
        .order_by()
    )
    result["checkins"] = list(
        CheckIn.objects.filter(created_at__gte=start)
        .filter(_band_q(band, "mentorship__mentee__adult_from", now))
        .annotate(w=TruncWeek("created_at"))
        .values("w")
        .annotate(c=Count("pk"), m=Avg("rating"))
        .order_by()
    )
    result["activity"] = list(
        ActivityEvent.objects.filter(occurred_at__gte=now - 90 * DAY, occurred_at__lte=now)
        .filter(_band_q(band, "user__adult_from", now))
        .annotate(d=TruncDate("occurred_at"))
        .values("d")
        .annotate(c=Count("pk"))
        .order_by()
    )
    result["coverage"] = coverage(band="" if band == "all" else band, now=now)
    return result
