"""Thin Huey jobs of the progression app: the ladder's evaluation runs and obligation reminders,
and the buddy program's daily upkeep. Each calls services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from peerpath.progression.services import batch, obligations
from peerpath.progression.services.buddies import upkeep


@db_periodic_task(crontab(minute="*/15"))  # type: ignore[untyped-decorator]
@lock_task("progression-evaluate")  # type: ignore[untyped-decorator]
def evaluate_touched() -> None:
    """Re-evaluate the people touched since the last run; remind of deadlines."""
    batch.run(incremental=True)
    obligations.send_reminders()


@db_periodic_task(crontab(minute="40", hour="3"))  # type: ignore[untyped-decorator]
@lock_task("progression-evaluate")  # type: ignore[untyped-decorator]
def evaluate_everyone() -> None:
    """The nightly full run: every ladder for every person."""
    batch.run()


# --- Buddies -------------------------------------------------------------------------------


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
    upkeep(scheduled_instant(timezone.now()))
