"""E-mail delivery: batches of due rows, quiet hours, daily digests, retries with backoff.

``deliver_due_emails`` claims up to ``BATCH`` due rows at a time (a token stamped by one
UPDATE, so two runs never send the same mail), decides per row in memory (still wanted?
digest? quiet hours in the person's zone?), sends the rest through ONE connection, and writes
the outcome with a handful of set-based UPDATEs. A message the backend refuses is retried
after 1, 5, 30 minutes, 2 and 12 hours, then given up; the in-app row is never touched.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Exists, F, OuterRef
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.notifications import rules
from peerpath.notifications.categories import CATEGORIES
from peerpath.notifications.models import (
    DUE_STATES,
    EmailState,
    Notification,
    NotificationSettings,
)
from peerpath.notifications.services import channels_for, unsubscribe_token

logger = logging.getLogger(__name__)

BATCH = 500
MAX_BATCHES = 1_000  # one run sends at most this many batches; the next run continues
LEASE = dt.timedelta(minutes=10)  # a run that dies mid-batch frees its rows after this
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
SUBJECT_PREFIX = "[peerpath] "
#: Categories that skip quiet hours and the digest: security notices cannot wait.
URGENT = frozenset(slug for slug, cat in CATEGORIES.items() if not cat.can_unsubscribe)


def site_url() -> str:
    """The absolute base of links in mails: ``settings.SITE_URL`` (one setting: config)."""
    base: str = settings.SITE_URL
    return base.rstrip("/")


@dataclass
class Outcome:
    sent: list[int] = field(default_factory=list)
    failed: list[Notification] = field(default_factory=list)
    held: dict[dt.datetime, list[int]] = field(default_factory=lambda: defaultdict(list))
    digest: list[int] = field(default_factory=list)
    not_wanted: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Recipient:
    email: str
    username: str
    zone: Any  # ZoneInfo
    settings: NotificationSettings | None


def deliver_due_emails(*, now: dt.datetime | None = None, batch_size: int = BATCH) -> int:
    """Send every e-mail that is due at ``now`` (default: the current time). Returns the
    number of mails sent. Idempotent and safe to run concurrently."""
    now = now or timezone.now()
    sent = 0
    for _ in range(MAX_BATCHES):
        ids = list(
            Notification.objects.due_for_email(now)
            .order_by("email_next_try_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        token = uuid.uuid4().hex
        Notification.objects.filter(pk__in=ids, email_state__in=DUE_STATES).due_for_email(
            now
        ).update(email_claim=token, email_next_try_at=now + LEASE)
        rows = list(
            Notification.objects.filter(pk__in=ids, email_claim=token)
            .select_related("recipient")
            .only(
                "id",
                "category",
                "title",
                "body",
                "url",
                "email_attempts",
                "recipient__id",
                "recipient__email",
                "recipient__username",
                "recipient__is_active",
                "recipient__timezone",
            )
        )
        if not rows:  # another run claimed them first; it carries on
            break
        sent += _deliver(rows, now)
    return sent


def _deliver(rows: list[Notification], now: dt.datetime) -> int:
    people = _recipients([r.recipient for r in rows])
    wanted = channels_for(sorted(people), {r.category for r in rows})
    outcome = Outcome()
    to_send: list[Notification] = []
    for row in rows:
        person = people.get(row.recipient_id)
        if person is None or not wanted[row.recipient_id, row.category].email:
            outcome.not_wanted.append(row.pk)
            continue
        prefs = person.settings
        if prefs is not None and row.category not in URGENT:
            if prefs.daily_digest:
                outcome.digest.append(row.pk)
                continue
            until = rules.quiet_until(now, person.zone, prefs.quiet_start, prefs.quiet_end)
            if until is not None:
                outcome.held[until].append(row.pk)
                continue
        to_send.append(row)
    if to_send:
        _send(to_send, people, outcome)
    _record(outcome, now)
    return len(outcome.sent)


def _recipients(users: Iterable[User]) -> dict[int, Recipient]:
    """Who among ``users`` can get mail (active, with an address), with zone and settings."""
    reachable = {int(u.pk): u for u in users if u.is_active and u.email}
    found = NotificationSettings.objects.filter(user_id__in=list(reachable))
    own = {s.user_id: s for s in found}
    return {
        uid: Recipient(u.email, u.username, rules.zone_of(u.timezone), own.get(uid))
        for uid, u in reachable.items()
    }


def _send(rows: list[Notification], people: dict[int, Recipient], outcome: Outcome) -> None:
    base = site_url()
    text = get_template("notifications/email/notification.txt")
    html = get_template("notifications/email/notification.html")
    preferences = base + reverse("notifications:preferences")
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:  # the server is down: every row of the batch waits and retries
        logger.warning("e-mail connection failed: %s", exc)
        outcome.failed.extend(rows)
        _note_error(rows, exc)
        return
    try:
        for row in rows:
            person = people[row.recipient_id]
            message = _message(row, person, base, preferences, text, html, connection)
            try:
                if connection.send_messages([message]) != 1:
                    raise RuntimeError("the backend did not accept the message")
            except Exception as exc:
                logger.warning("e-mail of notification %s failed: %s", row.pk, exc)
                _note_error([row], exc)
                outcome.failed.append(row)
                _reset(connection)
            else:
                outcome.sent.append(row.pk)
    finally:
        _reset(connection)


def _reset(connection: Any) -> None:
    try:
        connection.close()
    except Exception:  # closing a broken connection may fail too; the next send reopens
        logger.debug("closing the e-mail connection failed", exc_info=True)


def _note_error(rows: list[Notification], exc: BaseException) -> None:
    for row in rows:
        row.email_error = f"{type(exc).__name__}: {exc}"[:200]


def _message(
    row: Notification,
    person: Recipient,
    base: str,
    preferences: str,
    text: Any,
    html: Any,
    connection: Any,
) -> EmailMultiAlternatives:
    category = CATEGORIES[row.category]
    unsubscribe = ""
    headers: dict[str, str] = {}
    if category.can_unsubscribe:
        token = unsubscribe_token(row.recipient_id, row.category)
        unsubscribe = base + reverse("notifications:unsubscribe", args=[token])
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    context = {
        "site_name": settings.PEERPATH_SITE_NAME,
        "username": person.username,
        "title": row.title,
        "body": row.body,
        "action_url": base + row.url if row.url else "",
        "category": category,
        "unsubscribe_url": unsubscribe,
        "preferences_url": preferences,
    }
    message = EmailMultiAlternatives(
        SUBJECT_PREFIX + row.title,
        text.render(context),
        settings.DEFAULT_FROM_EMAIL,
        [person.email],
        connection=connection,
        headers=headers,
    )
    message.attach_alternative(html.render(context), "text/html")
    return message


def _record(outcome: Outcome, now: dt.datetime) -> None:
    """The batch's outcome in a few UPDATEs (grouped by the values they set)."""
    done = Notification.objects.all()
    if outcome.sent:
        done.filter(pk__in=outcome.sent).update(
            email_state=EmailState.SENT,
            emailed_at=now,
            email_next_try_at=None,
            email_claim="",
            email_attempts=F("email_attempts") + 1,
            email_error="",
        )
    if outcome.not_wanted:
        done.filter(pk__in=outcome.not_wanted).update(
            email_state=EmailState.NOT_WANTED, email_next_try_at=None, email_claim=""
        )
    if outcome.digest:
        done.filter(pk__in=outcome.digest).update(
            email_state=EmailState.DIGEST, email_next_try_at=None, email_claim=""
        )
    for until, ids in outcome.held.items():
        done.filter(pk__in=ids).update(
            email_state=EmailState.HELD_QUIET, email_next_try_at=until, email_claim=""
        )
    by_attempt: dict[tuple[int, str], list[int]] = defaultdict(list)
    for row in outcome.failed:
        by_attempt[row.email_attempts + 1, row.email_error].append(row.pk)
    for (attempts, error), ids in by_attempt.items():
        final = attempts >= MAX_ATTEMPTS
        done.filter(pk__in=ids).update(
            email_state=EmailState.FAILED_FINAL if final else EmailState.FAILED,
            email_attempts=attempts,
            email_next_try_at=None if final else now + BACKOFF[attempts - 1],
            email_claim="",
            email_error=error,
        )


