"""Telling people what happened, after the transaction that made it happen commits.

For now notices are e-mails sent by a Huey job (the notifications issue adds the in-app inbox
and preferences behind this same function). Only people with an e-mail address get mail;
nothing private (chat content) ever goes into one. Every app sends through ``notify``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from peerpath.accounts.models import User


def notify(users: Iterable[User], subject: str, body: str) -> None:
    ids = sorted({u.pk for u in users if u.email})
    if not ids:
        return
    from peerpath.accounts.tasks import send_notice

    transaction.on_commit(lambda: send_notice(ids, subject, body))
