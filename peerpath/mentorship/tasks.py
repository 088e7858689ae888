"""Thin Huey jobs: each calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/15"))  # type: ignore[untyped-decorator]
def advance_requests() -> None:
    """Remind mentors, expire unanswered requests and cascade them; expire stale proposals."""
    from peerpath.mentorship import services

    services.advance_requests()
    services.expire_proposals()


@db_periodic_task(crontab(minute="7", hour="*/6"))  # type: ignore[untyped-decorator]
def auto_pair() -> None:
    """Propose a mentor to every listener without one, when the community enables it."""
    from peerpath.mentorship import services

    services.end_cross_band_mentorships()
    services.auto_pair()
