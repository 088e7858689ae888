"""Feedback for the demo community: demo-mentor gets enough responses (from their mentee and
participants of a group session they hosted) for the aggregate to show; demo-listener gets
three (below k, so the page shows the threshold message). Responses the demo's history
(``peerpath.demo.history``) already wrote for them count towards those numbers.

Rows are written directly, keeping the services' rules by construction: every author took
part in a session the listener hosted (or is their mentee), same band, one per author.
Deterministic for a seed and anchor; idempotent (a listener at the target is skipped).
Every batch of k waiting responses is released at the anchor, as the site does, and only
then counts as a review (``release_feedback`` records it): demo-mentor's seven are reviews,
demo-listener's three wait, on ``/feedback/`` and on the dashboard alike."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Final

import numpy as np
from django.db import transaction

from peerpath.accounts.models import User
from peerpath.feedback.models import ContextKind, Feedback
from peerpath.feedback.services import release_feedback
from peerpath.mentorship.models import Mentorship
from peerpath.rooms.models import Participation, RoomSession

_STREAM_FEEDBACK: Final = 8
TARGETS: Final = {"demo-mentor": 7, "demo-listener": 3}  # at most: only real interactions
COMMENTS: Final = (
    "Really patient with me, thank you.",
    "Helped me put my thoughts in order.",
    "I felt heard.",
    "A bit rushed at the end, but kind.",
    "Good questions, gave me space.",
    "",
    "Warm and calm. I'd come back.",
)


@dataclass(frozen=True)
class Summary:
    feedback: int
    listeners: int
    seconds: float

    def line(self) -> str:
        return (
            f"Feedback: {self.feedback} responses for {self.listeners} listeners "
            f"({self.seconds:.1f} s)."
        )


def _participants(host: User) -> list[tuple[int, RoomSession]]:
    """People who took part in past sessions the host ran (seeded by the rooms demo), with
    the latest such session each: real interactions, so the demo keeps the rooms invariants."""
    seen: dict[int, RoomSession] = {}
    rows = (
        Participation.objects.filter(session__host=host, session__ended_at__isnull=False)
        .exclude(user=host)
        .select_related("session")
        .order_by("-session__ends_at", "pk")
    )
    for p in rows:
        if p.session is not None:
            seen.setdefault(p.user_id, p.session)
    return sorted(seen.items())


@transaction.atomic
def seed_feedback(*, seed: int, anchor: dt.datetime) -> Summary:
    started = time.perf_counter()
    rng = np.random.default_rng([seed, _STREAM_FEEDBACK])
    written = listeners = 0
    for username, n in TARGETS.items():
        listener = User.objects.filter(username=username).first()
        if listener is None:
            continue
        # Responses the demo's history already wrote (sessions it replayed) count towards
        # the target; nobody answers twice.
        given = set(Feedback.objects.filter(listener=listener).values_list("author_id", flat=True))
        n -= len(given)
        if n <= 0:
            continue
        mentorship = Mentorship.objects.active().filter(mentor=listener).first()
        rows: list[Feedback] = []
        if mentorship is not None and mentorship.mentee_id not in given:
            rows.append(
                Feedback(
                    listener=listener,
                    author_id=mentorship.mentee_id,
                    rating=5,
                    comment="My mentor always finds time for me.",
                    context_kind=ContextKind.MENTORSHIP,
                    context_id=mentorship.pk,
                    created_at=anchor - dt.timedelta(days=1),
                )
            )
        people = [
            (uid, session)
            for uid, session in _participants(listener)
            if (mentorship is None or uid != mentorship.mentee_id) and uid not in given
        ]
        order: list[int] = [int(j) for j in rng.permutation(len(people))]
        for i, j in enumerate(order):
            if len(rows) >= n:
                break
            author_id, session = people[j]
            ended = session.ended_at or session.ends_at
            rows.append(
                Feedback(
                    listener=listener,
                    author_id=author_id,
                    rating=int(rng.choice([5, 5, 4, 4, 4, 3, 2])),
                    comment=COMMENTS[i % len(COMMENTS)],
                    context_kind=ContextKind.SESSION,
                    context_id=session.pk,
                    created_at=min(ended + dt.timedelta(hours=1 + i), anchor),
                )
            )
        if not rows:
            continue
        written += len(Feedback.objects.bulk_create(rows))
        listeners += 1
    # Shown in batches of k, like responses given on the site (the history's ones too); a
    # response counts as a review (the dashboard, the ladder) from its release only.
    release_feedback(now=anchor)
    return Summary(written, listeners, time.perf_counter() - started)
