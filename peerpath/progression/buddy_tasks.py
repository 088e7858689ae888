"""Thin Huey jobs of the buddy program (imported by ``progression/tasks.py``, which Huey
autodiscovers): the notice sender and the daily upkeep."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

# The daily run, in UTC (Huey's crontab runs in UTC here).
UPKEEP_HOUR = 5
UPKEEP_MINUTE = 20
DAILY = crontab(minute=str(UPKEEP_MINUTE), hour=str(UPKEEP_HOUR))


def scheduled_instant(now: dt.datetime) -> dt.datetime:
    """The most recent scheduled run time at or before ``now``: a late run still covers
    exactly its own day, so the reminder windows of consecutive runs meet without gaps or
    overlaps."""
    now = now.astimezone(dt.UTC)
    slot = now.replace(hour=UPKEEP_HOUR, minute=UPKEEP_MINUTE, second=0, microsecond=0)
    return slot if slot <= now else slot - dt.timedelta(days=1)


@db_periodic_task(DAILY)  # type: ignore[untyped-decorator]
def buddy_upkeep() -> None:
    """Daily: end pairs that now cross age bands, pair new leaders, remind due check-ins.

    ``now`` is the scheduled instant (not the moment the consumer got to it), so consecutive
    days' reminder windows ``(now - 1 day, now]`` meet exactly and each pair is reminded
    once."""
    from peerpath.progression import buddies

    now = scheduled_instant(timezone.now())
    buddies.end_cross_band_pairs(now)
    buddies.pair_new_leaders(now=now)
    buddies.send_check_in_reminders(now)
