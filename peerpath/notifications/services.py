"""The one service that tells people things: every notice of every app goes through here.

``send_many`` is set-based: preferences and recipients are read in a few queries whatever
the batch size, rows are written with ``bulk_create``, and after commit the live unread
counts are pushed (one count query for the batch) and ONE e-mail delivery job is queued for
the whole batch. Delivery itself (quiet hours, digests, retries) is ``delivery``.

A row is written when the in-app centre *or* e-mail is wanted; ``in_app`` says whether it
shows in the bell. A category the person unsubscribed from is never mailed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.core.aftercommit import after_commit
from peerpath.core.errors import NotFound, Refused
from peerpath.notifications import realtime
from peerpath.notifications.categories import CATEGORIES, Category, get_category
from peerpath.notifications.models import (
    TITLE_MAX_CHARS,
    URL_MAX_CHARS,
    EmailState,
    Notification,
    NotificationSettings,
    Preference,
)

CREATE_CHUNK = 1_000
IN_CHUNK = 900  # ids per IN (...) list: under SQLite's historical 999-parameter limit
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = dt.timedelta(days=400)  # links in a year-old mail still work
_RELATIVE_URL = re.compile(r"^/(?![/\\])[^\s]*$")


@dataclass(frozen=True)
class Outgoing:
    user_id: int
    category: str
    title: str  # plain text, <= 200 chars
    body: str  # plain text (may contain newlines); rendered escaped + linebreaks in HTML
    url: str = ""  # relative site URL for the action ("/mentors/"), optional
    source: str = ""  # who produced it, e.g. "nudge:welcome" or "mentorship"
    email: bool = True  # False: in-app only, whatever the person's e-mail preference


@dataclass(frozen=True)
class Channels:
    in_app: bool
    email: bool


# --- Sending ------------------------------------------------------------------------------


def notify(
    users: Iterable[User] | Iterable[int],
    category: str,
    title: str,
    body: str,
    *,
    url: str = "",
    source: str = "",
) -> int:
    """Same message to several people. Returns the number of notifications created."""
    ids = sorted({u if isinstance(u, int) else int(u.pk) for u in users})
    return send_many([Outgoing(uid, category, title, body, url, source) for uid in ids])


def send_many(items: Sequence[Outgoing]) -> int:
    """Set-based: in-app rows for everyone whose preferences allow some channel, written in
    chunks of 1,000; after commit, live unread counts and ONE delivery job for the batch.
    Unknown category (or a title/url that breaks the contract) -> ValueError. Returns the
    number of notifications created."""
    if not items:
        return 0
    cleaned = [_clean(item) for item in items]
    now = timezone.now()
    user_ids = sorted({item.user_id for item in cleaned})
    with transaction.atomic():
        reachable = _reachable_users(user_ids)
        wanted = channels_for(list(reachable), {item.category for item in cleaned})
        rows: list[Notification] = []
        for item in cleaned:
            has_email = reachable.get(item.user_id)
            if has_email is None:  # unknown or deactivated account
                continue
            ch = wanted[item.user_id, item.category]
            email = item.email and ch.email and has_email
            if not (ch.in_app or email):
                continue
            rows.append(
                Notification(
                    recipient_id=item.user_id,
                    category=item.category,
                    title=item.title,
                    body=item.body,
                    url=item.url,
                    source=item.source,
                    created_at=now,
                    in_app=ch.in_app,
                    email_state=EmailState.PENDING if email else EmailState.NOT_WANTED,
                    email_next_try_at=now if email else None,
                )
            )
        for start in range(0, len(rows), CREATE_CHUNK):
            Notification.objects.bulk_create(rows[start : start + CREATE_CHUNK])
        if rows:
            latest = {row.recipient_id: _latest(row) for row in rows if row.in_app and row.pk}
            mail = any(row.email_state == EmailState.PENDING for row in rows)
            after_commit(
                lambda: _after_send(latest, mail=mail),
                what="new notifications: live counts and the mail job",
            )
    return len(rows)


def _clean(item: Outgoing) -> Outgoing:
    get_category(item.category)  # ValueError when unknown
    title = " ".join(item.title.split())  # one line: it is also an e-mail subject
    if not title:
        raise ValueError("A notification needs a title.")
    if len(title) > TITLE_MAX_CHARS:
        title = title[: TITLE_MAX_CHARS - 1] + "…"
    if item.url and (len(item.url) > URL_MAX_CHARS or not _RELATIVE_URL.match(item.url)):
        raise ValueError(f"A notification's url must be a relative site path, not {item.url!r}.")
    if title == item.title:
        return item
    return dataclasses.replace(item, title=title)


def _latest(row: Notification) -> realtime.Latest:
    return {"id": row.pk, "title": row.title, "url": row.url, "category": row.category}


def _after_send(latest: dict[int, realtime.Latest], *, mail: bool) -> None:
    """After commit: the live counts, then e-mail (one job for the whole batch)."""
    if latest:
        realtime.push_unread(unread_counts(list(latest)), latest)
    if mail:
        _deliver_later()


def _deliver_later() -> None:
    from peerpath.notifications import tasks

    tasks.deliver_due_emails()


def _reachable_users(user_ids: list[int]) -> dict[int, bool]:
    """{user id: has an e-mail address} for the active accounts among ``user_ids``."""
    found: dict[int, bool] = {}
    for uid, email in _by_ids(
        User.objects.filter(is_active=True).values_list("pk", "email"), "pk", user_ids
    ):
        found[uid] = bool(email)
    return found


def channels_for(user_ids: list[int], categories: Iterable[str]) -> dict[tuple[int, str], Channels]:
    """Each person's channels for each category: their overrides (one query per ~900
    people, or one range scan) over the category's defaults. A category that cannot be
    unsubscribed always e-mails."""
    cats = {slug: get_category(slug) for slug in categories}
    overrides: dict[tuple[int, str], tuple[bool, bool]] = {}
    prefs = Preference.objects.filter(category__in=list(cats)).values_list(
        "user_id", "category", "in_app", "email"
    )
    for uid, slug, in_app, email in _by_ids(prefs, "user_id", user_ids):
        overrides[uid, slug] = (in_app, email)
    result: dict[tuple[int, str], Channels] = {}
    for slug, cat in cats.items():
        default = Channels(cat.in_app_default, cat.email_default or not cat.can_unsubscribe)
        for uid in user_ids:
            own = overrides.get((uid, slug))
            result[uid, slug] = default if own is None else _channels(cat, *own)
    return result


def _channels(cat: Category, in_app: bool, email: bool) -> Channels:
    return Channels(in_app, email or not cat.can_unsubscribe)


def _by_ids(qs: QuerySet[Any, Any], field: str, ids: list[int]) -> Iterator[Any]:
    """The rows of ``qs`` (a values_list whose first column is ``field``) whose ``field`` is
    in ``ids``, in few queries: one IN list when short, one range scan when
    the ids are dense, else IN lists of 900."""
    if not ids:
        return
    # Callers pass dict keys in database order, which PostgreSQL does not keep sorted.
    ids = sorted(set(ids))
    if len(ids) <= IN_CHUNK:
        yield from qs.filter(**{f"{field}__in": ids})
        return
    if ids[-1] - ids[0] < 4 * len(ids):
        wanted = set(ids)
        for row in qs.filter(**{f"{field}__gte": ids[0], f"{field}__lte": ids[-1]}):
            if row[0] in wanted:
                yield row
        return
    for start in range(0, len(ids), IN_CHUNK):
        yield from qs.filter(**{f"{field}__in": ids[start : start + IN_CHUNK]})


def unread_counts(user_ids: list[int]) -> dict[int, int]:
    """{user id: unread visible notifications} for everyone in ``user_ids`` (0 included)."""
    ids = sorted(set(user_ids))
    counts = dict.fromkeys(ids, 0)
    rows = (
        Notification.objects.unread()
        .values("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )
    for start in range(0, len(ids), IN_CHUNK):
        counts.update(rows.filter(recipient_id__in=ids[start : start + IN_CHUNK]))
    return counts


# --- Reading ------------------------------------------------------------------------------


@transaction.atomic
def mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the person's own notifications read (idempotent). Someone else's, or a
    missing one, is the same NotFound."""
    note = (
        Notification.objects.visible()
        .select_for_update()
        .filter(pk=notification_id, recipient=user)
        .first()
    )
    if note is None:
        raise NotFound("No such notification.")
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
        uid = int(user.pk)
        after_commit(
            lambda: realtime.push_unread(unread_counts([uid])), what="live notification count"
        )
    return note


