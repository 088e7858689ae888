"""Mentoring data for the demo community: mentor and mentee profiles, mentorships in every
state with their chat, conversation log, check-ins, flags and staff tickets, requests waiting
in the cascade and one published matching run.

``generator.seed_demo`` calls :func:`seed_mentoring` after the generated people *and* the nine
demo logins exist, in the demo logins' transaction (so demo-member still marks a finished
seed). Rows go straight into the tables with ``BulkWriter`` and explicit ids, computed as
columns first: going through ``mentorship.services`` would take minutes for the large size.
So this module keeps the invariants the models and services enforce itself:

* a pair is in one age band at the anchor (``teen_from``/``adult_from``), never oneself, and
  both had joined before it started; the two share a language (the matching engine's hard
  constraint, kept for every pair whatever its source);
* a mentor's current mentorships (active + proposed) never exceed their capacity;
* a mentee has at most one current mentorship, and nobody with one has an open request;
* an open request has one pending target (sent, with an expiry) and the rest queued, each
  target a mentor with room; one open request per (mentee, mentor);
* a pair that ended is never current again, and never requested again; a mentee who left
  the program is opted out and has nothing current;
* the proposals waiting for mentors were all published by one auto-pairing run,
  ``RUN_AGO`` before the anchor; the run's "listeners waiting" and "mentors with room" are
  counted as ``services.matching.run_matching`` counts them, over the pairs current just
  before it;
* a "chat" conversation is a UTC day on which both wrote, once per day; each conversation
  and check-in has one ``ActivityEvent`` per party (via ``record_activities_bulk``).

Deterministic: every draw comes from one random stream seeded with the plan's seed, and
every time is an offset from the anchor (all of it before the anchor, except request and
proposal expiries, which lie ahead of it as in a live community).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import BigIntegerField, BooleanField, ExpressionWrapper, Func, Max, Q

from peerpath.accounts.models import AccountType, Language, Profile, Topic, User
from peerpath.accounts.roles import Role
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.services import record_activities_bulk
from peerpath.core.bulk import Epoch, datetime_strings
from peerpath.demo.generator import DAY, DEMO_LOGINS, BulkWriter, Plan, _top_k_rows
from peerpath.mentorship.availability import utc_offset_hours
from peerpath.mentorship.models import (
    CheckIn,
    Conversation,
    ConversationKind,
    EndReason,
    Flag,
    FlagPriority,
    MatchProposal,
    MatchRun,
    MatchRunStatus,
    MenteeProfile,
    MentorProfile,
    MentorRequest,
    Mentorship,
    MentorshipSettings,
    MentorshipSource,
    MentorshipStatus,
    Message,
    RequestStatus,
    RequestTarget,
    StaffTicket,
    TargetStatus,
    TicketStatus,
)
from peerpath.resources.models import FlagTopic

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
U8 = npt.NDArray[np.uint8]

_STREAM_MENTORING: Final = 4  # generator.py uses 1-3
HOUR: Final = 3600
PAUSED_SHARE: Final = 0.10
CAPACITIES: Final = np.array([1, 2, 3, 4, 5, 6], dtype=np.int64)
CAPACITY_P: Final = np.array([0.14, 0.28, 0.26, 0.16, 0.10, 0.06])
ACTIVE_SHARE_OF_CAPACITY: Final = 0.60
PROPOSAL_SHARE: Final = 0.12  # of mentors with room left: one proposal waiting
ENDED_PER_ACTIVE: Final = 0.25
OPEN_REQUESTS_PER_MENTOR: Final = 0.10
MENTEE_PROFILE_SHARE: Final = 0.30  # of listeners
CANDIDATES: Final = 12  # random mentees scored per free slot
SCORE_BATCH: Final = 4096
MIN_MEMBERSHIP: Final = 2 * DAY  # people who joined more recently are not paired yet
RUN_AGO: Final = 30 * HOUR  # the auto-pairing run that published the waiting proposals
LOOKAHEAD: Final = 64  # free listeners tried for a shared language when no candidate has one
DEMO_CAPACITY: Final = 3
_POPCOUNT: Final = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)

_END_REASONS: Final = (
    (EndReason.COMPLETED, 0.35),
    (EndReason.REMATCH, 0.20),
    (EndReason.LEFT_PROGRAM, 0.10),
    (EndReason.MENTOR_NO_REMATCH, 0.08),
    (EndReason.DECLINED, 0.17),
    (EndReason.PROPOSAL_EXPIRED, 0.10),
)

# --- Phrase templates ---------------------------------------------------------------------

_APPROACH_OPENINGS: Final = (
    "I remember how daunting my first chats felt, so no question is too small.",
    "I mentor the way I'd have liked to be mentored: patient, practical and honest.",
    "New listeners bring so much care; I help turn it into confidence.",
    "Mentoring for me is mostly listening to the listener.",
    "I like to keep things relaxed and down to earth.",
    "I've been listening here for a while and still learn something every week.",
)
_APPROACH_FOCUS: Final = (
    "We can look at chats you found hard, especially around {topic}.",
    "Happy to role-play tricky conversations about {topic} before you meet them for real.",
    "A lot of my own listening has been about {topic}, so that's where I help most.",
    "If {topic} comes up in your chats, we can unpack it together.",
)
_APPROACH_STYLE: Final = (
    "I usually suggest a short check-in once a week and messages in between.",
    "Expect questions more than answers: I want you to find your own style.",
    "I'll share what has worked for me, and what hasn't.",
    "We'll set one small goal at a time and celebrate when you reach it.",
    "Boundaries and self-care come first; a tired listener can't help anyone.",
)
_APPROACH_CLOSINGS: Final = (
    "Evenings suit me best.",
    "Message me any time; I reply within a day or two.",
    "",
    "Weekends are easiest for a call.",
    "",
)
_GOALS: Final = (
    "I'd like to get more confident supporting people with {topic}.",
    "I want to learn how to end chats kindly when they go on for hours.",
    "Sometimes I don't know what to say when someone talks about {topic}. I'd like guidance.",
    "I'd love feedback on my listening style and help with setting boundaries.",
    "I'm new to listening and want someone to talk to after hard chats about {topic}.",
    "I'd like to practise open questions and stop jumping to advice.",
    "One day I'd like to host a group session; I want to build up to it.",
    "I take chats about {topic} home with me. I want to learn to switch off afterwards.",
)
_MENTOR_OPENERS: Final = (
    "Hi {name}! Glad we've been matched. How has listening been going for you lately?",
    "Hello {name}, welcome! Tell me a bit about what you'd like to work on together.",
    "Hi {name}, nice to meet you. What made you want a mentor right now?",
)
_MENTEE_REPLIES: Final = (
    "Hi! Thanks for taking me on. Mostly I want to feel less stuck when chats get heavy.",
    "Hello :) I've done about ten chats so far. Some about {topic} left me unsure what to say.",
    "Thanks for reaching out! Evenings work best for me. I'd love tips on {topic} chats.",
)
_MENTOR_LINES: Final = (
    "That sounds like a really caring response. What did you notice in yourself afterwards?",
    "One thing that helps me with {topic}: reflect back what you hear before anything else.",
    "It's okay not to have an answer. Staying with someone is often the help.",
    "Shall we do a quick practice chat this week? I can play a member talking about {topic}.",
    "Remember to take a break after heavy chats. What do you do to reset?",
    "Nice work this week. How are you feeling about your boundaries?",
    "Have a look at the active listening guide; the part on open questions is great.",
)
_MENTEE_LINES: Final = (
    "I tried asking more open questions and the chat went so much better.",
    "I had a hard chat about {topic} yesterday. Can we talk it through?",
    "Thank you, that really helps. I'll try it next time.",
    "I'm free Thursday evening if a practice chat works for you.",
    "I went for a walk after my last chat like you suggested. It helped.",
    "I wasn't sure when to suggest professional help. How do you judge that?",
    "Quick update: three chats this week and I felt much calmer.",
)
_CALL_NOTES: Final = (
    "Talked through a difficult chat and how to close it kindly.",
    "Practice chat on {topic}; went well.",
    "Set goals for the next month.",
    "Quick catch-up on boundaries and rest.",
    "",
)
_CHECK_IN_NOTES: Final = {
    1: ("We haven't managed to talk yet.", "Hard to find time lately."),
    2: ("Hard to find time lately.", "Not sure we're a good fit yet."),
    3: ("Going okay, still finding our rhythm.", ""),
    4: ("Helpful conversations so far.", "Good progress on my goals.", ""),
    5: ("Really helpful, I feel more confident every week.", "Great mentor!", ""),
}
_CHECK_IN_P: Final = np.array([0.02, 0.05, 0.15, 0.38, 0.40])
_DECLINE_REASONS: Final = (
    "I'm away for a couple of weeks, sorry!",
    "I don't think I'm the best fit for this goal.",
    "",
)
_END_NOTES: Final = {
    EndReason.COMPLETED: ("We reached the goals we set. Thank you!", ""),
    EndReason.REMATCH: ("Our times never lined up.", ""),
    EndReason.LEFT_PROGRAM: ("Taking a break from listening for a while.", ""),
    EndReason.MENTOR_NO_REMATCH: ("", "Not a good fit."),
    EndReason.DECLINED: ("I'm at capacity this month.", ""),
    EndReason.PROPOSAL_EXPIRED: ("",),
}
_FLAGS: Final = (
    (FlagTopic.WELLBEING, FlagPriority.IMMEDIATE, "My mentee said something worrying today."),
    (FlagTopic.NO_CONTACT, FlagPriority.CAN_WAIT, "No reply to my messages for two weeks."),
    (FlagTopic.BOUNDARIES, FlagPriority.CAN_WAIT, "Messages late at night, every night."),
    (FlagTopic.CONDUCT, FlagPriority.CAN_WAIT, "A comment that made me uncomfortable."),
)
_TICKET_BODIES: Final = (
    "My mentor hasn't answered for a while. Can someone check in?",
    "I'm not sure how to bring up something with my mentee. Could we talk?",
    "Could I change my mentor? I'd rather not explain in the chat.",
)

# Scripted chats for the demo logins' mentorships: (days before the anchor, hour UTC,
# mentor writes?, text). The last message is left unread by its addressee (demo-mentor;
# demo-teen-listener), so that demo login's inbox shows one unread message.
_DEMO_ADULT_CHAT: Final = (
    (9, 18, True, "Hi {name}! Glad you asked me. How have your first weeks of listening been?"),
    (9, 19, False, "Hi! Good mostly, but chats about grief leave me unsure what to say."),
    (9, 19, True, "That's very common. Reflecting back what you hear is a great start."),
    (4, 17, False, "I tried it yesterday and the member said it helped. Thank you!"),
    (4, 18, True, "That's brilliant. How did you feel after the chat?"),
    (1, 20, False, "Tired but good. Could we do a practice chat this week?"),
)
_DEMO_TEEN_CHAT: Final = (
    (6, 8, True, "Hey {name}! Nice to be matched with you. How's listening going?"),
    (6, 9, False, "Hi! It's good. Chats about exams stress me out a bit though."),
    (6, 9, True, "Same here sometimes. Want to swap tips on exam-stress chats?"),
    (2, 8, False, "Yes please! Maybe after school on Thursday?"),
    (1, 16, True, "Thursday works! I'll bring a practice scenario about exam stress."),
)


# --- Data ---------------------------------------------------------------------------------


@dataclass(slots=True)
class People:
    """Every active listener as columns (row order = user id order)."""

    ids: I64
    usernames: list[str]
    adult: Bools  # band at the anchor (everyone here is at least a teen)
    joined: I64  # epoch seconds
    topics: Bools  # (n, topics) profile topics, columns as ``Catalogue.topic_ids``
    languages: Bools  # (n, languages), columns as ``language_ids``
    avail: U8  # (n, 21) weekly availability in UTC at the anchor, bit-packed
    mentor: Bools
    demo: Bools
    row_of: dict[str, int]  # demo username -> row
    language_ids: I64
    language_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(slots=True)
class Pair:
    """One mentorship to write, by people rows; times in epoch seconds."""

    mentor: int
    mentee: int
    status: MentorshipStatus
    source: MentorshipSource
    created: int
    started: int | None = None
    ended: int | None = None
    ended_by: int | None = None  # people row
    reason: str = ""
    note: str = ""
    goal: str = ""
    score: float | None = None
    explanation: list[str] = field(default_factory=list)
    expires: int | None = None
    script: tuple[tuple[int, int, bool, str], ...] | None = None
    unread_for: int | None = None  # people row left with one unread message


@dataclass(slots=True)
class Target:
    mentor: int
    status: TargetStatus
    sent: int | None = None
    expires: int | None = None
    responded: int | None = None
    reminders: int = 0
    reason: str = ""


@dataclass(slots=True)
class Request:
    mentee: int
    goal: str
    status: RequestStatus
    created: int
    closed: int | None
    targets: list[Target]


@dataclass(frozen=True, slots=True)
class MentoringSummary:
    mentors: int
    mentees: int
    active: int
    proposed: int
    ended: int
    open_requests: int
    messages: int
    conversations: int
    events: int


def _load_people(plan: Plan) -> People:
    anchor = plan.anchor
    # The band and the join time come back computed (no datetime parsing per row).
    rows = list(
        User.objects.filter(
            account_type=AccountType.LISTENER, is_active=True, teen_from__lte=anchor
        )
        .not_suspended(anchor)
        .annotate(
            adult=ExpressionWrapper(Q(adult_from__lte=anchor), output_field=BooleanField()),
            joined_s=_EpochSeconds("date_joined"),
        )
        .order_by("pk")
        .values_list("pk", "username", "adult", "joined_s", "timezone", "profile__availability")
    )
    n = len(rows)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    usernames = [r[1] for r in rows]
    adult = np.array([bool(r[2]) for r in rows], dtype=bool)
    joined = np.array([r[3] for r in rows], dtype=np.int64)

    # Availability: local 168-hour masks rotated into UTC with each zone's offset at the
    # anchor (as ``mentorship.availability.utc_mask`` does), then packed to 21 bytes.
    blank = "0" * 168
    text = "".join(r[5] if r[5] and len(r[5]) == 168 else blank for r in rows)
    local = np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(n, 168) == ord("1")
    anchor_hour = plan.anchor_s // HOUR
    offsets = np.array([utc_offset_hours(r[4], anchor_hour) for r in rows], dtype=np.int64)
    utc = np.empty_like(local)
    for off in np.unique(offsets).tolist():
        sel = offsets == off
        utc[sel] = np.roll(local[sel], -off, axis=1)
    avail = np.packbits(utc, axis=1) if n else np.zeros((0, 21), np.uint8)

    topic_ids = plan.catalogue.topic_ids
    topics = _links(
        ids,
        Profile.objects.filter(
            user__account_type=AccountType.LISTENER, topics__isnull=False
        ).values_list("user_id", "topics"),
        topic_ids,
    )
    langs = list(Language.objects.order_by("pk").values_list("pk", "name"))
    language_ids = np.array([pk for pk, _ in langs], dtype=np.int64)
    languages = _links(
        ids,
        Profile.objects.filter(
            user__account_type=AccountType.LISTENER, languages__isnull=False
        ).values_list("user_id", "languages"),
        language_ids,
    )
    mentor_ids = np.array(
        sorted(User.objects.with_role(Role.MENTOR).values_list("pk", flat=True)),
        dtype=np.int64,
    )
    demo_names = {login.username for login in DEMO_LOGINS}
    row_of = {name: i for i, name in enumerate(usernames) if name in demo_names}
    demo = np.zeros(n, bool)
    demo[list(row_of.values())] = True
    return People(
        ids=ids,
        usernames=usernames,
        adult=adult,
        joined=joined,
        topics=topics,
        languages=languages,
        avail=avail,
        mentor=np.isin(ids, mentor_ids),
        demo=demo,
        row_of=row_of,
        language_ids=language_ids,
        language_names=tuple(name for _, name in langs),
    )


class _EpochSeconds(Func):
    """Whole seconds since 1970 of a datetime column (UTC), computed by the database."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _links(ids: I64, pairs: Any, columns: I64) -> Bools:
    """A (people, columns) boolean matrix from (user id, linked id) rows."""
    matrix = np.zeros((len(ids), len(columns)), dtype=bool)
    data = np.array(list(pairs), dtype=np.int64).reshape(-1, 2)
    if not len(ids) or not len(data) or not len(columns):
        return matrix
    row = np.clip(np.searchsorted(ids, data[:, 0]), 0, len(ids) - 1)
    order = np.argsort(columns)
    col = np.clip(np.searchsorted(columns, data[:, 1], sorter=order), 0, len(columns) - 1)
    col = order[col]
    ok = (ids[row] == data[:, 0]) & (columns[col] == data[:, 1])
    matrix[row[ok], col[ok]] = True
    return matrix


