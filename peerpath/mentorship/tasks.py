"""Thin Huey jobs: each calls one service."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from peerpath.accounts.models import User


@db_task(retries=3, retry_delay=60)  # type: ignore[untyped-decorator]
def send_notice(user_ids: list[int], subject: str, body: str) -> int:
    emails = User.objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    messages = [
        (f"[peerpath] {subject}", body, settings.DEFAULT_FROM_EMAIL, [email])
        for email in emails.values_list("email", flat=True)
    ]
    return send_mass_mail(messages, fail_silently=False)


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