@transaction.atomic
def mark_all_read(*, user: User) -> int:
    changed = Notification.objects.unread().filter(recipient=user).update(read_at=timezone.now())
    if changed:
        uid = int(user.pk)
        after_commit(lambda: realtime.push_unread({uid: 0}), what="live notification count")
    return changed


# --- Preferences --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuietHours:
    start: dt.time | None
    end: dt.time | None


@transaction.atomic
def save_preferences(
    *,
    user: User,
    channels: dict[str, Channels],
    quiet: QuietHours,
    daily_digest: bool,
    digest_hour: int,
) -> None:
    """Replace the person's overrides and settings. Only differences from a category's
    defaults are stored; e-mail of a category that cannot be unsubscribed stays on."""
    if (quiet.start is None) != (quiet.end is None):
        raise Refused("Give both the start and the end of quiet hours, or neither.")
    if quiet.start is not None and quiet.start == quiet.end:
        raise Refused("Quiet hours must start and end at different times.")
    if not 0 <= digest_hour <= 23:
        raise Refused("The digest hour is a whole hour from 0 to 23.")
    rows = []
    for slug, wanted in channels.items():
        cat = get_category(slug)
        chosen = _channels(cat, wanted.in_app, wanted.email)
        if chosen != Channels(cat.in_app_default, cat.email_default or not cat.can_unsubscribe):
            rows.append(
                Preference(user=user, category=slug, in_app=chosen.in_app, email=chosen.email)
            )
    Preference.objects.filter(user=user, category__in=list(channels)).delete()
    Preference.objects.bulk_create(rows)
    if not daily_digest:  # what waited for a digest goes out now (quiet hours still apply)
        waiting = Notification.objects.filter(recipient=user, email_state=EmailState.DIGEST)
        if waiting.update(email_state=EmailState.PENDING, email_next_try_at=timezone.now()):
            after_commit(_deliver_later, what="mail delivery job")
    NotificationSettings.objects.update_or_create(
        user=user,
        defaults={
            "quiet_start": quiet.start,
            "quiet_end": quiet.end,
            "daily_digest": daily_digest,
            "digest_hour": digest_hour,
        },
    )


