"""Thin Huey task: escalate safeguarding alerts nobody acknowledged in time."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from peerpath.safety import services


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
@lock_task("safety-escalate")  # type: ignore[untyped-decorator]
def escalate_overdue_alerts() -> int:
    return services.escalate_overdue()
