"""The demo community's past: the ladder lived through week by week, so awards carry the
dates their activity earned them.

``seed_demo`` (the command) calls :func:`seed_history` after the people, their year of
activity, the demo logins and the mentoring data exist, and before the rooms (whose locks
read the awards). It

1. gives a few people a **career**: activity shaped so that, between them, every rung of the
   ladder is reached in every band where it exists (Mentor Leader and Ambassador are for
   adults), a Level 4 listener who went quiet is in a grace period, a new Group Support
   Mentor owes Global Mod training next week, and some applications wait in the review
   queue. Generated people get plain activity events; the demo logins get activity a page
   lists record by record (group sessions they hosted, with participants and their
   feedback; mock chats; trainings), so their dashboard counts match those pages;
2. evaluates the ladder **as of each week** of the history (``batch.run(now=...)``, for the
   people who had joined by then), and in between lets the careers apply for roles and
   demo-staff (or, once she holds Mentor Leader, demo-ambassador for adults) approve them
   through the progression services, on a simulated clock: tenure counts from those dates;
3. runs the buddy program's daily job (``buddies.upkeep``) over the last weeks, and pairs
   record their two-week check-in before it falls due, except two pairs whose check-in
   fell due in the last week (overdue); the pairs of the last two weeks are due in the
   coming days.

Deterministic for a seed and anchor. The weekly evaluation is the cost: about a minute at
the small size; bigger sizes evaluate every ``coarse_days`` until the last five weeks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import heapq
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final
from unittest import mock

import numpy as np
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from peerpath.accounts.models import AccountType, Profile, User
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.services import record_activities_bulk
from peerpath.core.errors import Refused
from peerpath.demo.generator import (
    DEMO_LOGINS,
    KIND_VALUES,
    BulkWriter,
    EventBatch,
)
from peerpath.feedback.models import ContextKind, Feedback
from peerpath.feedback.services import release_feedback
from peerpath.progression import facts as facts_mod
from peerpath.progression import ladder, ladder_roles, rules
from peerpath.progression.models import Achievement, Application, BuddyPair, Training
from peerpath.progression.services import applications, awards, batch, buddies, mock_chats
from peerpath.rooms.models import (
    Participation,
    Room,
    RoomCategory,
    RoomMessage,
    RoomSession,
    SessionKind,
)
from peerpath.training.models import Cohort, Enrollment, Program

DAY: Final = 86_400
_STREAM_HISTORY: Final = 9  # generator 1-3, mentorship 4, rooms 5, feedback 8
WEEK_DAYS: Final = 7
FINE_DAYS: Final = 35  # the last five weeks are always evaluated weekly
PARTICIPATION_REF: Final = "rooms.participation"
SESSION_REF: Final = "rooms.session"
APPLY_AFTER: Final = dt.timedelta(days=1, hours=3)  # after the week's evaluation
DECIDE_AFTER: Final = dt.timedelta(days=2, hours=1)
TRAINING_AFTER_GRANT: Final = dt.timedelta(days=6)
BUDDY_DAYS: Final = 28  # the buddy job runs daily this many days before the anchor
BUDDY_HOUR: Final = 0  # at midnight UTC: a check-in due after the anchor is due after the seed day
OVERDUE_PAIRS: Final = 2  # whose check-in fell due in the last week and is not recorded
OVERDUE_FROM: Final = dt.timedelta(days=7)
CHECK_IN_NOTES: Final = (
    "We talked through my first weeks: what went well, and who to ask when a chat gets hard.",
    "A good half hour on video. We agreed I step back from the late rooms for a while.",
    "Talked about closing a room gently when people want to keep going. Useful tips.",
    "Quick check-in by chat: all fine, a question about reports answered.",
    "We went through a heavy session from last week; I feel steadier about the next one.",
)

CM = ladder_roles.CHATROOM_MODERATOR
SCH = ladder_roles.SHARING_CIRCLE_HOST
GSM = ladder_roles.GROUP_SUPPORT_MENTOR
ML = ladder_roles.MENTOR_LEADER
AMB = ladder_roles.AMBASSADOR
TRACK_I: Final = "Track I: building and leading support teams"
TRACK_II: Final = "Track II: quality of the group chats"

STATEMENTS: Final = {
    SCH: "I have been in the sharing circles most weeks and would like to open and close "
    "them: keeping turns fair and making sure quieter people get their moment.",
    CM: "I spend most evenings in the group rooms and already step in when a chat gets "
    "heated. I would like the tools to keep the rooms safe and welcoming.",
    GSM: "Moderating has taught me how much a team needs support. I would like to mentor "
    "new Room Supporters and moderators and look after the quality of our chats.",
    ML: "I have mentored our moderators for a few months and would like to lead a small "
    "team on the newcomers' sub-project and keep its support high quality.",
    AMB: "I would like to help our Mentor Leaders get what they need: resources, training "
    "time and a place to bring the hard questions from their teams.",
}


@dataclass(frozen=True, slots=True)
class Rung:
    """A role a career applies for: as soon as eligible, but not before ``apply_from``
    days before the anchor; ``decide=False`` leaves the application in the review queue;
    ``decided_days`` has the review take until that many days before the anchor."""

    slug: str
    apply_from: int | None = None
    decide: bool = True
    track: str = ""
    decided_days: int | None = None  # the decision comes this many days before the anchor


@dataclass(frozen=True, slots=True)
class Career:
    """Someone whose activity is shaped for a story. ``who`` is a demo login's username or
    a label for a generated listener picked by band and time here."""

    who: str
    band: str  # adult | teen
    min_days: int  # joined at least this long before the anchor
    leader: bool = False  # group chats, help guides, reviews, hosted sessions
    listener: bool = False  # one-to-one chats, reviews, a mock chat, a training
    rungs: tuple[Rung, ...] = ()
    quiet_days: int = 0  # no one-to-one chats in the last this-many days
    global_mod: bool = False  # completes Global Mod training after becoming a GSM

    @property
    def login(self) -> bool:
        return self.who.startswith("demo-")


CAREERS: Final[tuple[Career, ...]] = (
    Career("demo-ambassador", "adult", 480, leader=True,
           rungs=(Rung(CM), Rung(GSM, track=TRACK_I), Rung(ML), Rung(AMB)), global_mod=True),
    Career("demo-moderator", "adult", 360, leader=True,
           rungs=(Rung(CM), Rung(GSM, apply_from=7, decide=False, track=TRACK_II))),
    Career("adult mentor leader", "adult", 330, leader=True,
           rungs=(Rung(CM), Rung(GSM, track=TRACK_II), Rung(ML)), global_mod=True),
    Career("adult new group support mentor", "adult", 200, leader=True,
           rungs=(Rung(CM), Rung(GSM, apply_from=14, track=TRACK_I, decided_days=9))),
    Career("adult sharing circle host", "adult", 150, leader=True, rungs=(Rung(SCH),)),
    Career("adult moderator applicant", "adult", 130, leader=True,
           rungs=(Rung(CM, apply_from=7, decide=False),)),
    Career("adult listener guide", "adult", 330, listener=True),
    Career("adult listener guide gone quiet", "adult", 330, listener=True, quiet_days=24),
    Career("teen star", "teen", 250, leader=True,
           rungs=(Rung(CM), Rung(GSM, track=TRACK_II)), global_mod=True),
    Career("teen moderator", "teen", 180, leader=True, rungs=(Rung(CM),)),
    Career("teen sharing circle host", "teen", 150, leader=True, rungs=(Rung(SCH),)),
    Career("teen host applicant", "teen", 130, leader=True,
           rungs=(Rung(SCH, apply_from=7, decide=False),)),
    Career("teen listener guide", "teen", 330, listener=True),
)  # fmt: skip

# Activity per day of a career (from the day after joining): enough to reach each rung's
# bar soon after its tenure allows.
LEADER_RATES: Final = {
    ActivityKind.GROUP_CHAT: 0.75,
    ActivityKind.HELP_GUIDE_COMPLETED: 0.3,
    ActivityKind.ONE_TO_ONE_CHAT: 0.25,
    ActivityKind.REVIEW_POSITIVE: 0.12,  # demo logins: feedback from their sessions instead
    ActivityKind.SESSION_HOSTED: 1 / 7,  # demo logins: real sessions instead
}
LISTENER_RATES: Final = {
    ActivityKind.ONE_TO_ONE_CHAT: 1.25,
    ActivityKind.REVIEW_POSITIVE: 0.15,
    ActivityKind.GROUP_CHAT: 0.1,
}
HELP_GUIDES_MAX: Final = 60
MOCK_CHAT_DAY: Final = 45  # days after joining
ONBOARDING_DAY: Final = 30
# Support sessions two demo logins hosted (days before the anchor, responses given): a
# response counts as a review only once released in a batch of k (5) responses, as
# give_feedback releases them. demo-listener: five released about 144 days ago (their
# reviews for Listener Level 1), three waiting for two more; demo-mentor: five released six
# weeks ago (the feedback demo adds their mentee's).
LOGIN_SESSIONS: Final = {
    "demo-listener": ((200, 2), (172, 0), (144, 3), (116, 0), (88, 3)),
    "demo-mentor": tuple((d, int(d % 14 == 0 and d > 28)) for d in range(98, 14, -7)),
}
LISTENER_MOCK_CHAT_DAYS: Final = 35
SESSION_MINUTES: Final = 45
# The rooms demo writes the recent sessions and chat (its messages start about a week
# before the anchor); the history's sessions end before, so message ids follow time order.
RECENT: Final = dt.timedelta(days=14)
PARTICIPANTS: Final = 3
FEEDBACK_SHARE: Final = 0.8
FEEDBACK_COMMENTS: Final = (
    "Thank you for making space for everyone tonight.",
    "I came in anxious and left calmer. The check-in round helped.",
    "You noticed I was quiet and gave me room without pushing.",
    "Kind and steady, even when the room got heavy.",
    "Good pace. I liked the short grounding exercise at the start.",
    "I felt listened to, not fixed.",
    "Clear about the room's guidelines without being strict about it.",
    "",
    "The way you closed the session made it easy to come back next week.",
    "Helped me say something I had not said out loud before.",
)
# What is said in the replayed sessions (the rooms service credits a group chat to whoever
# writes in a session, so everyone credited wrote something).
HOST_OPENINGS: Final = (
    "Welcome, everyone. Take your time settling in; reading along is fine too.",
    "Hi all, good to see familiar names and new ones. How is everyone arriving tonight?",
    "Evening, everyone. One word each for how the week has been, whenever you're ready.",
    "Welcome in. The usual reminder: what's shared here stays here.",
)
PARTICIPANT_LINES: Final = (
    "Hi everyone, glad to be here tonight.",
    "Long week at work, it's nice to slow down for an hour.",
    "Thanks for running this, it helps to hear how others are doing.",
    "Mostly listening today, but hello.",
    "A better week than last time. Small steps.",
    "Good to be back. I missed last week.",
    "Tired but okay. Looking forward to the weekend.",
    "Hello! First time here, I'll mostly read for now.",
)
SESSION_TITLES: Final = (
    "Evening support circle",
    "Midweek check-in",
    "Talk it through: a supported hour",
    "Sunday reset",
)


@dataclass(slots=True)
class Person:
    career: Career
    user: User
    joined: dt.datetime
    next_rung: int = 0
    waiting_until: dt.datetime | None = None  # an application is on its way


@dataclass(slots=True)
class HistorySummary:
    steps: int = 0
    awards: int = 0
    applications: int = 0
    approved: int = 0
    pending: int = 0
    buddy_pairs: int = 0
    check_ins: int = 0
    sessions: int = 0
    feedback: int = 0
    seconds: float = 0.0
    experiment: str = ""
    careers: dict[str, str] = field(default_factory=dict)  # label -> username

    def line(self) -> str:
        return (
            f"History: ladder evaluated at {self.steps} instants, {self.awards:,} award "
            f"changes; {self.applications} applications ({self.approved} approved, "
            f"{self.pending} pending), {self.buddy_pairs} buddy pairs ({self.check_ins} "
            f"checked in), {self.sessions} hosted sessions with {self.feedback} feedback "
            f"({self.seconds:.1f} s). {self.experiment}"
        )


@contextlib.contextmanager
def simulated_clock(when: dt.datetime) -> Iterator[None]:
    """The product's services as if it were ``when``: every ``timezone.now()`` answers it
    (auto timestamps, deadlines, notices). Only for replaying the demo's past."""
    with mock.patch.object(timezone, "now", return_value=when):
        yield


