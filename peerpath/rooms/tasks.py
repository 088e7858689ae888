"""Thin Huey jobs: each calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from peerpath.rooms.services.presence import sweep_presence
from peerpath.rooms.services.sessions import end_overdue_sessions


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
@lock_task("rooms-upkeep")  # type: ignore[untyped-decorator]
def rooms_upkeep() -> None:
    """End sessions their hosts forgot to end; forget sockets of stopped server processes."""
    end_overdue_sessions()
    sweep_presence()
