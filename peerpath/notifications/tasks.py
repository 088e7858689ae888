"""Thin Huey jobs: e-mail delivery (queued after each batch, and every minute for retries
and the end of quiet hours) and the daily digests."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()  # type: ignore[untyped-decorator]
def deliver_due_emails() -> int:
    """Send what is due now; ``send_many`` queues one of these per batch after commit."""
    from peerpath.notifications import delivery

    return delivery.deliver_due_emails()


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def deliver_due_emails_every_minute() -> None:
    """Retries after backoff and mail held for quiet hours become due as time passes."""
    from peerpath.notifications import delivery

    delivery.deliver_due_emails()


@db_periodic_task(crontab(minute="*/15"))  # type: ignore[untyped-decorator]
def send_daily_digests() -> None:
    """Each digest reader's mail once their local clock reaches their digest hour."""
    from peerpath.notifications import delivery

    delivery.send_digests()