# --- Daily digest -------------------------------------------------------------------------


def send_digests(*, now: dt.datetime | None = None) -> int:
    """One mail per person who chose the daily digest, once their local clock reaches their
    digest hour, listing what waited for it. Returns the number of digests sent. Never twice
    on one local day; a failed digest stays waiting for the next run."""
    now = now or timezone.now()
    waiting = Notification.objects.filter(
        recipient_id=OuterRef("user_id"), email_state=EmailState.DIGEST
    )
    candidates = (
        NotificationSettings.objects.filter(daily_digest=True, user__is_active=True)
        .exclude(user__email="")
        .filter(Exists(waiting))
        .select_related("user")
    )
    due = {
        s.user_id: s
        for s in candidates
        if rules.digest_due(now, rules.zone_of(s.user.timezone), s.digest_hour, s.last_digest_at)
    }
    sent = 0
    ids = sorted(due)
    for start in range(0, len(ids), BATCH):
        sent += _send_digest_batch({uid: due[uid] for uid in ids[start : start + BATCH]}, now)
    return sent


def _send_digest_batch(due: dict[int, NotificationSettings], now: dt.datetime) -> int:
    token = uuid.uuid4().hex
    Notification.objects.filter(
        recipient_id__in=list(due), email_state=EmailState.DIGEST, email_claim=""
    ).update(email_claim=token)
    rows = list(
        Notification.objects.filter(recipient_id__in=list(due), email_claim=token).order_by(
            "recipient_id", "created_at", "id"
        )
    )
    wanted = channels_for(sorted(due), {r.category for r in rows})
    per_person: dict[int, list[Notification]] = defaultdict(list)
    dropped: list[int] = []
    for row in rows:
        if wanted[row.recipient_id, row.category].email:
            per_person[row.recipient_id].append(row)
        else:
            dropped.append(row.pk)
    base = site_url()
    text = get_template("notifications/email/digest.txt")
    html = get_template("notifications/email/digest.html")
    preferences = base + reverse("notifications:preferences")
    done_rows: list[int] = []
    done_people: list[int] = []
    failed_rows: list[int] = []
    connection = get_connection()
    try:
        for uid, items in per_person.items():
            user = due[uid].user
            context = {
                "site_name": settings.PEERPATH_SITE_NAME,
                "username": user.username,
                "items": [
                    {
                        "title": r.title,
                        "body": r.body,
                        "action_url": base + r.url if r.url else "",
                        "category": CATEGORIES[r.category],
                    }
                    for r in items
                ],
                "preferences_url": preferences,
                "list_url": base + reverse("notifications:list"),
            }
            count = len(items)
            subject = f"{SUBJECT_PREFIX}Your daily digest: {count} notification" + (
                "" if count == 1 else "s"
            )
            message = EmailMultiAlternatives(
                subject,
                text.render(context),
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
                connection=connection,
            )
            message.attach_alternative(html.render(context), "text/html")
            try:
                if connection.send_messages([message]) != 1:
                    raise RuntimeError("the backend did not accept the message")
            except Exception as exc:
                logger.warning("daily digest of user %s failed: %s", uid, exc)
                failed_rows += [r.pk for r in items]
                _reset(connection)
            else:
                done_rows += [r.pk for r in items]
                done_people.append(uid)
    finally:
        _reset(connection)
    everything = Notification.objects.all()
    if done_rows:
        everything.filter(pk__in=done_rows).update(
            email_state=EmailState.SENT,
            emailed_at=now,
            email_claim="",
            email_attempts=F("email_attempts") + 1,
        )
    if dropped:
        everything.filter(pk__in=dropped).update(email_state=EmailState.NOT_WANTED, email_claim="")
    if failed_rows:
        everything.filter(pk__in=failed_rows).update(
            email_claim="", email_attempts=F("email_attempts") + 1
        )
    if done_people:
        NotificationSettings.objects.filter(pk__in=done_people).update(last_digest_at=now)
    return len(done_people)
