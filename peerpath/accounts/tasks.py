"""Thin Huey jobs of the accounts app."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from huey.contrib.djhuey import db_task

from peerpath.accounts.models import User


@db_task(retries=3, retry_delay=60)  # type: ignore[untyped-decorator]
def send_notice(user_ids: list[int], subject: str, body: str) -> int:
    emails = User.objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    messages = [
        (f"[peerpath] {subject}", body, settings.DEFAULT_FROM_EMAIL, [email])
        for email in emails.values_list("email", flat=True)
    ]
    return send_mass_mail(messages, fail_silently=False)
