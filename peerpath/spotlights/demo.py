"""Spotlights for the demo community: per band, this month's published mentor of the month,
and three published interviews (one drafted by ``demo-mentor`` itself). Deterministic for a
seed and anchor; idempotent (a second run adds nothing).

    from peerpath.spotlights.demo import seed_spotlights
    seed_spotlights(seed=options["seed"], anchor=anchor)
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass
from typing import Final

from django.db import transaction

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.spotlights.models import (
    DEFAULT_QUESTIONS,
    Spotlight,
    SpotlightAnswer,
    SpotlightBand,
    SpotlightKind,
    SpotlightStatus,
)
from peerpath.spotlights.policies import band_of

DEMO_MENTOR: Final = "demo-mentor"
DEMO_STAFF: Final = "demo-staff"
ANSWERS: Final = (
    "A friend once stayed up late just to listen to me, and I never forgot how much it helped.",
    "That I didn't need the perfect words. Being there, patiently, was what mattered.",
    "Walks without my phone, enough sleep, and talking things through with my own mentor.",
    "First messages, ending chats well, and feeling confident when a chat gets heavy.",
)


@dataclass(frozen=True)
class SpotlightsSummary:
    mentors_of_month: int
    interviews: int
    seconds: float

    def line(self) -> str:
        return (
            f"Spotlights: {self.mentors_of_month} mentors of the month, "
            f"{self.interviews} interviews ({self.seconds:.1f} s)."
        )


def _mentors(band: str) -> list[User]:
    rows = User.objects.with_role(Role.MENTOR).order_by("pk")[:200]
    return [u for u in rows if band_of(u) == band]


def _write(
    *,
    mentor: User,
    kind: str,
    month: dt.date | None,
    drafted_by: User,
    staff: User | None,
    at: dt.datetime,
    rng: random.Random,
) -> Spotlight:
    spotlight = Spotlight.objects.create(
        mentor=mentor,
        kind=kind,
        month=month,
        title=(f"Mentor of the month: {mentor.username}" if month else f"Meet {mentor.username}"),
        intro=f"{mentor.username} has been listening and mentoring in our community.",
        band=band_of(mentor),
        status=SpotlightStatus.PUBLISHED,
        drafted_by=drafted_by,
        published_by=staff,
        published_at=at - dt.timedelta(hours=rng.randint(1, 72)),
    )
    order = list(range(len(DEFAULT_QUESTIONS)))
    rng.shuffle(order)
    SpotlightAnswer.objects.bulk_create(
        SpotlightAnswer(
            spotlight=spotlight, position=n, question=DEFAULT_QUESTIONS[i], answer=ANSWERS[i]
        )
        for n, i in enumerate(sorted(order[:3]), start=1)
    )
    return spotlight


@transaction.atomic
def seed_spotlights(*, seed: int, anchor: dt.datetime) -> SpotlightsSummary:
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    month = anchor.date().replace(day=1)
    staff = User.objects.filter(username=DEMO_STAFF).first()
    tops = interviews = 0
    for band in (SpotlightBand.ADULT, SpotlightBand.TEEN):
        mentors = _mentors(band)
        if not mentors:
            continue
        taken = Spotlight.objects.filter(
            kind=SpotlightKind.MENTOR_OF_MONTH,
            band=band,
            month=month,
            status=SpotlightStatus.PUBLISHED,
        ).exists()
        if not taken:
            top = rng.choice(mentors)
            _write(
                mentor=top,
                kind=SpotlightKind.MENTOR_OF_MONTH,
                month=month,
                drafted_by=staff or top,
                staff=staff,
                at=anchor,
                rng=rng,
            )
            tops += 1
    if not Spotlight.objects.filter(kind=SpotlightKind.INTERVIEW).exists():
        adults = _mentors(SpotlightBand.ADULT)
        demo = User.objects.filter(username=DEMO_MENTOR).first()
        chosen: list[User] = [demo] if demo is not None else []
        chosen += [m for m in rng.sample(adults, min(len(adults), 4)) if m not in chosen]
        for n, mentor in enumerate(chosen[:3]):
            drafted_by = mentor if mentor.username == DEMO_MENTOR else (staff or mentor)
            _write(
                mentor=mentor,
                kind=SpotlightKind.INTERVIEW,
                month=None,
                drafted_by=drafted_by,
                staff=staff,
                at=anchor - dt.timedelta(days=7 * (n + 1)),
                rng=rng,
            )
            interviews += 1
    return SpotlightsSummary(tops, interviews, time.perf_counter() - started)
