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
#: Replies written for each seeded answer (same order as the answers above): each answers
#: what that answer said, and each reply to one answer is a different one.
_REPLIES: dict[str, tuple[str, ...]] = {
    _ANSWERS[0]: (
        "Pausing before replying is something I want to learn too. Do you count, or just "
        "read their message twice?",
        "The night nobody answered sounds lonely. Did you tell your mentor about it? Mine "
        "said those nights happen to everyone.",
        "Doubting whether you said the right thing is my biggest low as well. The member "
        "thanking you says you probably did.",
    ),
    _ANSWERS[1]: (
        "Keeping your own evenings free is such a good high to have on the list. How do "
        "you stop yourself picking up one more chat?",
        "Missing the signs someone needed a moderator: I worry about that too. The "
        "escalation page in week two helped me.",
        "Someone coming back to say they're better must feel amazing. Thank you for "
        "sharing the tiredness part as well.",
    ),
    _ANSWERS[2]: (
        "A sharing circle that runs itself is the dream! What did you do at the start that "
        "made it work?",
        "Exam season stress is real; I'm glad you still showed up. Not knowing when to "
        "step back is my low too.",
        "Learning from your mentor as a high made me smile. The hard conversation you keep "
        "thinking about might be worth bringing to them.",
    ),
    _ANSWERS[3]: (
        "Giving too much advice is my trap as well. Now I ask 'what would help most right "
        "now?' before I suggest anything.",
        "Burnout creeping in: please look after yourself. The self-care module has a "
        "good check-in list.",
        "A rude visitor can spoil a whole evening. Did a moderator step in? Finding new "
        "friends here is a lovely high.",
    ),
    _ONBOARDING_ANSWERS[1][0]: (
        "Being that 2am person for someone else is a beautiful reason. Listening without "
        "rushing is what I want to learn too.",
        "It's lovely that you remember the person who listened to you. Do you still talk to them?",
        "Two years on and here to give it back: that's the spirit of this place. Welcome!",
    ),
    _ONBOARDING_ANSWERS[1][1]: (
        "Friends coming to you already says a lot. The training gave me words for what I "
        "was half doing already.",
        "Looking after yourself too is so important; I'm glad it's part of why you're here.",
        "Not knowing what to say is exactly why I joined as well. We'll learn it together.",
    ),
    _ONBOARDING_ANSWERS[1][2]: (
        "Nursing and listening go so well together. Hearing people properly will help "
        "you on the wards too.",
        "Holding a hard conversation is the skill I want most as well. Good luck with "
        "your studies!",
        "Giving some calm is a lovely way to put it. Patients will be lucky to have you.",
    ),
    _ONBOARDING_ANSWERS[1][3]: (
        "I'm glad talking helped you through a rough year, and that you feel steady "
        "enough now. That matters.",
        "Meeting listeners who care about the same things is half of why I'm here too.",
        "Giving back once you're steady: that's exactly the right order. Welcome!",
    ),
    _ONBOARDING_ANSWERS[2][0]: (
        "Your listening reply names the disappointment from others, which the fixing "
        "reply skips completely. Really good example.",
        "'Make a schedule' was almost word for word my fixing reply too. Yours shows how "
        "quickly we jump to it.",
        "Letting them feel seen before anything else: I'm writing that down.",
    ),
    _ONBOARDING_ANSWERS[2][1]: (
        "'Exams don't matter that much' is such a common fix, and you're right, it closes "
        "the door.",
        "Noticing the pressure from home instead of the exam itself is a great catch.",
        "The door metaphor really helped me see the difference. Thank you.",
    ),
    _ONBOARDING_ANSWERS[2][2]: (
        "Reading them back is a great trick. I tried it after your post and my fixing "
        "reply jumped out straight away.",
        "Tutoring tips are kind, but asking how they feel first is kinder. Nice contrast.",
        "Only the second felt kind: that's the test I'm going to use from now on.",
    ),
    _ONBOARDING_ANSWERS[2][3]: (
        "Asking what it has been like at home opens so much more than revision tips. "
        "Great example.",
        "'The person gets to lead' sums up the whole discussion for me.",
        "Starting with 'I'm sorry, that sounds so discouraging' is something I'll borrow.",
    ),
}


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


def _reply_to(answer: str, k: int) -> str:
    """The ``k``-th reply written for ``answer``: the replies to one answer all differ."""
    replies = _REPLIES.get(answer) or (
        "Thank you for sharing this; it gave me a lot to think about.",
    )
    return replies[k % len(replies)]


def _discussion(
    rng: np.random.Generator,
    cohort: Cohort,
    discussion: Discussion,
    peers: list[User],
    anchor: dt.datetime,
    texts: tuple[str, ...],
) -> int:
    """Every peer answers (each a different answer); each replies to the next one or two
    (never to themselves) with a reply written for that answer."""
    at = anchor - dt.timedelta(days=12 - 2 * discussion.position)
    answers: list[Post] = []
    first = int(rng.integers(0, len(texts)))
    for n, user in enumerate(peers):
        answers.append(
            Post.objects.create(
                discussion=discussion,
                cohort=cohort,
                author=user,
                body=texts[(n + first) % len(texts)],
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
                body=_reply_to(parent.body, step - 1),
                created_at=parent.created_at + dt.timedelta(hours=6 + n),
            )
            written += 1
    return written