# --- Choosing people -----------------------------------------------------------------------


def _pick_people(rng: np.random.Generator, anchor: dt.datetime) -> list[Person]:
    """Each career's person: the demo login, or a generated listener who stays in the
    career's band from joining until a month after the anchor. Demo logins, mentors and
    people already chosen are skipped."""
    logins = {u.username: u for u in User.objects.filter(username__in=[c.who for c in CAREERS])}
    excluded = set(
        User.objects.filter(username__in=[d.username for d in DEMO_LOGINS]).values_list(
            "pk", flat=True
        )
    )
    excluded |= set(User.objects.filter(groups__isnull=False).values_list("pk", flat=True))
    people: list[Person] = []
    month = dt.timedelta(days=31)
    for career in CAREERS:
        if career.login:
            user = logins.get(career.who)
            if user is not None:
                people.append(Person(career, user, user.date_joined))
            continue
        latest = anchor - dt.timedelta(days=career.min_days)
        qs = User.objects.filter(
            is_active=True,
            account_type=AccountType.LISTENER,
            date_joined__lte=latest,
            suspended_until__isnull=True,
        ).exclude(pk__in=excluded)
        if career.band == "adult":
            qs = qs.filter(adult_from__lte=F("date_joined"))
        else:
            qs = qs.filter(adult_from__gt=anchor + month)
        # English speakers: the sessions, mock chats and rooms of the demo are in English.
        qs = qs.filter(profile__languages__code="en")
        ids = sorted(set(qs.values_list("pk", flat=True)[:2000]))
        if not ids:
            continue
        chosen = int(ids[int(rng.integers(0, len(ids)))])
        excluded.add(chosen)
        user = User.objects.get(pk=chosen)
        people.append(Person(career, user, user.date_joined))
    return people


