"""What the rollups share: their windows and horizons, the funnel's roles, and SQL helpers
shaped per backend (SQLite, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, models
from django.db.models import Case, Q, Value, When

from peerpath.progression import ladder_roles
from peerpath.progression.models import AwardState

HORIZONS = (30, 60, 90)
WINDOW_DAYS = 30  # "active at n days" = any activity in days n .. n+30 after joining as listener
FACT_HORIZON = max(HORIZONS) + WINDOW_DAYS  # after this a listener's facts are final
ACTIVITY_DAYS = 90  # activity panel length
TREND_WEEKS = 12
# Incremental runs look this far behind their watermark (late commits, clock skew).
OVERLAP = dt.timedelta(hours=1)
FUNNEL = (
    ("listener", "Listener"),
    (ladder_roles.ROOM_SUPPORTER, "Room Supporter"),
    (ladder_roles.CHATROOM_MODERATOR, "Moderator"),
    (ladder_roles.GROUP_SUPPORT_MENTOR, "Group Support Mentor"),
    (ladder_roles.MENTOR_LEADER, "Mentor Leader"),
    (ladder_roles.AMBASSADOR, "Ambassador"),
)
ROLE_SLUGS = tuple(slug for slug, _ in FUNNEL[1:])
# A role is held while its award is active, whoever granted it (the ladder, an approved
# application, staff): progression's ``Award.held``. Paused for a missed training, lapsed or
# revoked is not held.
HELD_STATES = (AwardState.ACTIVE,)


def held_at(t: dt.datetime) -> Q:
    """Awards (of ``Award``) held at instant ``t``: granted by then and active now, or no
    longer held but only since after ``t`` (``changed_at`` is when a lapsed, revoked or
    paused award stopped being held). The headline figure, the weekly points behind it and
    the funnel all count this one way. An earlier tenure of an award granted again since is
    not kept (the award holds its current tenure only)."""
    return Q(granted_at__lte=t) & (Q(state__in=HELD_STATES) | Q(changed_at__gt=t))


OVERVIEW_METRICS = (
    "members",
    "listeners",
    "mentors",
    "mentor_capacity",
    "mentor_load",
    "active_mentorships",
    "listener_mentor_share",
    "pairs_conv_0",
    "pairs_conv_1_2",
    "pairs_conv_3plus",
    "median_days_first_conversation",
    "flags_pending",
    "flags_resolved_week",
    "nudges_sent_week",
    "roles_held",
)


def n_days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def utc_day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def band_at(adult_from: str, at: Any) -> Case:
    """'adult' when the person is 18 at ``at`` (an instant or a column), else 'teen'."""
    return Case(
        When(**{f"{adult_from}__lte": at}, then=Value("adult")),
        default=Value("teen"),
        output_field=models.CharField(),
    )


def sql_dt(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def plus_days(column: str, days: int) -> str:
    """SQL for ``column + days`` (a datetime column), native on each backend: Django's own
    expression calls a Python function per row on SQLite, far too slow for millions of rows."""
    if is_postgres():
        return f"({column} + interval '{int(days)} days')"
    # %% because the SQL is run with parameters (the backends turn %% into %).
    return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {column}, '+{int(days)} days')"


def scan_column(column: str) -> str:
    """The column, kept from driving an index on SQLite (unary +): when most rows match, one
    pass over the table beats an index walk with a table lookup per row."""
    return column if is_postgres() else f"+{column}"


def week_points(now: dt.datetime) -> list[dt.datetime]:
    """The Mondays (00:00 UTC) of the last TREND_WEEKS weeks, oldest first, the last <= now."""
    today = now.astimezone(dt.UTC).date()
    monday = utc_day_start(today - n_days(today.weekday()))
    return [monday - dt.timedelta(weeks=i) for i in range(TREND_WEEKS - 1, -1, -1)]
