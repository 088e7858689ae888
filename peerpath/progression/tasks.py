"""Thin Huey jobs: each calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from peerpath.progression import buddy_tasks  # noqa: F401 - Huey discovers tasks modules only


@db_periodic_task(crontab(minute="*/15"))  # type: ignore[untyped-decorator]
@lock_task("progression-evaluate")  # type: ignore[untyped-decorator]
def evaluate_touched() -> None:
    """Re-evaluate the people touched since the last run; remind of deadlines."""
    from peerpath.progression import batch, obligations

    batch.run(incremental=True)
    obligations.send_reminders()


@db_periodic_task(crontab(minute="40", hour="3"))  # type: ignore[untyped-decorator]
@lock_task("progression-evaluate")  # type: ignore[untyped-decorator]
def evaluate_everyone() -> None:
    """The nightly full run: every ladder for every person."""
    from peerpath.progression import batch

    batch.run()