def _common_language(people: People, a: Any, b: Any) -> Bools:
    """Whether rows ``a`` and ``b`` (equally shaped, or one a single row) share a language:
    the matching engine's hard constraint (``peerpath.matching.constraints.share_a_language``)
    on the seeder's arrays."""
    return np.asarray((people.languages[a] & people.languages[b]).any(-1), dtype=bool)


def _affinity(people: People, spec: Bools, mentors: I64, mentees: I64) -> npt.NDArray[Any]:
    """A rough 0..7 match score of equally shaped arrays of rows: shared topics (mentor
    specialties vs mentee topics), a shared language, overlapping hours."""
    shared = (spec[mentors] & people.topics[mentees]).sum(-1)
    lang = _common_language(people, mentors, mentees)
    hours = _POPCOUNT[people.avail[mentors] & people.avail[mentees]].sum(-1, dtype=np.int64)
    score: npt.NDArray[Any] = (
        3.0 * np.minimum(shared, 3) / 3 + 2.0 * lang + 2.0 * np.minimum(hours, 8) / 8
    )
    return score


def _assign(
    rng: np.random.Generator, people: People, spec: Bools, slots: I64, pool: I64, free: Bools
) -> I64:
    """For each slot (a mentor row, repeated per free place) a mentee row still ``free``
    who shares a language with the mentor: the best of a few random candidates by affinity,
    else one of the next free ones; -1 when none is found. Marks the chosen rows taken in
    ``free``."""
    out = np.full(len(slots), -1, dtype=np.int64)
    if not len(slots) or not len(pool):
        return out
    cand = pool[rng.integers(0, len(pool), (len(slots), CANDIDATES))]
    noise = rng.random(cand.shape) * 0.5
    ranked: list[list[int]] = []
    for start in range(0, len(slots), SCORE_BATCH):
        part = slice(start, start + SCORE_BATCH)
        score = _affinity(people, spec, slots[part, None], cand[part]) + noise[part]
        order = np.argsort(-score, axis=1, kind="stable")
        ranked.extend(np.take_along_axis(cand[part], order, axis=1).tolist())
    fallback = pool[rng.permutation(len(pool))].tolist()
    langs = people.languages
    at = 0
    for s, candidates in enumerate(ranked):
        mentor = int(slots[s])

        def speaks(row: int, mentor: int = mentor) -> bool:
            return bool(free[row] and (langs[mentor] & langs[row]).any())

        chosen = next((c for c in candidates if speaks(c)), -1)
        if chosen < 0:
            while at < len(fallback) and not free[fallback[at]]:
                at += 1  # taken for good: never looked at again
            chosen = next((c for c in fallback[at : at + LOOKAHEAD] if speaks(c)), -1)
        if chosen < 0:
            continue
        free[chosen] = False
        out[s] = chosen
    return out


