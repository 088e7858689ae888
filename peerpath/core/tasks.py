"""Site-wide housekeeping jobs. Thin: each calls one function and is safe to re-run."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


def purge_expired_sessions() -> int:
    """Delete expired sessions (as ``manage.py clearsessions``); returns how many."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@db_periodic_task(crontab(minute="17", hour="3"))  # type: ignore[untyped-decorator]
def purge_expired_sessions_daily() -> int:
    return purge_expired_sessions()


@db_task()  # type: ignore[untyped-decorator]
def purge_expired_sessions_now() -> int:
    return purge_expired_sessions()
