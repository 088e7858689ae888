"""Thin Huey jobs of the nudges app."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from peerpath.nudges import engine


@db_periodic_task(crontab(minute="*/15"))  # type: ignore[untyped-decorator]
@lock_task("nudges-run")  # type: ignore[untyped-decorator]
def run_nudges() -> None:
    engine.run()