def _lower(name: str) -> str:
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class _Namer:
    def __init__(self, people: People, spec: Bools, topic_names: Sequence[str]) -> None:
        self.people = people
        self.spec = spec
        self.topic_names = [_lower(t) for t in topic_names]

    def shared_topics(self, m: int, e: int) -> list[str]:
        cols = np.flatnonzero(self.spec[m] & self.people.topics[e]).tolist()
        return [self.topic_names[c] for c in cols]

    def topic_for(self, m: int, e: int, rng: np.random.Generator) -> str:
        """A topic to talk about: a shared one, else one of the mentee's, else generic."""
        names = self.shared_topics(m, e) or [
            self.topic_names[c] for c in np.flatnonzero(self.people.topics[e]).tolist()
        ]
        return names[int(rng.integers(0, len(names)))] if names else "hard conversations"

    def explain(self, m: int, e: int, room: int, text: float) -> tuple[float, list[str]]:
        """(score 0-100, reasons) in the matching engine's style."""
        p = self.people
        reasons: list[str] = []
        langs = np.flatnonzero(p.languages[m] & p.languages[e]).tolist()
        if langs:
            reasons.append("both speak " + _join([p.language_names[c] for c in langs]))
        topics = self.shared_topics(m, e)
        if topics:
            noun = "shared topic" if len(topics) == 1 else "shared topics"
            reasons.append(f"{len(topics)} {noun}: {', '.join(topics)}")
        hours = int(_POPCOUNT[p.avail[m] & p.avail[e]].sum())
        if hours:
            reasons.append(f"{hours} h overlapping availability")
        if text >= 0.3:
            reasons.append("similar goals and mentoring style")
        if room > 0:
            reasons.append(f"has room for {room} more")
        raw = (
            3.0 * min(len(topics), 3) / 3
            + 2.0 * bool(langs)
            + 2.0 * min(hours, 8) / 8
            + text
            + min(room, 3) / 3
        )
        return round(100.0 * raw / 9.0, 1), reasons


# --- Seeding ------------------------------------------------------------------------------