@transaction.atomic
def set_email(*, user_id: int, category: str, email: bool) -> bool:
    """Switch one category's e-mail on or off, keeping the in-app choice. False (nothing
    changed) for a category that cannot be unsubscribed."""
    cat = get_category(category)
    if not cat.can_unsubscribe and not email:
        return False
    current = Preference.objects.filter(user_id=user_id, category=category).first()
    in_app = current.in_app if current is not None else cat.in_app_default
    Preference.objects.update_or_create(
        user_id=user_id, category=category, defaults={"in_app": in_app, "email": email}
    )
    return True


# --- Unsubscribe links --------------------------------------------------------------------


@dataclass(frozen=True)
class UnsubscribeTarget:
    user: User
    category: Category


def unsubscribe_token(user_id: int, category: str) -> str:
    return signing.dumps({"u": user_id, "c": category}, salt=UNSUBSCRIBE_SALT, compress=False)


def read_unsubscribe_token(token: str) -> UnsubscribeTarget:
    """Whom and what a link unsubscribes. Refused (400, shown as a friendly page) for a
    tampered, expired or stale token, and for a category that cannot be unsubscribed."""
    invalid = Refused(
        "This link is not valid. You can change what we send you on your preferences page."
    )
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature:
        raise invalid from None
    if not isinstance(data, dict):
        raise invalid
    uid, slug = data.get("u"), data.get("c")
    if not isinstance(uid, int) or not isinstance(slug, str) or slug not in CATEGORIES:
        raise invalid
    cat = CATEGORIES[slug]
    if not cat.can_unsubscribe:
        raise invalid
    user = User.objects.filter(pk=uid, is_active=True).first()
    if user is None:
        raise invalid
    return UnsubscribeTarget(user, cat)


def unsubscribe(token: str) -> UnsubscribeTarget:
    """Follow an unsubscribe link (RFC 8058 one-click or the confirm form): no more e-mail
    of that category for that person."""
    target = read_unsubscribe_token(token)
    set_email(user_id=int(target.user.pk), category=target.category.slug, email=False)
    return target
