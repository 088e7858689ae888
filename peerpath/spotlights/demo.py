"""Spotlights for the demo community: per band, this month's published mentor of the month,
and three published interviews (one drafted by ``demo-mentor`` itself). Every spotlighted
mentor has room for new mentees (the call to action works) and every interview its own
answers. Deterministic for a
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
from peerpath.mentorship.selectors.common import mentor_load
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
# Several answers per question (DEFAULT_QUESTIONS order), each interview its own: spotlight n
# takes answer n of every question, so no two interviews read the same. "{topic}" is one of
# the mentor's specialties.
ANSWERS: Final[tuple[tuple[str, ...], ...]] = (
    (
        "A friend once stayed up late just to listen to me, and I never forgot how much it "
        "helped. I wanted to be that for someone.",
        "I was a member here first. After a rough winter a listener helped me talk about "
        "{topic}, and a year later I did the training myself.",
        "Honestly, curiosity: I read the listener guide one evening and realised I already "
        "did most of it with my younger brother.",
        "My job is loud and fast. Listening here is the slow, quiet part of my week, and "
        "it turned out people needed exactly that.",
        "I lost someone close and nobody around me knew what to say. I joined to learn how "
        "to sit with people in the hard bits.",
    ),
    (
        "That I didn't need the perfect words. Being there, patiently, was what mattered.",
        "That it's fine to end a chat. I used to stay until 2am and was no use to anyone "
        "the next day.",
        "That silence in a chat isn't failure. People often need a minute before the real "
        "thing comes out.",
        "To ask a mentor early. I spent my first month worrying alone about things one "
        "conversation cleared up.",
        "That you can't fix {topic} for someone, and they rarely want you to. They want to "
        "be understood.",
    ),
    (
        "Walks without my phone, enough sleep, and talking things through with my own mentor.",
        "I keep two evenings a week completely offline, and I cook something slow.",
        "Swimming, and a rule that I never take a chat when I'm already running on empty.",
        "A notebook: after a heavy chat I write three lines and close it. Then music.",
        "My dog makes sure I go outside twice a day, rain or not. That helps more than I expected.",
    ),
    (
        "First messages, ending chats well, and feeling confident when a chat gets heavy.",
        "Mostly boundaries: how much to give, when to hand over to a moderator, how to say "
        "no kindly.",
        "We practise openings and closings, and we talk about chats that stayed with them, "
        "often about {topic}.",
        "Confidence. Most of my mentees are better listeners than they think, so we look "
        "at what already went well.",
        "Getting ready for the mock chat and the next listener level, one small goal at a time.",
    ),
)
ROOM_FOR: Final = 2  # a spotlighted mentor has room for at least this many more mentees


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
    """Mentors of ``band`` with room: a spotlight's call to action (ask them) must work."""
    rows = (
        User.objects.with_role(Role.MENTOR)
        .filter(mentor_profile__isnull=False)
        .select_related("mentor_profile")
        .order_by("pk")[:200]
    )
    return [
        u
        for u in rows
        if band_of(u) == band and u.mentor_profile.capacity - mentor_load(u.pk) >= ROOM_FOR
    ]


def _topic(mentor: User) -> str:
    names = list(mentor.mentor_profile.specialties.order_by("name").values_list("name", flat=True))
    if not names:
        names = list(mentor.profile.topics.order_by("name").values_list("name", flat=True))
    return names[0].lower() if names else "a hard week"


def _write(
    *,
    mentor: User,
    kind: str,
    month: dt.date | None,
    drafted_by: User,
    staff: User | None,
    at: dt.datetime,
    rng: random.Random,
    number: int,
) -> Spotlight:
    spotlight = Spotlight.objects.create(
        mentor=mentor,
        kind=kind,
        month=month,
        title=(f"Mentor of the month: {mentor.username}" if month else f"Meet {mentor.username}"),
        intro=(
            f"{mentor.username} has been listening in our community since "
            f"{mentor.date_joined:%B %Y} and mentors new listeners, often around "
            f"{_topic(mentor)}."
        ),
        band=band_of(mentor),
        status=SpotlightStatus.PUBLISHED,
        drafted_by=drafted_by,
        published_by=staff,
        published_at=at - dt.timedelta(hours=rng.randint(1, 72)),
    )
    order = list(range(len(DEFAULT_QUESTIONS)))
    rng.shuffle(order)
    topic = _topic(mentor)
    SpotlightAnswer.objects.bulk_create(
        SpotlightAnswer(
            spotlight=spotlight,
            position=n,
            question=DEFAULT_QUESTIONS[i],
            answer=ANSWERS[i][number % len(ANSWERS[i])].format(topic=topic),
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
    number = Spotlight.objects.count()  # each spotlight its own answers
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
                number=number,
            )
            number += 1
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
                number=number,
            )
            number += 1
            interviews += 1
    return SpotlightsSummary(tops, interviews, time.perf_counter() - started)