class _Seeder:
    def __init__(self, plan: Plan, people: People, cfg: MentorshipSettings) -> None:
        self.plan = plan
        self.p = people
        self.cfg = cfg
        self.a = plan.anchor_s
        self.run_at = self.a - RUN_AGO
        self.rng = np.random.default_rng([plan.seed, _STREAM_MENTORING])
        n = len(people)
        self.spec = np.zeros((n, len(plan.catalogue.topic_ids)), dtype=bool)
        self.capacity = np.zeros(n, dtype=np.int64)
        self.load = np.zeros(n, dtype=np.int64)  # current (active + proposed)
        self.free = ~people.mentor & ~people.demo & (people.joined <= self.a - MIN_MEMBERSHIP)
        self.opted_out = np.zeros(n, dtype=bool)
        self.ever_paired = np.zeros(n, dtype=bool)
        self.goals: dict[int, str] = {}
        self.pairs: list[Pair] = []
        self.ended_pairs: set[tuple[int, int]] = set()
        self.busy_until: dict[int, int] = {}  # mentee row -> end of their past mentorship
        self.requests: list[Request] = []
        self.namer = _Namer(people, self.spec, plan.catalogue.topic_names)
        self.mentor_rows = np.flatnonzero(people.mentor)
        self.approach: dict[int, str] = {}
        self.tracks = np.zeros((n, 3), dtype=bool)
        self.last_active = np.zeros(n, dtype=np.int64)

    # -- helpers --

    def uniform(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def pick(self, options: Sequence[str]) -> str:
        return options[int(self.rng.integers(0, len(options)))]

    def goal_of(self, row: int) -> str:
        if row not in self.goals:
            cols = np.flatnonzero(self.p.topics[row]).tolist()
            topic = (
                self.namer.topic_names[cols[int(self.rng.integers(0, len(cols)))]]
                if cols
                else "difficult topics"
            )
            self.goals[row] = self.pick(_GOALS).format(topic=topic)
        return self.goals[row]

    def start_after(self, *rows: int) -> int:
        """The earliest moment a pair may start: an hour after the later of them joined."""
        return int(max(self.p.joined[r] for r in rows)) + HOUR

    def room(self, row: int) -> int:
        return int(self.capacity[row] - self.load[row])

    # -- mentor profiles --

    def mentor_profiles(self) -> None:
        rows = self.mentor_rows
        n = len(rows)
        rng = self.rng
        cat = self.plan.catalogue
        paused = rng.random(n) < PAUSED_SHARE
        capacity = rng.choice(CAPACITIES, n, p=CAPACITY_P)
        self.capacity[rows] = np.where(paused, 0, capacity)
        weights = np.where(
            self.p.adult[rows, None], cat.topic_weights_adult, cat.topic_weights_teen
        ) * (1.0 + 7.0 * self.p.topics[rows])
        t_rows, t_cols = _top_k_rows(rng, weights, rng.integers(2, 6, n).astype(np.int64))
        self.spec[rows[t_rows], t_cols] = True
        tracks = rng.random((n, 3)) < np.array([0.9, 0.22, 0.1])
        tracks[~tracks.any(axis=1), 0] = True
        self.tracks[rows] = tracks
        ago = (rng.random(n) ** 1.5 * 30 * DAY).astype(np.int64)
        self.last_active[rows] = np.maximum(self.a - ago, self.p.joined[rows] + HOUR)
        parts = rng.integers(0, 1 << 30, (n, 4)).tolist()
        for row, (o, f, s, c) in zip(rows.tolist(), parts, strict=True):
            cols = np.flatnonzero(self.spec[row]).tolist()
            topic = self.namer.topic_names[cols[f % len(cols)]] if cols else "listening"
            text = [
                _APPROACH_OPENINGS[o % len(_APPROACH_OPENINGS)],
                _APPROACH_FOCUS[f % len(_APPROACH_FOCUS)].format(topic=topic),
                _APPROACH_STYLE[s % len(_APPROACH_STYLE)],
                _APPROACH_CLOSINGS[c % len(_APPROACH_CLOSINGS)],
            ]
            self.approach[row] = " ".join(t for t in text if t)

    # -- generated mentorships --

    def generic(self) -> None:
        for adult in (True, False):
            band = self.p.adult == adult
            mentors = self.mentor_rows[
                band[self.mentor_rows]
                & ~self.p.demo[self.mentor_rows]
                & (self.p.joined[self.mentor_rows] <= self.a - MIN_MEMBERSHIP)
            ]
            pool = np.flatnonzero(band & self.free)
            self.actives(mentors, pool)
            self.ended(mentors, pool)
            self.proposals(mentors, pool)
            self.open_requests(mentors, pool)

    def actives(self, mentors: I64, pool: I64) -> None:
        rng = self.rng
        wanted = rng.binomial(self.capacity[mentors], ACTIVE_SHARE_OF_CAPACITY)
        slots = np.repeat(mentors, wanted)
        slots = slots[rng.permutation(len(slots))]
        mentees = _assign(rng, self.p, self.spec, slots, pool, self.free)
        for m, e in zip(slots.tolist(), mentees.tolist(), strict=True):
            if e < 0:
                continue
            earliest = self.start_after(m, e)
            started = max(self.a - int(self.uniform(3, 150) * DAY), earliest)
            by_request = rng.random() < 0.6
            created = max(started - int(self.uniform(0.1, 3) * DAY), earliest - HOUR // 2)
            pair = Pair(
                mentor=m,
                mentee=e,
                status=MentorshipStatus.ACTIVE,
                source=MentorshipSource.REQUEST if by_request else MentorshipSource.MATCHING,
                created=created,
                started=started,
                goal=self.goal_of(e),
            )
            if not by_request:
                pair.score, pair.explanation = self.namer.explain(
                    m, e, self.room(m) - 1, self.uniform(0.05, 0.5)
                )
            else:
                self.accepted_request(pair)
            self.load[m] += 1
            self.ever_paired[e] = True
            self.pairs.append(pair)

    def accepted_request(self, pair: Pair) -> None:
        started = pair.started or pair.created
        self.requests.append(
            Request(
                mentee=pair.mentee,
                goal=pair.goal,
                status=RequestStatus.ACCEPTED,
                created=pair.created,
                closed=started,
                targets=[
                    Target(
                        mentor=pair.mentor,
                        status=TargetStatus.ACCEPTED,
                        sent=pair.created,
                        expires=pair.created + self.cfg.request_expiry_days * DAY,
                        responded=started,
                    )
                ],
            )
        )

    def ended(self, mentors: I64, pool: I64) -> None:
        """Past mentorships: completed, rematched, left, unmatched, declined or expired
        proposals. At most one per mentee, over before their current mentorship began, never
        with their current mentor; a mentee who left the program is opted out."""
        rng = self.rng
        n_active = sum(1 for p in self.pairs if p.status == MentorshipStatus.ACTIVE)
        n = round(ENDED_PER_ACTIVE * n_active)
        if not n or not len(mentors) or not len(pool):
            return
        current = {p.mentee: p for p in self.pairs if p.status in _CURRENT}
        reasons = rng.choice(len(_END_REASONS), n, p=[w for _, w in _END_REASONS])
        ms = mentors[rng.integers(0, len(mentors), n)]
        es = pool[rng.integers(0, len(pool), n)]
        speak = _common_language(self.p, ms, es).tolist()
        for m, e, r, ok in zip(ms.tolist(), es.tolist(), reasons.tolist(), speak, strict=True):
            reason = _END_REASONS[r][0]
            now_with = current.get(e)
            if not ok or e in self.busy_until or (now_with is not None and now_with.mentor == m):
                continue
            if reason == EndReason.LEFT_PROGRAM and now_with is not None:
                reason = EndReason.COMPLETED
            earliest = self.start_after(m, e)
            latest = self.a - 2 * HOUR if now_with is None else now_with.created - HOUR
            created = max(self.a - int(self.uniform(20, 330) * DAY), earliest)
            if created > latest - DAY:
                continue
            note = self.pick(_END_NOTES[reason])
            if reason in (EndReason.DECLINED, EndReason.PROPOSAL_EXPIRED):
                expires = created + self.cfg.proposal_expiry_days * DAY
                declined = reason == EndReason.DECLINED
                ended = created + int(self.uniform(0.2, 6) * DAY) if declined else expires
                pair = Pair(
                    mentor=m,
                    mentee=e,
                    status=MentorshipStatus.DECLINED,
                    source=MentorshipSource.MATCHING,
                    created=created,
                    ended=min(ended, latest),
                    ended_by=m if declined else None,
                    reason=reason.value,
                    note=note,
                    expires=expires,
                )
                pair.score, pair.explanation = self.namer.explain(m, e, 1, self.uniform(0.05, 0.5))
            else:
                ended = min(created + int(self.uniform(7, 120) * DAY), latest)
                by_request = rng.random() < 0.6
                if reason == EndReason.MENTOR_NO_REMATCH:
                    by = m
                elif reason == EndReason.LEFT_PROGRAM:
                    by = e
                else:
                    by = e if rng.random() < 0.6 else m
                pair = Pair(
                    mentor=m,
                    mentee=e,
                    status=MentorshipStatus.ENDED,
                    source=MentorshipSource.REQUEST if by_request else MentorshipSource.MATCHING,
                    created=created,
                    started=created + HOUR,
                    ended=ended,
                    ended_by=by,
                    reason=reason.value,
                    note=note,
                    goal=self.goal_of(e),
                )
                if not by_request:
                    pair.score, pair.explanation = self.namer.explain(
                        m, e, 1, self.uniform(0.05, 0.5)
                    )
                if reason == EndReason.LEFT_PROGRAM:
                    self.opted_out[e] = True
                    self.free[e] = False
            self.ended_pairs.add((m, e))
            self.busy_until[e] = pair.ended or latest
            self.ever_paired[e] = True
            self.pairs.append(pair)

    def proposals(self, mentors: I64, pool: I64) -> None:
        rng = self.rng
        room = self.capacity[mentors] - self.load[mentors]
        chosen = mentors[(room > 0) & (rng.random(len(mentors)) < PROPOSAL_SHARE)]
        mentees = _assign(rng, self.p, self.spec, chosen, pool, self.free)
        for m, e in zip(chosen.tolist(), mentees.tolist(), strict=True):
            if e < 0:
                continue
            if (m, e) in self.ended_pairs:
                self.free[e] = True
                continue
            self.propose(m, e)

    def propose(self, m: int, e: int) -> None:
        """A proposal of the auto-pairing run (published ``RUN_AGO`` before the anchor), if
        both could be paired then."""
        created = self.run_at
        if max(self.start_after(m, e), self.busy_until.get(e, 0) + HOUR) > created:
            self.free[e] = True
            return
        pair = Pair(
            mentor=m,
            mentee=e,
            status=MentorshipStatus.PROPOSED,
            source=MentorshipSource.MATCHING,
            created=created,
            expires=created + self.cfg.proposal_expiry_days * DAY,
        )
        pair.score, pair.explanation = self.namer.explain(
            m, e, self.room(m) - 1, self.uniform(0.05, 0.5)
        )
        self.load[m] += 1
        self.ever_paired[e] = True
        self.pairs.append(pair)

    def open_requests(self, mentors: I64, pool: I64) -> None:
        """A few listeners waiting: up to three ranked mentors with room, the first asked
        (or, after a decline, the second) and the rest queued."""
        rng = self.rng
        fresh = pool[self.free[pool] & ~self.ever_paired[pool]]
        n = min(len(fresh), round(OPEN_REQUESTS_PER_MENTOR * len(mentors)))
        if not n:
            return
        for e in fresh[rng.permutation(len(fresh))[:n]].tolist():
            accepting = mentors[self.capacity[mentors] > self.load[mentors]]
            if not len(accepting):
                return
            accepting = accepting[_common_language(self.p, accepting, e)]
            if not len(accepting):
                continue
            k = min(len(accepting), int(rng.choice([1, 2, 3], p=[0.45, 0.35, 0.2])))
            picks = accepting[rng.choice(len(accepting), min(len(accepting), 8), replace=False)]
            score = _affinity(self.p, self.spec, picks, np.full(len(picks), e))
            ranked = picks[np.argsort(-score, kind="stable")][:k].tolist()
            self.request(e, ranked, decline_first=k > 1 and rng.random() < 0.3)

    def request(self, e: int, mentors: list[int], *, decline_first: bool, sent: int = 0) -> None:
        earliest = self.start_after(e, *mentors)
        targets = [Target(mentor=m, status=TargetStatus.QUEUED) for m in mentors]
        if decline_first:
            first = max(self.a - int(self.uniform(3, 6) * DAY), earliest)
            declined = min(first + int(self.uniform(0.3, 2) * DAY), self.a - HOUR)
            targets[0] = Target(
                mentor=mentors[0],
                status=TargetStatus.DECLINED,
                sent=first,
                expires=first + self.cfg.request_expiry_days * DAY,
                responded=declined,
                reason=self.pick(_DECLINE_REASONS),
            )
            pending, created = 1, first
            sent = declined
        else:
            sent = max(sent or self.a - int(self.uniform(0.1, 6) * DAY), earliest)
            pending, created = 0, sent
        reminded = self.a - sent >= self.cfg.reminder_after_days * DAY
        targets[pending] = Target(
            mentor=mentors[pending],
            status=TargetStatus.PENDING,
            sent=sent,
            expires=sent + self.cfg.request_expiry_days * DAY,
            reminders=int(reminded),
        )
        self.requests.append(
            Request(
                mentee=e,
                goal=self.goal_of(e),
                status=RequestStatus.OPEN,
                created=created,
                closed=None,
                targets=targets,
            )
        )
        self.free[e] = False
        self.ever_paired[e] = True

    def pools_at(self, at: int) -> tuple[int, int]:
        """(listeners waiting, mentors with room) just before a matching run at ``at``, as
        ``services.matching.run_matching`` counts them: listeners (not mentors, joined by
        then, not opted out) without a mentorship current then; mentors whose capacity
        exceeds their mentorships current then. Current at ``at`` = created before it and
        not ended by then (a run's own proposals are created at ``at``: not before it)."""
        n = len(self.p)
        load = np.zeros(n, dtype=np.int64)
        busy = np.zeros(n, dtype=bool)
        for pair in self.pairs:
            if pair.created < at and (pair.ended is None or pair.ended > at):
                load[pair.mentor] += 1
                busy[pair.mentee] = True
        left = np.zeros(n, dtype=bool)
        for pair in self.pairs:
            if pair.reason == EndReason.LEFT_PROGRAM and pair.ended is not None:
                left[pair.mentee] |= pair.ended <= at
        waiting = ~self.p.mentor & (self.p.joined <= at) & ~busy & ~left
        rows = self.mentor_rows[self.p.joined[self.mentor_rows] <= at]
        return int(waiting.sum()), int((self.capacity[rows] > load[rows]).sum())

    # -- the demo logins --

    def demo(self) -> None:
        rows = self.p.row_of
        for name, goal in _DEMO_GOALS.items():
            if name in rows:
                self.goals[rows[name]] = goal
        mentor, teen_mentor = rows.get("demo-mentor"), rows.get("demo-teen-mentor")
        if mentor is not None and self.p.mentor[mentor]:
            self.demo_profile(
                mentor,
                ("grief-loss", "depression", "listening-skills", "anxiety"),
                "I've mentored new listeners since last spring. We'll look at your hardest "
                "chats together, practise the tricky ones, and make sure you rest too. "
                "Evenings (US Central) suit me best.",
            )
            self.demo_pairs(mentor, active=None, chat=_DEMO_ADULT_CHAT)
        if teen_mentor is not None and self.p.mentor[teen_mentor]:
            self.demo_profile(
                teen_mentor,
                ("school-studies", "family", "listening-skills", "stress"),
                "I'm a teen listener too, so I know how exams and chats collide. Let's "
                "swap tips, practise hard chats and keep it fun. After school works best.",
            )
            self.demo_pairs(
                teen_mentor, active=rows.get("demo-teen-listener"), chat=_DEMO_TEEN_CHAT
            )

    def demo_profile(self, row: int, slugs: Sequence[str], approach: str) -> None:
        cat = self.plan.catalogue
        slug_of = dict(zip(cat.topic_ids.tolist(), _slugs(cat.topic_ids), strict=True))
        self.spec[row] = False
        for col, tid in enumerate(cat.topic_ids.tolist()):
            if slug_of[tid] in slugs:
                self.spec[row, col] = True
        self.capacity[row] = DEMO_CAPACITY
        self.tracks[row] = (True, True, False)
        self.approach[row] = approach
        self.last_active[row] = self.a - 3 * HOUR

    def demo_pairs(
        self, mentor: int, *, active: int | None, chat: tuple[tuple[int, int, bool, str], ...]
    ) -> None:
        """One active mentorship with a scripted chat, one pending request, one proposal:
        each with a different same-band listener, best matches first."""
        band = self.free & (self.p.adult == self.p.adult[mentor])
        pool = np.flatnonzero(band)
        pool = pool[_common_language(self.p, mentor, pool)]
        if len(pool):
            score = _affinity(self.p, self.spec, np.full(len(pool), mentor), pool)
            pool = pool[np.argsort(-score, kind="stable")]
        picks = pool[:3].tolist()
        if active is None and picks:
            active = picks.pop(0)
        if active is not None and not self.ever_paired[active]:
            earliest = self.start_after(mentor, active)
            started = max(self.a - 12 * DAY, earliest)
            pair = Pair(
                mentor=mentor,
                mentee=active,
                status=MentorshipStatus.ACTIVE,
                source=MentorshipSource.REQUEST,
                created=max(started - DAY, earliest - HOUR // 2),
                started=started,
                goal=self.goal_of(active),
                script=chat,
                unread_for=mentor if not self.p.demo[active] else active,
            )
            self.accepted_request(pair)
            self.pairs.append(pair)
            self.load[mentor] += 1
            self.free[active] = False
            self.ever_paired[active] = True
        if picks:
            self.request(picks.pop(0), [mentor], decline_first=False, sent=self.a - 20 * HOUR)
        if picks:
            e = picks.pop(0)
            self.free[e] = False
            self.propose(mentor, e)

    # -- everything else --

    def mentee_rows(self) -> I64:
        """Everyone involved, plus other listeners up to about 30% of all listeners."""
        involved = self.ever_paired.copy()
        for name in ("demo-listener", "demo-teen-listener"):
            if name in self.p.row_of:
                involved[self.p.row_of[name]] = True
        others = np.flatnonzero(~involved & ~self.p.mentor & ~self.p.demo)
        extra = max(0, round(MENTEE_PROFILE_SHARE * len(self.p)) - int(involved.sum()))
        extra_rows = others[self.rng.permutation(len(others))[:extra]]
        involved[extra_rows] = True
        return np.flatnonzero(involved)


_CURRENT: Final = (MentorshipStatus.ACTIVE, MentorshipStatus.PROPOSED)
_DEMO_GOALS: Final = {
    "demo-listener": "I'd like to feel more confident in chats about anxiety and loneliness, "
    "and learn when to suggest other support.",
    "demo-teen-listener": "I want help with chats about school stress and bullying.",
}


def _slugs(topic_ids: I64) -> list[str]:
    slug = dict(Topic.objects.values_list("pk", "slug"))
    return [slug[t] for t in topic_ids.tolist()]


# --- Writing ------------------------------------------------------------------------------


def _next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


SILENT_SHARE = 0.15  # active pairs that never got talking: what the 0-conversation filter finds


def _silent(mentorship_id: int) -> bool:
    """About 15% of (unscripted) active pairs have not had a conversation yet, decided by a
    hash of the id so the random streams of everything else stay as they were."""
    return (mentorship_id * 2_654_435_761) % 1_000 < SILENT_SHARE * 1_000


class _Times:
    """Epoch columns for the writer: non-null ones as ``Epoch``, nullable ones as text."""

    def __init__(self, vendor: str) -> None:
        self.suffix = "+00:00" if vendor == "postgresql" else ""

    @staticmethod
    def exact(values: Sequence[int]) -> Epoch:
        return Epoch(np.array(values, dtype=np.int64))

    def nullable(self, values: Sequence[int | None]) -> list[str | None]:
        known = [v for v in values if v is not None]
        text = iter(datetime_strings(np.array(known, dtype=np.int64), self.suffix))
        return [None if v is None else next(text) for v in values]


def seed_mentoring(
    plan: Plan, writer: BulkWriter, *, progress: Callable[[str], None] | None = None
) -> MentoringSummary:
    """Mentor and mentee profiles, mentorships and everything in them, for the people and
    demo logins already written. Call inside a transaction."""
    started = time.perf_counter()
    cfg = MentorshipSettings.load()
    # The demo runs matching by hand (demo-staff, /mentorships/staff/matching/): a scheduled run
    # would fill every mentor with room within hours, and the directory, the spotlights' calls to
    # action and requests need mentors with room. Staff switch it on in the admin (a config row).
    if cfg.auto_pairing_enabled:
        cfg.auto_pairing_enabled = False
        cfg.save(update_fields=["auto_pairing_enabled"])
    people = _load_people(plan)
    s = _Seeder(plan, people, cfg)
    s.mentor_profiles()
    s.demo()  # first, so the demo mentors' best matches are still free
    s.generic()
    w = _Writer(s, writer)
    summary = w.write()
    if progress:
        progress(
            f"  mentoring: {summary.mentors:,} mentors, {summary.active:,} active, "
            f"{summary.messages:,} messages ({time.perf_counter() - started:.1f} s)"
        )
    return summary


class _Writer:
    def __init__(self, seeder: _Seeder, writer: BulkWriter) -> None:
        self.s = seeder
        self.p = seeder.p
        self.w = writer
        self.t = _Times(writer.vendor)
        self.rng = seeder.rng
        self.a = seeder.a
        self.events: list[ActivityEvent] = []

    def uid(self, row: int | None) -> int | None:
        return None if row is None else int(self.p.ids[row])

    def write(self) -> MentoringSummary:
        s = self.s
        mentorship_ids = list(range(_next_id(Mentorship), _next_id(Mentorship) + len(s.pairs)))
        messages = self.messages(mentorship_ids)
        self.write_mentorships(mentorship_ids, messages)  # also moves mentors' last activity
        self.write_mentor_profiles()
        mentees = self.write_mentee_profiles()
        n_messages = self.write_messages(messages)
        n_conversations = self.write_conversations(mentorship_ids, messages)
        self.write_check_ins(mentorship_ids)
        self.write_flags_and_tickets(mentorship_ids)
        n_open = self.write_requests()
        self.write_match_run(mentorship_ids)
        self.reset_sequences()
        n_events = record_activities_bulk(self.events)
        statuses = [p.status for p in s.pairs]
        return MentoringSummary(
            mentors=len(s.mentor_rows),
            mentees=mentees,
            active=statuses.count(MentorshipStatus.ACTIVE),
            proposed=statuses.count(MentorshipStatus.PROPOSED),
            ended=len(statuses)
            - statuses.count(MentorshipStatus.ACTIVE)
            - statuses.count(MentorshipStatus.PROPOSED),
            open_requests=n_open,
            messages=n_messages,
            conversations=n_conversations,
            events=n_events,
        )

    # -- chat --

    def messages(self, ids: list[int]) -> list[tuple[int, int, int, int, str]]:
        """(time, mentorship id, order, sender row, body) for every active mentorship, in
        time order (so message ids follow time, as live)."""
        rng = self.rng
        out: list[tuple[int, int, int, int, str]] = []
        for mid, pair in zip(ids, self.s.pairs, strict=True):
            if pair.status != MentorshipStatus.ACTIVE or pair.started is None:
                continue
            m, e = pair.mentor, pair.mentee
            name = self.p.usernames[e]
            if pair.script is not None:
                for k, (ago, hour, by_mentor, text) in enumerate(pair.script):
                    when = self.a - ago * DAY + hour * HOUR + (k * 13 % 45) * 60
                    when = max(when, pair.started + 600 * (k + 1))
                    sender = m if by_mentor else e
                    out.append(
                        (min(when, self.a - 60 * (10 - k)), mid, k, sender, text.format(name=name))
                    )
                continue
            first_day = pair.started // DAY
            last_day = self.a // DAY - 1
            if first_day > last_day or _silent(mid):
                continue
            span = last_day - first_day + 1
            n_days = min(span, 1 + int(rng.poisson(1.2)))
            days: list[int] = sorted((first_day + rng.choice(span, n_days, replace=False)).tolist())
            topic = self.s.namer.topic_for(m, e, rng)
            k = 0
            for d, day in enumerate(days):
                n_msgs = int(rng.integers(2, 4)) if d == 0 else int(rng.integers(1, 4))
                mentor_turn = d == 0 or bool(rng.random() < 0.5)
                when = max(day * DAY + int(rng.integers(8, 21)) * HOUR, pair.started + 300)
                for _ in range(n_msgs):
                    when += int(rng.integers(60, 1800))
                    if k == 0:
                        text = self.s.pick(_MENTOR_OPENERS).format(name=name)
                    elif k == 1 and not mentor_turn:
                        text = self.s.pick(_MENTEE_REPLIES).format(topic=topic)
                    else:
                        lines = _MENTOR_LINES if mentor_turn else _MENTEE_LINES
                        text = self.s.pick(lines).format(topic=topic)
                    out.append((min(when, self.a - 1), mid, k, m if mentor_turn else e, text))
                    mentor_turn = not mentor_turn
                    k += 1
        out.sort()
        return out

    def write_messages(self, messages: list[tuple[int, int, int, int, str]]) -> int:
        first = _next_id(Message)
        return self.w.insert(
            Message,
            {
                "id": list(range(first, first + len(messages))),
                "mentorship_id": [m[1] for m in messages],
                "sender_id": [int(self.p.ids[m[3]]) for m in messages],
                "body": [m[4] for m in messages],
                "client_id": [""] * len(messages),
                "created_at": self.t.exact([m[0] for m in messages]),
            },
        )

    # -- profiles --

    def write_mentor_profiles(self) -> None:
        s = self.s
        rows = s.mentor_rows.tolist()
        joined = self.p.joined[s.mentor_rows]
        self.w.insert(
            MentorProfile,
            {
                "user_id": [int(self.p.ids[r]) for r in rows],
                "created_at": self.t.exact((joined + 600).clip(max=self.a - 1).tolist()),
                "updated_at": self.t.exact(s.last_active[s.mentor_rows].tolist()),
                "capacity": s.capacity[s.mentor_rows].tolist(),
                "track_listeners": s.tracks[s.mentor_rows, 0].tolist(),
                "track_group_i": s.tracks[s.mentor_rows, 1].tolist(),
                "track_group_ii": s.tracks[s.mentor_rows, 2].tolist(),
                "approach": [s.approach.get(r, "") for r in rows],
                "last_active_at": self.t.exact(s.last_active[s.mentor_rows].tolist()),
            },
        )
        m_rows, cols = np.nonzero(s.spec[s.mentor_rows])
        self.w.insert_links(
            MentorProfile,
            "specialties",
            self.p.ids[s.mentor_rows[m_rows]],
            self.s.plan.catalogue.topic_ids[cols],
        )

    def write_mentee_profiles(self) -> int:
        s = self.s
        rows = s.mentee_rows()
        first_seen: dict[int, int] = {}
        for pair in s.pairs:
            first_seen[pair.mentee] = min(first_seen.get(pair.mentee, self.a), pair.created)
        for req in s.requests:
            first_seen[req.mentee] = min(first_seen.get(req.mentee, self.a), req.created)
        ended_at = {
            p.mentee: p.ended or self.a
            for p in s.pairs
            if p.reason == EndReason.LEFT_PROGRAM and p.ended_by == p.mentee
        }
        created: list[int] = []
        updated: list[int] = []
        for r in rows.tolist():
            j = int(self.p.joined[r])
            at = first_seen.get(r, j + int(self.rng.random() * max(self.a - j - HOUR, 0)))
            created.append(max(j, at - HOUR))
            updated.append(max(j, at - HOUR, ended_at.get(r, 0)))
        return self.w.insert(
            MenteeProfile,
            {
                "user_id": self.p.ids[rows].tolist(),
                "created_at": self.t.exact(created),
                "updated_at": self.t.exact(updated),
                "goal": [s.goal_of(r) for r in rows.tolist()],
                "opted_out_at": self.t.nullable([ended_at.get(r) for r in rows.tolist()]),
            },
        )

    # -- mentorships --

    def write_mentorships(
        self, ids: list[int], messages: list[tuple[int, int, int, int, str]]
    ) -> None:
        s = self.s
        first_message = _next_id(Message)
        last_by: dict[tuple[int, int], int] = {}  # (mentorship, sender row) -> message id
        last_in: dict[int, tuple[int, int]] = {}  # mentorship -> (message id, sender row)
        for k, (when, mid, _, sender, _) in enumerate(messages):
            last_by[mid, sender] = first_message + k
            last_in[mid] = (first_message + k, sender)
            if self.p.mentor[sender]:  # a mentor writing is activity (services touch it)
                s.last_active[sender] = max(int(s.last_active[sender]), when)
        mentor_read: list[int] = []
        mentee_read: list[int] = []
        for mid, pair in zip(ids, s.pairs, strict=True):
            last_id, last_sender = last_in.get(mid, (0, -1))
            reads = []
            for side, p_read in ((pair.mentor, 0.75), (pair.mentee, 0.8)):
                if last_sender == side:
                    reads.append(last_id)
                elif pair.unread_for == side:
                    reads.append(last_by.get((mid, side), 0))
                elif pair.script is not None or self.rng.random() < p_read:
                    reads.append(last_id)
                else:
                    reads.append(last_by.get((mid, side), 0))
            mentor_read.append(reads[0])
            mentee_read.append(reads[1])
        updated = [
            max(x for x in (p.created, p.started, p.ended) if x is not None) for p in s.pairs
        ]
        self.w.insert(
            Mentorship,
            {
                "id": ids,
                "created_at": self.t.exact([p.created for p in s.pairs]),
                "updated_at": self.t.exact(updated),
                "mentor_id": [self.uid(p.mentor) for p in s.pairs],
                "mentee_id": [self.uid(p.mentee) for p in s.pairs],
                "status": [p.status.value for p in s.pairs],
                "source": [p.source.value for p in s.pairs],
                "score": [p.score for p in s.pairs],
                "explanation": [json.dumps(p.explanation) for p in s.pairs],
                "goal": [p.goal for p in s.pairs],
                "proposal_expires_at": self.t.nullable([p.expires for p in s.pairs]),
                "started_at": self.t.nullable([p.started for p in s.pairs]),
                "ended_at": self.t.nullable([p.ended for p in s.pairs]),
                "ended_by_id": [self.uid(p.ended_by) for p in s.pairs],
                "end_reason": [p.reason for p in s.pairs],
                "end_note": [p.note for p in s.pairs],
                "mentor_last_read": mentor_read,
                "mentee_last_read": mentee_read,
            },
        )

    def conversation_event(self, conversation_id: int, pair: Pair, when: int) -> None:
        when_dt = dt.datetime.fromtimestamp(when, dt.UTC)
        for row in (pair.mentor, pair.mentee):
            self.events.append(
                ActivityEvent(
                    user_id=int(self.p.ids[row]),
                    kind=ActivityKind.MENTOR_CONVERSATION,
                    occurred_at=when_dt,
                    ref_type="mentorship.conversation",
                    ref_id=conversation_id,
                )
            )

    def write_conversations(
        self, ids: list[int], messages: list[tuple[int, int, int, int, str]]
    ) -> int:
        """A UTC day on which both wrote is one chat conversation (counted when the second
        person writes); about a quarter of active pairs also logged a call or video."""
        s = self.s
        by_id = dict(zip(ids, s.pairs, strict=True))
        seen: dict[tuple[int, int], set[int]] = {}
        rows: list[tuple[int, int, str, int, str, int | None]] = []  # (when, mid, kind, day...)
        for when, mid, _, sender, _ in messages:
            key = (mid, when // DAY)
            senders = seen.setdefault(key, set())
            before = len(senders)
            senders.add(sender)
            if before == 1 and len(senders) == 2:
                rows.append((when, mid, ConversationKind.CHAT.value, when // DAY, "", None))
        for mid, pair in by_id.items():
            if pair.status != MentorshipStatus.ACTIVE or pair.started is None:
                continue
            if pair.script is None and self.rng.random() >= 0.25:
                continue
            first_day, last_day = pair.started // DAY, self.a // DAY - 1
            if first_day > last_day:
                continue
            day = int(self.rng.integers(first_day, last_day + 1))
            kind = str(self.rng.choice(["call", "call", "video", "other"]))
            logger = pair.mentor if self.rng.random() < 0.6 else pair.mentee
            topic = s.namer.topic_for(pair.mentor, pair.mentee, self.rng)
            note = s.pick(_CALL_NOTES).format(topic=topic)
            when = min(max(day * DAY + 20 * HOUR, pair.started + HOUR), self.a - 1)
            rows.append((when, mid, kind, day, note, logger))
        rows.sort()
        first = _next_id(Conversation)
        conversation_ids = list(range(first, first + len(rows)))
        for cid, (when, mid, *_rest) in zip(conversation_ids, rows, strict=True):
            self.conversation_event(cid, by_id[mid], when)
        return self.w.insert(
            Conversation,
            {
                "id": conversation_ids,
                "mentorship_id": [r[1] for r in rows],
                "kind": [r[2] for r in rows],
                "day": [(dt.date(1970, 1, 1) + dt.timedelta(days=r[3])).isoformat() for r in rows],
                "note": [r[4] for r in rows],
                "logged_by_id": [self.uid(r[5]) for r in rows],
                "created_at": self.t.exact([r[0] for r in rows]),
            },
        )

    def write_check_ins(self, ids: list[int]) -> None:
        rows: list[tuple[int, int, int, int, str]] = []  # (when, mid, author row, rating, note)
        for mid, pair in zip(ids, self.s.pairs, strict=True):
            if pair.status != MentorshipStatus.ACTIVE or pair.started is None:
                continue
            if self.a - pair.started < 10 * DAY or self.rng.random() >= 0.5:
                continue
            for _ in range(int(self.rng.integers(1, 3))):
                author = pair.mentor if self.rng.random() < 0.5 else pair.mentee
                rating = 1 + int(self.rng.choice(5, p=_CHECK_IN_P))
                when = int(self.rng.integers(pair.started + 7 * DAY, self.a))
                rows.append((when, mid, author, rating, self.s.pick(_CHECK_IN_NOTES[rating])))
        rows.sort()
        first = _next_id(CheckIn)
        for k, (when, _mid, author, _, _) in enumerate(rows):
            self.events.append(
                ActivityEvent(
                    user_id=int(self.p.ids[author]),
                    kind=ActivityKind.MENTOR_CHECK_IN,
                    occurred_at=dt.datetime.fromtimestamp(when, dt.UTC),
                    ref_type="mentorship.checkin",
                    ref_id=first + k,
                )
            )
        self.w.insert(
            CheckIn,
            {
                "id": list(range(first, first + len(rows))),
                "mentorship_id": [r[1] for r in rows],
                "author_id": [int(self.p.ids[r[2]]) for r in rows],
                "rating": [r[3] for r in rows],
                "note": [r[4] for r in rows],
                "created_at": self.t.exact([r[0] for r in rows]),
            },
        )

    def write_flags_and_tickets(self, ids: list[int]) -> None:
        """Two open flags (one immediate) and two open tickets on generated mentorships,
        plus a few resolved or closed ones as the community grows."""
        s = self.s
        active = [
            (mid, p)
            for mid, p in zip(ids, s.pairs, strict=True)
            if p.status == MentorshipStatus.ACTIVE and p.script is None and p.started
        ]
        if not active:
            return
        staff = User.objects.filter(username="demo-staff").values_list("pk", flat=True).first()
        n_resolved = round(0.005 * len(active))
        picks = self.rng.choice(len(active), min(len(active), 2 + n_resolved), replace=False)
        flags: list[tuple[int, int, int, str, str, str, int | None]] = []
        for k, i in enumerate(picks.tolist()):
            mid, pair = active[i]
            topic, priority, note = _FLAGS[k % len(_FLAGS)] if k < 2 else _FLAGS[1 + k % 3]
            when = max(self.a - int(self.uniform_days(0.2, 3 if k < 2 else 60)), pair.started)
            raised = pair.mentor if topic != FlagTopic.NO_CONTACT else pair.mentee
            resolved = None if k < 2 or staff is None else min(when + 6 * HOUR, self.a - 1)
            flags.append((when, mid, raised, topic.value, priority.value, note, resolved))
        first = _next_id(Flag)
        self.w.insert(
            Flag,
            {
                "id": list(range(first, first + len(flags))),
                "created_at": self.t.exact([f[0] for f in flags]),
                "updated_at": self.t.exact([f[6] or f[0] for f in flags]),
                "mentorship_id": [f[1] for f in flags],
                "raised_by_id": [int(self.p.ids[f[2]]) for f in flags],
                "topic": [f[3] for f in flags],
                "priority": [f[4] for f in flags],
                "note": [f[5] for f in flags],
                "resolved_at": self.t.nullable([f[6] for f in flags]),
                "resolved_by_id": [staff if f[6] else None for f in flags],
            },
        )
        n_closed = round(0.004 * len(active))
        picks = self.rng.choice(len(active), min(len(active), 2 + n_closed), replace=False)
        tickets: list[tuple[int, int, int | None, str, str, int | None]] = []
        for k, i in enumerate(picks.tolist()):
            mid, pair = active[i]
            opener = pair.mentee if k % 2 == 0 else pair.mentor
            when = max(self.a - int(self.uniform_days(0.3, 4 if k < 2 else 90)), pair.started)
            linked = k != 1
            subject = f"Can't get in touch (mentorship #{mid})" if linked else "Talk to staff"
            closed = None if k < 2 else min(when + DAY, self.a - 1)
            body = _TICKET_BODIES[k % len(_TICKET_BODIES)]
            tickets.append((when, opener, mid if linked else None, subject, body, closed))
        first = _next_id(StaffTicket)
        self.w.insert(
            StaffTicket,
            {
                "id": list(range(first, first + len(tickets))),
                "created_at": self.t.exact([t[0] for t in tickets]),
                "updated_at": self.t.exact([t[5] or t[0] for t in tickets]),
                "opened_by_id": [int(self.p.ids[t[1]]) for t in tickets],
                "mentorship_id": [t[2] for t in tickets],
                "subject": [t[3] for t in tickets],
                "body": [t[4] for t in tickets],
                "status": [
                    TicketStatus.CLOSED.value if t[5] else TicketStatus.OPEN.value for t in tickets
                ],
                "closed_at": self.t.nullable([t[5] for t in tickets]),
            },
        )

    def uniform_days(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi)) * DAY

    # -- requests and the matching run --

    def write_requests(self) -> int:
        reqs = self.s.requests
        first = _next_id(MentorRequest)
        ids = list(range(first, first + len(reqs)))
        self.w.insert(
            MentorRequest,
            {
                "id": ids,
                "created_at": self.t.exact([r.created for r in reqs]),
                "updated_at": self.t.exact([r.closed or r.created for r in reqs]),
                "mentee_id": [self.uid(r.mentee) for r in reqs],
                "goal": [r.goal for r in reqs],
                "status": [r.status.value for r in reqs],
                "closed_at": self.t.nullable([r.closed for r in reqs]),
            },
        )
        flat = [
            (rid, req, rank, t)
            for rid, req in zip(ids, reqs, strict=True)
            for rank, t in enumerate(req.targets, start=1)
        ]
        first_target = _next_id(RequestTarget)
        self.w.insert(
            RequestTarget,
            {
                "id": list(range(first_target, first_target + len(flat))),
                "request_id": [f[0] for f in flat],
                "mentee_id": [self.uid(f[1].mentee) for f in flat],
                "mentor_id": [self.uid(f[3].mentor) for f in flat],
                "rank": [f[2] for f in flat],
                "status": [f[3].status.value for f in flat],
                "sent_at": self.t.nullable([f[3].sent for f in flat]),
                "expires_at": self.t.nullable([f[3].expires for f in flat]),
                "reminders_sent": [f[3].reminders for f in flat],
                "responded_at": self.t.nullable([f[3].responded for f in flat]),
                "decline_reason": [f[3].reason for f in flat],
            },
        )
        return sum(r.status == RequestStatus.OPEN for r in reqs)

    def write_match_run(self, ids: list[int]) -> None:
        """The auto-pairing run that published the proposals now waiting for mentors."""
        proposed = [
            (mid, p)
            for mid, p in zip(ids, self.s.pairs, strict=True)
            if p.status == MentorshipStatus.PROPOSED
        ]
        if not proposed:
            return
        run_id = _next_id(MatchRun)
        at = self.s.run_at
        cfg = self.s.cfg
        weights = {
            "topic": cfg.weight_topic,
            "language": cfg.weight_language,
            "availability": cfg.weight_availability,
            "text": cfg.weight_text,
            "load": cfg.weight_load,
        }
        unmatched, with_room = self.s.pools_at(at)
        self.w.insert(
            MatchRun,
            {
                "id": [run_id],
                "created_at": self.t.exact([at]),
                "updated_at": self.t.exact([at]),
                "started_by_id": [None],
                "status": [MatchRunStatus.PUBLISHED.value],
                "n_mentees": [unmatched],
                "n_mentors": [with_room],
                "n_proposals": [len(proposed)],
                "total_score": [round(sum(p.score or 0.0 for _, p in proposed), 1)],
                "seconds": [round(0.05 + 1e-5 * unmatched, 3)],
                "weights": [json.dumps(weights)],
                "decided_at": self.t.nullable([at]),
                "decided_by_id": [None],
            },
        )
        first = _next_id(MatchProposal)
        self.w.insert(
            MatchProposal,
            {
                "id": list(range(first, first + len(proposed))),
                "run_id": [run_id] * len(proposed),
                "mentee_id": [self.uid(p.mentee) for _, p in proposed],
                "mentor_id": [self.uid(p.mentor) for _, p in proposed],
                "score": [p.score or 0.0 for _, p in proposed],
                "explanation": [json.dumps(p.explanation) for _, p in proposed],
                "mentorship_id": [mid for mid, _ in proposed],
                "skipped_reason": [""] * len(proposed),
            },
        )

    def reset_sequences(self) -> None:
        """PostgreSQL: move each sequence past the explicit ids (SQLite follows by itself)."""
        statements = connection.ops.sequence_reset_sql(
            no_style(),
            [
                Mentorship,
                Message,
                Conversation,
                CheckIn,
                Flag,
                StaffTicket,
                MentorRequest,
                RequestTarget,
                MatchRun,
                MatchProposal,
            ],
        )
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


def loaded_tables() -> list[str]:
    """Tables this module bulk-writes (for ``generator.sqlite_bulk_load``'s final check)."""
    through = MentorProfile._meta.get_field("specialties")
    tables = [
        m._meta.db_table
        for m in (
            MentorProfile,
            MenteeProfile,
            MentorRequest,
            RequestTarget,
            MatchRun,
            MatchProposal,
            Mentorship,
            Message,
            Conversation,
            CheckIn,
            Flag,
            StaffTicket,
        )
    ]
    if isinstance(through, models.ManyToManyField) and through.remote_field.through is not None:
        tables.append(through.remote_field.through._meta.db_table)
    return tables