# --- Activity --------------------------------------------------------------------------------


def _times(
    rng: np.random.Generator, start: float, end: float, per_day: float, limit: int = 0
) -> np.ndarray:
    """Evenly paced instants (epoch seconds) from ``start`` to ``end`` at ``per_day``, each
    jittered within its slot."""
    if end <= start or per_day <= 0:
        return np.empty(0, np.int64)
    slot = DAY / per_day
    n = int((end - start) // slot)
    if limit:
        n = min(n, limit)
    at = start + (np.arange(n) + rng.uniform(0.1, 0.9, n)) * slot
    return at.astype(np.int64)


def _plain_events(
    rng: np.random.Generator, person: Person, anchor: dt.datetime
) -> list[tuple[int, int]]:
    """(kind index, epoch seconds) of a career's activity that no page lists one by one."""
    career = person.career
    start = person.joined.timestamp() + DAY
    end = anchor.timestamp() - 3600
    rates: dict[ActivityKind, float] = {}
    if career.leader:
        rates.update(LEADER_RATES)
    if career.listener:
        for kind, rate in LISTENER_RATES.items():
            rates[kind] = rates.get(kind, 0.0) + rate
    out: list[tuple[int, int]] = []
    for kind, rate in rates.items():
        if career.login and kind in (ActivityKind.REVIEW_POSITIVE, ActivityKind.SESSION_HOSTED):
            continue  # real sessions and feedback (see _sessions)
        stop = end
        if kind == ActivityKind.ONE_TO_ONE_CHAT and career.quiet_days:
            stop = end - career.quiet_days * DAY
        limit = HELP_GUIDES_MAX if kind == ActivityKind.HELP_GUIDE_COMPLETED else 0
        index = KIND_VALUES.index(kind.value)
        out += [(index, int(t)) for t in _times(rng, start, stop, rate, limit).tolist()]
    return out


def _write_plain(people: list[Person], rng: np.random.Generator, anchor: dt.datetime) -> int:
    users: list[int] = []
    kinds: list[int] = []
    when: list[int] = []
    for person in people:
        for kind, at in _plain_events(rng, person, anchor):
            users.append(person.user.pk)
            kinds.append(kind)
            when.append(at)
    if not users:
        return 0
    writer = BulkWriter(connection)
    return writer.insert_events(
        EventBatch(np.array(users, np.int64), np.array(kinds, np.int8), np.array(when, np.int64))
    )


def _session_room(band: str) -> Room | None:
    return (
        Room.objects.filter(
            band=band,
            category=RoomCategory.MEMBER_SUPPORT,
            language="en",
            is_active=True,
            opens_at__isnull=True,
        )
        .filter(lock_criteria={})
        .order_by("sort_order", "pk")
        .first()
    )


def _participant_pool(band: str, anchor: dt.datetime, exclude: set[int]) -> list[User]:
    """English speakers who stay in ``band`` for the whole history (adults) or the last
    year (teens)."""
    qs = User.objects.filter(is_active=True, suspended_until__isnull=True).exclude(pk__in=exclude)
    if band == "adult":
        qs = qs.filter(adult_from__lte=anchor - dt.timedelta(days=560))
    else:
        qs = qs.filter(
            teen_from__lte=anchor - dt.timedelta(days=370),
            adult_from__gt=anchor + dt.timedelta(days=31),
        )
    ids = Profile.languages.through.objects.filter(
        language__code="en", profile__user__in=qs
    ).values_list("profile_id", flat=True)
    return list(User.objects.filter(pk__in=list(ids)).order_by("date_joined", "pk")[:400])


def _sessions(
    rng: np.random.Generator,
    person: Person,
    anchor: dt.datetime,
    summary: HistorySummary,
    said: list[RoomMessage],
    given: list[tuple[dt.datetime, int]],
) -> None:
    """Support sessions a demo login hosted, with participants (group chats for them), the
    host's ``session_hosted`` and feedback from some participants: the rows the rooms and
    feedback services would have written. Each response's (time, listener) goes to
    ``given``: the replay releases the waiting responses then, as ``give_feedback`` does
    (a response becomes a review only when released)."""
    career = person.career
    band = career.band
    room = _session_room(band)
    if room is None:
        return
    if career.who in LOGIN_SESSIONS:
        plan = [(anchor - dt.timedelta(days=d), fb) for d, fb in LOGIN_SESSIONS[career.who]]
    else:
        first = person.joined + dt.timedelta(days=14)
        days = int((anchor - first).days // 7)
        plan = [
            (first + dt.timedelta(days=7 * k), int(rng.random() < FEEDBACK_SHARE))
            for k in range(days)
        ]
    pool = _participant_pool(band, anchor, {person.user.pk})
    joined = np.array([u.date_joined.timestamp() for u in pool])
    used: set[int] = set()  # feedback authors so far: one response each
    events: list[ActivityEvent] = []
    for n, (day, responses) in enumerate(plan):
        starts = day.replace(hour=18, minute=0, second=0, microsecond=0)
        here = int(np.searchsorted(joined, starts.timestamp()))  # the pool is by join date
        if starts >= anchor - RECENT or here < PARTICIPANTS:
            continue
        ends = starts + dt.timedelta(minutes=SESSION_MINUTES)
        session = RoomSession.objects.create(
            room=room,
            kind=SessionKind.SUPPORT_SESSION,
            title=SESSION_TITLES[n % len(SESSION_TITLES)],
            host=person.user,
            starts_at=starts,
            ends_at=ends,
            started_at=starts,
            ended_at=ends,
            created_by=person.user,
        )
        RoomSession.objects.filter(pk=session.pk).update(
            created_at=starts - dt.timedelta(days=5), updated_at=ends
        )
        summary.sessions += 1
        events.append(
            ActivityEvent(
                user=person.user,
                kind=ActivityKind.SESSION_HOSTED,
                occurred_at=ends,
                ref_type=SESSION_REF,
                ref_id=session.pk,
            )
        )
        came = [int(i) for i in rng.choice(here, PARTICIPANTS, replace=False)]
        speakers = [
            (person.user, starts + dt.timedelta(minutes=1), HOST_OPENINGS[n % len(HOST_OPENINGS)])
        ]
        for k, row in enumerate(came):
            line = PARTICIPANT_LINES[(n + 3 * k) % len(PARTICIPANT_LINES)]
            speakers.append((pool[row], starts + dt.timedelta(minutes=2 + 3 * k), line))
        for user, joined_at, line in speakers:
            said.append(
                RoomMessage(
                    room=room, sender=user, session=session, body=line, created_at=joined_at
                )
            )
            part = Participation.objects.create(
                user=user, room=room, session=session, day=joined_at.date(), created_at=joined_at
            )
            events.append(
                ActivityEvent(
                    user=user,
                    kind=ActivityKind.GROUP_CHAT,
                    occurred_at=joined_at,
                    ref_type=PARTICIPATION_REF,
                    ref_id=part.pk,
                )
            )
        fresh = [row for row in came if row not in used]
        for k, row in enumerate(fresh[:responses]):
            used.add(row)
            fb = Feedback.objects.create(
                listener=person.user,
                author=pool[row],
                rating=int(rng.choice([5, 5, 5, 4, 4])),
                comment=FEEDBACK_COMMENTS[(n + 4 * k) % len(FEEDBACK_COMMENTS)],
                context_kind=ContextKind.SESSION,
                context_id=session.pk,
                created_at=min(
                    ends + dt.timedelta(hours=1 + int(rng.integers(0, 30))),
                    anchor - dt.timedelta(minutes=5),
                ),
            )
            summary.feedback += 1
            given.append((fb.created_at, person.user.pk))
    record_activities_bulk(events)


# --- The weekly replay ------------------------------------------------------------------------


@dataclass(order=True, slots=True)
class Action:
    when: dt.datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


def _steps(first: dt.datetime, anchor: dt.datetime, coarse_days: int) -> list[dt.datetime]:
    """Evaluation instants from a week after ``first`` to the anchor: every ``coarse_days``
    and weekly over the last ``FINE_DAYS``."""
    steps: list[dt.datetime] = []
    at = anchor
    fine_from = anchor - dt.timedelta(days=FINE_DAYS)
    while at > first:
        steps.append(at)
        at -= dt.timedelta(days=WEEK_DAYS if at > fine_from else coarse_days)
    return steps[::-1]


def _eligible(rule: rules.Rule, user_ids: list[int], now: dt.datetime) -> set[int]:
    """Who among ``user_ids`` meets ``rule`` as of ``now`` (facts as of then, awards as
    the replay has written them so far)."""
    if not user_ids:
        return set()
    facts, _ = facts_mod.load([rule], now=now, user_ids=user_ids)
    met = rules.evaluate(rule.criteria, facts).met & rules.in_audience(rule.audience, facts)
    return {int(i) for i in facts.user_ids[met].tolist()}


@dataclass(slots=True)
class Replay:
    anchor: dt.datetime
    staff: User
    summary: HistorySummary
    rng: np.random.Generator
    actions: list[Action] = field(default_factory=list)
    seq: int = 0
    overdue_left: int = OVERDUE_PAIRS

    def later(self, when: dt.datetime, run: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.actions, Action(when, self.seq, run))

    def due(self, until: dt.datetime) -> None:
        """Run the actions due by ``until`` in time order (including those they schedule),
        each on its own clock."""
        while self.actions and self.actions[0].when <= until:
            action = heapq.heappop(self.actions)
            with simulated_clock(action.when), transaction.atomic():
                action.run()

    def reviewer_for(self, person: Person) -> User:
        """demo-ambassador reviews adults' applications once she is a Mentor Leader."""
        ambassador: User | None = User.objects.filter(username="demo-ambassador").first()
        if (
            ambassador is not None
            and person.career.band == "adult"
            and person.user.pk != ambassador.pk
            and Achievement.objects.filter(
                slug=ML, awards__user=ambassador, awards__state="active"
            ).exists()
        ):
            return ambassador
        return self.staff

    def apply(self, person: Person, rung: Rung, at: dt.datetime) -> None:
        achievement = Achievement.objects.get(slug=rung.slug)
        summary = self.summary

        def _apply() -> None:
            applied = applications.apply_for_role(
                user=person.user,
                achievement=achievement,
                statement=STATEMENTS[rung.slug],
                track=rung.track,
            )
            summary.applications += 1
            if rung.decide:
                when = at + (DECIDE_AFTER - APPLY_AFTER)
                if rung.decided_days is not None:
                    when = max(when, self.anchor - dt.timedelta(days=rung.decided_days))
                self.later(when, lambda: _decide(applied.application))
            else:
                summary.pending += 1

        def _decide(application: Application) -> None:
            applications.decide_application(
                application=application,
                reviewer=self.reviewer_for(person),
                approve=True,
                note="Welcome to the team.",
            )
            summary.approved += 1
            person.next_rung += 1
            person.waiting_until = None
            if rung.slug == GSM and person.career.global_mod:
                when = timezone.now() + TRAINING_AFTER_GRANT
                self.later(when, lambda: _train(person.user, "global-mod"))

        self.later(at, _apply)


def _train(user: User, slug: str) -> None:
    """``user`` completes a training now. A demo login does it in a cohort of the training
    program (closed since), so /training/ shows what their dashboard counts."""
    training = Training.objects.filter(slug=slug).first()
    if training is None:
        return
    now = timezone.now()
    program = Program.objects.filter(training=training, is_active=True).first()
    if program is not None and user.username in {d.username for d in DEMO_LOGINS}:
        band = "teen" if user.is_teen else "adult"
        opens = now - dt.timedelta(days=20)
        cohort = Cohort.objects.create(
            program=program,
            name=f"{program.name} · {band} cohort, {opens:%B %Y}",
            band=band,
            opens_at=opens,
            closes_at=now + dt.timedelta(days=8),
        )
        Enrollment.objects.create(
            program=program,
            cohort=cohort,
            user=user,
            enrolled_at=opens + dt.timedelta(hours=5),
            completed_at=now,
        )
    awards.record_training_completed(user=user, training=training, at=now)


def _release_feedback(listener_id: int) -> None:
    """A response was just given: release the listener's waiting ones if k are waiting
    (what ``give_feedback`` does after saving one)."""
    release_feedback(now=timezone.now(), listener_id=listener_id)


def _mock_chat(assessor: User, listener: User, held_on: dt.date) -> None:
    mock_chats.record_mock_chat(
        assessor=assessor,
        listener=listener,
        held_on=held_on,
        passed=True,
        notes="Warm opening, good open questions, ended the chat with a clear next step.",
    )


def _schedule_listener_steps(replay: Replay, people: list[Person]) -> None:
    """A passed mock chat (with demo-mentor or demo-teen-mentor) and Listener onboarding
    for the listener careers, and demo-listener's mock chat five weeks ago."""
    assessors = {
        u.username: u for u in User.objects.filter(username__in=["demo-mentor", "demo-teen-mentor"])
    }
    for person in people:
        if not person.career.listener:
            continue
        done = person.joined + dt.timedelta(days=ONBOARDING_DAY)
        replay.later(done, functools.partial(_train, person.user, "listener-onboarding"))
        assessor = assessors.get(
            "demo-mentor" if person.career.band == "adult" else "demo-teen-mentor"
        )
        if assessor is None:
            continue
        # With a mentor who was here by then.
        held = max(person.joined, assessor.date_joined) + dt.timedelta(days=MOCK_CHAT_DAY)
        if held < replay.anchor - dt.timedelta(days=2):
            at = held.replace(hour=13, minute=0, second=0, microsecond=0)
            replay.later(at, functools.partial(_mock_chat, assessor, person.user, at.date()))
    listener = User.objects.filter(username="demo-listener").first()
    mentor = assessors.get("demo-mentor")
    if listener is not None and mentor is not None:
        at = (replay.anchor - dt.timedelta(days=LISTENER_MOCK_CHAT_DAYS)).replace(hour=13)
        replay.later(at, lambda: _mock_chat(mentor, listener, at.date()))


def _buddy_days(replay: Replay) -> None:
    """The buddy program's daily job over the last ``BUDDY_DAYS`` (each day's new pairs
    plan their check-in)."""
    anchor = replay.anchor
    for days in range(BUDDY_DAYS, 0, -1):
        when = anchor - dt.timedelta(days=days) + dt.timedelta(hours=BUDDY_HOUR)
        replay.later(when, functools.partial(_buddy_day, replay))


def _buddy_day(replay: Replay) -> None:
    done = buddies.upkeep(timezone.now())
    replay.summary.buddy_pairs += len(done.paired)
    for pair in done.paired:
        _plan_check_in(replay, pair)


def _plan_check_in(replay: Replay, pair: BuddyPair) -> None:
    """A new pair records its check-in before it falls due (which frees the buddy's place
    for the next newcomer), unless it is due after the anchor (due in the coming days) or
    is one of the ``OVERDUE_PAIRS`` first pairs due in the last week (overdue)."""
    anchor, due = replay.anchor, pair.check_in_due
    if due > anchor:
        return
    if due > anchor - OVERDUE_FROM and replay.overdue_left > 0:
        replay.overdue_left -= 1
        return
    rng = replay.rng
    at = due - dt.timedelta(hours=float(rng.uniform(2, 96)))
    at = max(at, pair.created_at + dt.timedelta(days=1))
    writer = pair.newcomer if rng.random() < 0.5 else pair.buddy
    note = CHECK_IN_NOTES[int(rng.integers(0, len(CHECK_IN_NOTES)))]
    replay.later(at, functools.partial(_check_in, replay, pair, writer, note))


def _check_in(replay: Replay, pair: BuddyPair, writer: User, note: str) -> None:
    try:
        buddies.record_check_in(pair=pair, user=writer, note=note)
    except Refused:
        return  # ended meanwhile (a birthday crossed bands): nothing to record
    replay.summary.check_ins += 1


def seed_history(
    *,
    seed: int,
    anchor: dt.datetime,
    coarse_days: int = WEEK_DAYS,
    progress: Callable[[str], None] | None = None,
) -> HistorySummary:
    """Shape the careers, then replay the ladder over the history (see the module
    docstring). Idempotent: does nothing when the ladder has already been evaluated."""
    started = time.perf_counter()
    summary = HistorySummary()
    from peerpath.progression.models import EvaluationRun

    if EvaluationRun.objects.exists():
        return summary
    staff = User.objects.filter(username="demo-staff").first()
    if staff is None:
        raise ValueError("seed the demo logins first (demo-staff reviews the applications)")
    rng = np.random.default_rng([seed, _STREAM_HISTORY])
    people = _pick_people(rng, anchor)
    summary.careers = {p.career.who: p.user.username for p in people}
    given: list[tuple[dt.datetime, int]] = []
    with transaction.atomic():
        _write_plain(people, rng, anchor)
        said: list[RoomMessage] = []
        for person in people:
            if person.career.login and person.career.leader:
                _sessions(rng, person, anchor, summary, said, given)
        for login in User.objects.filter(username__in=list(LOGIN_SESSIONS)).order_by("pk"):
            host = Person(Career(login.username, "adult", 0), login, login.date_joined)
            _sessions(rng, host, anchor, summary, said, given)
        # Message ids follow time order, as live posting writes them.
        RoomMessage.objects.bulk_create(sorted(said, key=lambda m: m.created_at))
    # A nudge experiment over the last year (its outcome chats count on the ladder too).
    from peerpath.demo.experiment import seed_experiment

    summary.experiment = seed_experiment(seed=seed, anchor=anchor).line()
    replay = Replay(anchor=anchor, staff=staff, summary=summary, rng=rng)
    for at, listener_id in given:
        replay.later(at, functools.partial(_release_feedback, listener_id))
    _schedule_listener_steps(replay, people)
    _buddy_days(replay)
    rule_set = {r.slug: r for r in ladder.load_rules()}
    first = User.objects.order_by("date_joined").values_list("date_joined", flat=True).first()
    steps = _steps(first or anchor, anchor, coarse_days)
    for step in steps:
        replay.due(step)
        joined = list(
            User.objects.filter(is_active=True, date_joined__lte=step).values_list("pk", flat=True)
        )
        summary.awards += batch.run(now=step, user_ids=joined).changes
        summary.steps += 1
        _next_applications(replay, people, rule_set, step)
        if progress:
            progress(f"  ladder as of {step:%Y-%m-%d}: {summary.awards:,} changes so far")
    replay.due(anchor)
    summary.seconds = time.perf_counter() - started
    return summary


def _next_applications(
    replay: Replay, people: list[Person], rule_set: dict[str, rules.Rule], now: dt.datetime
) -> None:
    """Careers eligible for their next role as of ``now`` apply a day later."""
    by_slug: dict[str, list[Person]] = {}
    for person in people:
        rungs = person.career.rungs
        if person.next_rung >= len(rungs) or person.waiting_until is not None:
            continue
        rung = rungs[person.next_rung]
        if rung.apply_from is not None and now < replay.anchor - dt.timedelta(days=rung.apply_from):
            continue
        by_slug.setdefault(rung.slug, []).append(person)
    for slug, waiting in by_slug.items():
        ok = _eligible(rule_set[slug], [p.user.pk for p in waiting], now)
        for person in waiting:
            if person.user.pk not in ok:
                continue
            rung = person.career.rungs[person.next_rung]
            at = now + APPLY_AFTER
            if at >= replay.anchor:
                continue
            person.waiting_until = at
            replay.apply(person, rung, at)
