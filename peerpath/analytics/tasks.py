"""Thin Huey jobs of the analytics app: the dashboard's rollups."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from peerpath.analytics.rollup import refresh


@db_periodic_task(crontab(minute="*/10"))  # type: ignore[untyped-decorator]
@lock_task("analytics-rollups")  # type: ignore[untyped-decorator]
def refresh_rollups() -> None:
    refresh.refresh()


@db_periodic_task(crontab(minute="20", hour="3"))  # type: ignore[untyped-decorator]
@lock_task("analytics-rollups")  # type: ignore[untyped-decorator]
def rebuild_rollups() -> None:
    refresh.rebuild()
