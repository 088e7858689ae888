"""Training for the demo community: an open adult and teen cohort per program, the demo
listeners enrolled in Listener onboarding, and a few generated listeners of the same band as
their fellow trainees, with answers and replies so the demo shows a live cohort.

``seed_demo`` calls :func:`seed_training` after the people exist. Idempotent (a second call
finds the demo listener enrolled and writes nothing), deterministic for a seed, and small
whatever the community's size (a few dozen rows). Invariants kept by construction: everyone
in a cohort is of its band at the anchor and for the weeks around it; facilitators hold a
leadership role of the cohort's band; nobody replies to themselves.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db import transaction

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import AccountType, User
from peerpath.accounts.policies import DEMO_USERNAMES
from peerpath.training import policies
from peerpath.training.models import Cohort, Discussion, Enrollment, Post, Program
from peerpath.training.seed import load_programs

PEERS_PER_COHORT = 4
CANDIDATES = 400
_ANSWERS = (
    "Highs: a member thanked me after a long chat, I finally felt calm hosting, and I learned "
    "to pause before replying. Lows: a night where nobody answered, a chat that ended "
    "suddenly, and doubting whether I said the right thing.",
    "My highs are small but real: someone came back to say they were doing better, I helped "
    "a new listener find their feet, and I kept my own evenings free. My lows: tiredness, a "
    "tense room, and missing the signs that someone needed a moderator.",
    "High: feeling part of a team. High: a sharing circle that ran itself. High: learning from "
    "my mentor. Low: exam season stress. Low: a hard conversation I keep thinking about. "
    "Low: not knowing when to step back.",
    "Three highs: patience, new friends here, and a thank-you note. Three lows: burnout "
    "creeping in, a rude visitor, and a chat where I gave too much advice.",
)
#: Listener onboarding gets answers for each of its written discussions, so a newcomer who
#: joins the demo cohort always finds at least two fellow trainees to reply to at every step.
_ONBOARDING_ANSWERS: dict[int, tuple[str, ...]] = {
    1: (
        "Someone on here listened to me at 2am two years ago and I never forgot it. I want "
        "to be that person for someone else, and to learn to listen without rushing.",
        "My friends already come to me when things go wrong, but I often don't know what to "
        "say. I joined to learn how to support people properly, and to look after myself too.",
        "I'm studying to become a nurse and I want to practise really hearing people. I hope "
        "to give some calm and to learn how to hold a hard conversation.",
        "I had a rough year and talking helped. Now I feel steady enough to give back, and I "
        "hope to meet other listeners who care about the same things.",
    ),
    2: (
        "Fixing: 'Just study harder next time, make a schedule.' Listening: 'That sounds "
        "really heavy, failing again and feeling everyone's disappointment.' The second one "
        "lets them feel seen before anything else.",
        "Fix: 'Exams don't matter that much anyway.' Listen: 'It sounds like you're carrying "
        "a lot of pressure from home right now.' The fix closes the door; listening opens it.",
        "My fixing reply jumped to tutoring tips. My listening reply asked how they were "
        "feeling about it. When I read them back, only the second felt kind.",
        "Fixing: 'Have you tried a different way of revising?' Listening: 'I'm sorry, that "
        "sounds so discouraging. What has it been like at home?' The person gets to lead.",
    ),
}
_REPLIES = (
    "I really recognise that low. Thank you for being so honest about it.",
    "Your second high made me smile: that is exactly why we do this.",
    "Pausing before replying is something I want to learn too. Any tips?",
    "That sounds like a heavy night. I'm glad you shared it here.",
)


@dataclass(frozen=True)
class TrainingSummary:
    seconds: float
    cohorts: int = 0
    enrollments: int = 0
    posts: int = 0

    def line(self) -> str:
        return (
            f"training: {self.cohorts} cohorts, {self.enrollments} enrolments, "
            f"{self.posts} posts in {self.seconds:.1f}s"
        )


def _peers(rng: np.random.Generator, band: str, anchor: dt.datetime) -> list[User]:
    """Generated listeners of ``band`` who stay in it for a month either side of the anchor."""
    qs = User.objects.filter(is_active=True, account_type=AccountType.LISTENER).exclude(
        username__in=DEMO_USERNAMES
    )
    month = dt.timedelta(days=31)
    if band == "adult":
        qs = qs.filter(adult_from__lte=anchor - month)
    else:
        qs = qs.filter(teen_from__lte=anchor - month, adult_from__gt=anchor + month)
    ids = list(qs.order_by("pk").values_list("pk", flat=True)[:CANDIDATES])
    if not ids:
        return []
    chosen = rng.choice(ids, size=min(PEERS_PER_COHORT, len(ids)), replace=False)
    return list(User.objects.filter(pk__in=[int(i) for i in chosen]).order_by("pk"))


def seed_training(
    *, seed: int, anchor: dt.datetime, progress: Callable[[str], None] | None = None
) -> TrainingSummary:
    """Cohorts, enrolments and a lively first discussion for the demo community already
    written. One transaction."""
    if anchor.tzinfo is None:
        raise ValueError("the anchor must be timezone-aware")
    started = time.perf_counter()
    rng = np.random.default_rng([seed, 7_331])
    logins = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    with transaction.atomic():
        load_programs()  # normally done by migrate already; cheap when in step
        listener = logins.get("demo-listener")
        if listener is not None and Enrollment.objects.filter(user=listener).exists():
            return TrainingSummary(seconds=time.perf_counter() - started)
        cohorts = enrollments = posts = 0
        opens = anchor - dt.timedelta(days=14)
        for program in Program.objects.filter(is_active=True).order_by("sort_order", "pk"):
            first = Discussion.objects.filter(program=program, position=1).first()
            for band in ("adult", "teen"):
                if not policies.program_fits_band(program, band):
                    continue
                cohort = Cohort.objects.create(
                    program=program,
                    name=f"{program.name} · {'teen' if band == 'teen' else 'adult'} cohort",
                    band=band,
                    opens_at=opens,
                )
                cohorts += 1
                leaders = [
                    u
                    for name in ("demo-moderator", "demo-ambassador")
                    if (u := logins.get(name)) is not None
                    and u.age_band_at(anchor) is AgeBand(band)
                    and policies.may_be_facilitator(u, band)
                ]
                cohort.facilitators.set(leaders)
                trainees = _peers(rng, band, anchor)
                demo = logins.get("demo-listener" if band == "adult" else "demo-teen-listener")
                if (
                    program.slug == "listener-onboarding"
                    and demo is not None
                    and demo.age_band_at(anchor) is AgeBand(band)
                ):
                    trainees.append(demo)
                for n, user in enumerate(trainees):
                    Enrollment.objects.create(
                        program=program,
                        cohort=cohort,
                        user=user,
                        enrolled_at=opens + dt.timedelta(hours=3 * n + 1),
                    )
                    enrollments += 1
                if first is None:
                    continue
                peers = [u for u in trainees if u.username not in DEMO_USERNAMES]
                if program.slug == "listener-onboarding":
                    for discussion in Discussion.objects.filter(
                        program=program, position__in=list(_ONBOARDING_ANSWERS)
                    ).order_by("position"):
                        texts = _ONBOARDING_ANSWERS[discussion.position]
                        posts += _discussion(rng, cohort, discussion, peers, anchor, texts)
                else:
                    posts += _discussion(rng, cohort, first, peers, anchor, _ANSWERS)
    summary = TrainingSummary(
        seconds=time.perf_counter() - started,
        cohorts=cohorts,
        enrollments=enrollments,
        posts=posts,
    )
    if progress:
        progress(f"  {summary.line()}")
    return summary


def _discussion(
    rng: np.random.Generator,
    cohort: Cohort,
    discussion: Discussion,
    peers: list[User],
    anchor: dt.datetime,
    texts: tuple[str, ...],
) -> int:
    """Every peer answers; each replies to the next one or two (never to themselves)."""
    at = anchor - dt.timedelta(days=12 - 2 * discussion.position)
    answers: list[Post] = []
    for n, user in enumerate(peers):
        answers.append(
            Post.objects.create(
                discussion=discussion,
                cohort=cohort,
                author=user,
                body=texts[(n + int(rng.integers(0, len(texts)))) % len(texts)],
                created_at=at + dt.timedelta(hours=5 * n),
            )
        )
    written = len(answers)
    for n, user in enumerate(peers):
        for step in range(1, min(discussion.min_replies, len(peers) - 1) + 1):
            parent = answers[(n + step) % len(answers)]
            Post.objects.create(
                discussion=discussion,
                cohort=cohort,
                author=user,
                parent=parent,
                body=_REPLIES[(n + step) % len(_REPLIES)],
                created_at=parent.created_at + dt.timedelta(hours=6 + n),
            )
            written += 1
    return written
