"""Thin Huey jobs of the partner dashboard."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from peerpath.partners import rollup


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
@lock_task("partners-pair-stats")  # type: ignore[untyped-decorator]
def refresh_pair_stats() -> None:
    rollup.refresh_pair_stats()
