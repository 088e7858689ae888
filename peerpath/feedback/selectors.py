"""Reads: the interaction a feedback may be about, the author's last feedback for a
listener, a listener's mentor, the anonymized aggregate, the moderation queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Max, Q

from peerpath.accounts.models import User
from peerpath.feedback.models import ContextKind, Feedback, FeedbackSettings
from peerpath.feedback.policies import ELIGIBLE_DAYS, Context, shows_aggregate
from peerpath.mentorship.models import Mentorship, Message
from peerpath.rooms.models import Participation

RECENT_COMMENTS = 50


def eligible_context(author: User, listener: User, *, now: dt.datetime) -> Context | None:
    """The most recent eligible interaction within ``ELIGIBLE_DAYS``, or None:

    1. a one-to-one chat: a mentorship of the two (listener = mentor, author = mentee, any
       status) in which both sides wrote at least one message in the window;
    2. a group session: the author took part (a session ``Participation``) in a room session
       the listener hosted, in the window.
    """
    since = now - dt.timedelta(days=ELIGIBLE_DAYS)
    found: list[Context] = []
    for mentorship_id in Mentorship.objects.filter(mentor=listener, mentee=author).values_list(
        "pk", flat=True
    ):
        senders = dict(
            Message.objects.filter(
                mentorship_id=mentorship_id, created_at__gte=since, created_at__lte=now
            )
            .values_list("sender_id")
            .annotate(last=Max("created_at"))
            .order_by()
        )
        if author.pk in senders and listener.pk in senders:
            last = max(senders[author.pk], senders[listener.pk])
            found.append(
                Context(ContextKind.MENTORSHIP.value, mentorship_id, "Mentorship chat", last)
            )
    participation = (
        Participation.objects.filter(
            user=author,
            session__host=listener,
            created_at__gte=since,
            created_at__lte=now,
        )
        .select_related("session")
        .order_by("-created_at")
        .first()
    )
    if participation is not None and participation.session is not None:
        session = participation.session
        found.append(
            Context(
                ContextKind.SESSION.value,
                session.pk,
                f"Group session “{session.title}”",
                participation.created_at,
            )
        )
    return max(found, key=lambda c: c.at) if found else None


def last_given_at(author: User, listener: User) -> dt.datetime | None:
    value: dt.datetime | None = (
        Feedback.objects.filter(author=author, listener=listener)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return value


def mentor_id_of(listener: User) -> int | None:
    """The mentor of the listener's active mentorship (the one who coaches them)."""
    value: int | None = (
        Mentorship.objects.active()
        .filter(mentee=listener)
        .values_list("mentor_id", flat=True)
        .first()
    )
    return value


@dataclass(frozen=True)
class Bar:
    rating: int
    count: int
    percent: int


@dataclass(frozen=True)
class Comment:
    """A comment without its author and without its exact time (the month only)."""

    month: str
    text: str


@dataclass(frozen=True)
class Aggregate:
    count: int  # released responses: the only ones anything below is computed from
    k: int
    waiting: int = 0  # responses not yet released (a batch needs k of them)
    mean: float | None = None
    positive: int = 0
    bars: list[Bar] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)

    @property
    def visible(self) -> bool:
        return shows_aggregate(self.count, self.k)

    @property
    def remaining(self) -> int:
        """Responses still to come before the next batch is shown."""
        return max(0, self.k - self.waiting)


def waiting_by_listener(
    *, k: int, listener_id: int | None = None, until: dt.datetime | None = None
) -> dict[int, int]:
    """Listeners with at least ``k`` responses waiting (due a release), and how many; with
    ``until``, only responses given by then (a replayed past releases what existed)."""
    rows = Feedback.objects.waiting()
    if listener_id is not None:
        rows = rows.filter(listener_id=listener_id)
    if until is not None:
        rows = rows.filter(created_at__lte=until)
    return dict(
        rows.values_list("listener_id")
        .annotate(n=Count("id"))
        .filter(n__gte=k)
        .order_by("listener_id")
        .values_list("listener_id", "n")
    )


def released_before(listener: User, at: dt.datetime) -> bool:
    """Whether a batch of the listener's responses was released before ``at``."""
    return Feedback.objects.for_listener(listener.pk).filter(released_at__lt=at).exists()


def aggregate_for(listener: User, *, k: int | None = None) -> Aggregate:
    """The listener's anonymized aggregate (four queries), from released responses only: a
    response is shown in a batch of at least ``k`` (``services.release_feedback``), never
    alone, so the newest author's rating and words cannot be told apart. Below ``k``
    released responses only the count waiting is returned. Hidden comments are left out,
    but their ratings still count (the rating was a fair answer even when the words were
    not).

    Comments carry no author and only their month; they are ordered by month (newest first)
    and, within a month, by their text, so their order tells nothing about who wrote them."""
    k = FeedbackSettings.load().k if k is None else k
    mine = Feedback.objects.for_listener(listener.pk)
    counts = mine.aggregate(
        released=Count("id", filter=Q(released_at__isnull=False)),
        waiting=Count("id", filter=Q(released_at__isnull=True)),
    )
    count, waiting = counts["released"], counts["waiting"]
    if not shows_aggregate(count, k):
        return Aggregate(count=count, k=k, waiting=waiting)
    rows = mine.released()
    per_rating: dict[int, int] = dict(rows.values_list("rating").annotate(n=Count("id")).order_by())
    mean = rows.aggregate(mean=Avg("rating"))["mean"]
    bars = [
        Bar(r, per_rating.get(r, 0), round(100 * per_rating.get(r, 0) / count))
        for r in range(5, 0, -1)
    ]
    recent = list(
        rows.visible_comments()
        .order_by("-created_at")
        .values_list("created_at", "comment")[:RECENT_COMMENTS]
    )
    keyed = sorted(
        ((at.year, at.month, text) for at, text in recent),
        key=lambda t: (-t[0], -t[1], t[2]),
    )
    comments = [
        Comment(dt.date(year, month, 1).strftime("%B %Y"), text) for year, month, text in keyed
    ]
    return Aggregate(
        count=count,
        k=k,
        waiting=waiting,
        mean=round(float(mean), 2) if mean is not None else None,
        positive=per_rating.get(4, 0) + per_rating.get(5, 0),
        bars=bars,
        comments=comments,
    )


def moderation_queue(*, limit: int = 100) -> list[Feedback]:
    """Recent written comments, newest first, for staff (with the listener, not the author)."""
    return list(
        Feedback.objects.exclude(comment="")
        .select_related("listener", "hidden_by")
        .order_by("-created_at", "-id")[:limit]
    )
