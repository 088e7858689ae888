"""Thin Huey jobs: each calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from peerpath.mentorship.services import lifecycle, matching, proposals, requests


@db_periodic_task(crontab(minute="*/15"))  # type: ignore[untyped-decorator]
def advance_requests() -> None:
    """Remind mentors, expire unanswered requests and cascade them; expire stale proposals."""
    requests.advance_requests()
    proposals.expire_proposals()


@db_periodic_task(crontab(minute="7", hour="*/6"))  # type: ignore[untyped-decorator]
def auto_pair() -> None:
    """Propose a mentor to every listener without one, when the community enables it."""
    lifecycle.end_cross_band_mentorships()
    matching.auto_pair()
