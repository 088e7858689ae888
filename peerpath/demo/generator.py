"""A deterministic, realistic demo community, written in bulk.

Why this module looks the way it does:

* **Deterministic.** Every random draw comes from ``numpy.random.default_rng`` seeded with
  ``(seed, stream, chunk)``, and every time is an offset from an *anchor* instant passed in.
  The same seed, size and anchor on the same starting database give identical rows.
* **Fast at a million users.** Columns are drawn with NumPy a chunk at a time and written
  with the driver's bulk path (``executemany`` on SQLite, ``COPY`` on PostgreSQL), never
  through model instances: the ORM would build ~16 million Python objects for the large size.
  Memory is bounded by the chunk, and each chunk is its own transaction. On SQLite the
  secondary indexes are rebuilt once after the load (see ``sqlite_bulk_load``): the large
  size (1M users, 10M events) takes about 3.5 minutes on a 2-core machine.
* **Faithful where it matters.** ``teen_from`` / ``adult_from`` are the safeguarding
  thresholds, so they are computed with exactly the function the account service uses
  (``ageband.turns_age_at``), once per distinct (date of birth, zone) pair. Generated ages
  keep a few days' margin from the band edges so nobody's band at the anchor depends on which
  side of the date line they live.
* **Real product paths for the logins people use.** The nine fixed demo accounts go through
  ``accounts.services.create_account`` (and ``grant_role``), so they are exactly what sign-up
  would make. Generated members bypass the service: that is the point of a bulk seeder. The
  ladder's roles never do: generated Moderators and Ambassadors get their dated award through
  ``progression.services.awards.grant_many_by_staff`` (``grant_ladder_roles``).

Table and column names come from each model's ``_meta``; rows are written as if the events
had been recorded live (``recorded_at == occurred_at``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
import time
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from peerpath.accounts import policies, services
from peerpath.accounts.ageband import ADULT_AGE, MIN_AGE, turns_age_at
from peerpath.accounts.models import AccountType, Language, Profile, Topic, User
from peerpath.accounts.roles import LADDER_ROLES, Role
from peerpath.accounts.validators import HOURS_PER_WEEK
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.core.bulk import BulkInserter, Epoch, date_strings
from peerpath.progression.selectors.awards import achievements_by_group
from peerpath.progression.services.awards import grant_many_by_staff

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

DEMO_PASSWORD: Final = "peerpath-demo"  # noqa: S105 - published on purpose (make demo)
# Generated people cannot log in. A constant "!"-prefixed string is what Django itself
# stores for unusable passwords; hashing a million random ones would only cost time.
UNUSABLE_PASSWORD: Final = f"{UNUSABLE_PASSWORD_PREFIX}peerpath-demo-generated"
EMAIL_DOMAIN: Final = "example.invalid"

DAY: Final = 86_400
YEAR_DAYS: Final = 365
EPOCH_DATE: Final = dt.date(1970, 1, 1)
# Users per chunk: bounds memory (~10 events each) and the size of one transaction. A
# constant, not derived from the size or the machine, because the chunk number seeds its
# random stream: changing it changes the data.
CHUNK_USERS: Final = 25_000
TEEN_SHARE: Final = 0.25
LISTENER_SHARE: Final = 0.40
MENTOR_SHARE_OF_LISTENERS: Final = 0.05
MODERATOR_SHARE_OF_ADULT_LISTENERS: Final = 0.007
AMBASSADOR_SHARE_OF_ADULT_LISTENERS: Final = 0.004
EMAIL_SHARE: Final = 0.6
JOIN_SPAN_DAYS: Final = 540  # "the past year and a bit"
BAND_MARGIN_DAYS: Final = 3
OLDEST_AGE: Final = 70

# Random streams: one per purpose, so adding a column to one never shifts another.
_STREAM_USERS: Final = 1
_STREAM_EVENTS: Final = 2
_STREAM_DEMO: Final = 3
_STREAM_LADDER_GRANTS: Final = 12  # seeded as [seed, stream, chunk]: apart from other modules'
# A generated Moderator or Ambassador was appointed by staff after being a listener (and an
# adult) for this long, when they had been one that long by the anchor.
APPOINTED_AFTER_DAYS: Final = 28
LADDER_GRANT_REASON: Final = "Appointed by staff (demo community)."


@dataclass(frozen=True, slots=True)
class Size:
    """Total users (the nine demo logins included) and mean activity events per user."""

    users: int
    events_per_user: float


SIZES: Final[Mapping[str, Size]] = {
    "small": Size(users=2_000, events_per_user=10.0),
    "medium": Size(users=50_000, events_per_user=10.0),
    "large": Size(users=1_000_000, events_per_user=10.0),
}

# --- Word lists ---------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Lowercase ASCII, at most 10 letters each, so every pseudonym built below fits the
# PseudonymValidator (3-30 of [A-Za-z0-9._-], alphanumeric at both ends).

ADJECTIVES: Final = _words(
    """
    quiet kind gentle brave calm bright steady hopeful warm sunny misty silver golden velvet
    mellow patient curious cosy humble honest tender soft wise lucky happy clever swift
    still amber azure coral crimson indigo ivory jade lilac olive scarlet teal violet wild
    dreamy fuzzy jolly lively merry nimble peaceful plucky quirky sleepy snowy sparkly
    starry sturdy tidy witty zesty breezy cloudy dusky frosty hazy rainy stormy windy autumn
    winter spring summer morning evening midnight northern southern little mighty noble
    loyal cheerful careful mindful grateful playful radiant serene tranquil vivid cozy
    dapper earnest fearless friendly gallant glad graceful joyful lucid modest polite proud
    sincere smiling spirited thankful upbeat valiant wandering wistful blue green rosy
    russet cobalt hidden open early late lunar solar cosmic mossy sandy rocky salty sweet
    minty hushed
    """
)
NOUNS: Final = _words(
    """
    river otter fox owl maple willow harbor meadow cedar fern pebble comet lantern sparrow
    robin heron badger panda koala tiger lion bear wolf deer hare raven finch wren lark dove
    swan moth bee beetle cloud rain storm thunder breeze wave tide shore island canyon
    valley hill summit forest grove garden orchard blossom petal clover daisy tulip poppy
    lotus iris ivy moss acorn pine birch aspen oak sequoia star moon sun sky planet nebula
    galaxy aurora ember flame spark candle compass anchor sail kite feather quill book poem
    song melody echo harmony rhythm teapot muffin biscuit noodle pumpkin mango peach plum
    berry cherry lemon walrus penguin puffin seal dolphin whale turtle gecko hedgehog
    squirrel rabbit kitten puppy pony falcon eagle crane pelican firefly lynx bison moose
    yak lagoon reef glacier prairie tundra dune cove brook spruce
    """
)
_BIO_OPENINGS: Final = (
    "Here to listen, not to judge.",
    "Taking things one day at a time.",
    "I joined because talking helped me when I needed it.",
    "Night owl, tea drinker, decent listener.",
    "Still figuring things out, like everyone.",
    "I believe small conversations can change a day.",
    "Learning to be kinder to myself.",
    "I like quiet mornings and long walks.",
)
_BIO_TOPIC_LINES: Final = (
    "I know a bit about {topic} from my own life.",
    "{topic} is something I've been working through.",
    "Happy to chat about {topic} or anything else.",
    "Ask me about {topic}; I've been there.",
)
_BIO_CLOSINGS: Final = (
    "Say hi any time.",
    "Usually around in the evenings.",
    "Be gentle with yourself today.",
    "",
    "Music recommendations welcome.",
)

# (IANA zone, relative weight, most common language). Includes half-hour and 45-minute
# offsets and zones whose DST change skips local midnight (Santiago, Havana, Beirut), so the
# thresholds computed below exercise the awkward cases of ``start_of_local_day``.
ZONES: Final[tuple[tuple[str, float, str], ...]] = (
    ("America/New_York", 14.0, "en"),
    ("America/Chicago", 8.0, "en"),
    ("America/Denver", 3.0, "en"),
    ("America/Phoenix", 1.0, "en"),
    ("America/Los_Angeles", 9.0, "en"),
    ("America/Anchorage", 0.4, "en"),
    ("Pacific/Honolulu", 0.4, "en"),
    ("America/Toronto", 4.0, "en"),
    ("America/Vancouver", 2.0, "en"),
    ("America/Halifax", 0.6, "en"),
    ("America/St_Johns", 0.3, "en"),
    ("America/Mexico_City", 3.0, "es"),
    ("America/Bogota", 1.0, "es"),
    ("America/Santiago", 0.8, "es"),
    ("America/Havana", 0.3, "es"),
    ("America/Argentina/Buenos_Aires", 1.0, "es"),
    ("America/Sao_Paulo", 3.0, "pt"),
    ("Europe/London", 12.0, "en"),
    ("Europe/Dublin", 2.0, "en"),
    ("Europe/Lisbon", 0.8, "pt"),
    ("Europe/Madrid", 2.0, "es"),
    ("Europe/Paris", 3.0, "fr"),
    ("Europe/Berlin", 4.0, "de"),
    ("Europe/Amsterdam", 1.5, "nl"),
    ("Europe/Rome", 2.0, "it"),
    ("Europe/Warsaw", 1.0, "pl"),
    ("Europe/Istanbul", 1.0, "tr"),
    ("Europe/Moscow", 0.7, "ru"),
    ("Africa/Lagos", 2.0, "en"),
    ("Africa/Nairobi", 1.5, "sw"),
    ("Africa/Johannesburg", 1.5, "en"),
    ("Africa/Cairo", 1.0, "ar"),
    ("Asia/Beirut", 0.3, "ar"),
    ("Asia/Dubai", 0.8, "ar"),
    ("Asia/Tehran", 0.4, "fa"),
    ("Asia/Karachi", 1.0, "ur"),
    ("Asia/Kolkata", 6.0, "hi"),
    ("Asia/Kathmandu", 0.2, "en"),
    ("Asia/Dhaka", 1.0, "bn"),
    ("Asia/Ho_Chi_Minh", 0.6, "vi"),
    ("Asia/Jakarta", 1.5, "id"),
    ("Asia/Manila", 2.5, "tl"),
    ("Asia/Singapore", 1.0, "en"),
    ("Asia/Shanghai", 0.8, "zh"),
    ("Asia/Seoul", 0.8, "ko"),
    ("Asia/Tokyo", 1.0, "ja"),
    ("Australia/Perth", 1.0, "en"),
    ("Australia/Adelaide", 0.6, "en"),
    ("Australia/Melbourne", 3.0, "en"),
    ("Australia/Sydney", 4.0, "en"),
    ("Pacific/Auckland", 1.5, "en"),
)
ZONE_NAMES: Final = tuple(z for z, _, _ in ZONES)
_ZONE_P: Final = np.array([w for _, w, _ in ZONES]) / sum(w for _, w, _ in ZONES)
_ZONE_INFOS: Final = tuple(zoneinfo.ZoneInfo(z) for z in ZONE_NAMES)

# Topic popularity by slug (unknown slugs weigh 1). Teens talk more about school and
# friendships, adults about work and parenting.
_TOPIC_WEIGHTS_ADULT: Final = {
    "anxiety": 9, "depression": 8, "stress": 7, "loneliness": 5, "relationships": 5,
    "breakups": 3, "family": 3, "parenting": 2, "grief-loss": 2, "self-esteem": 4,
    "bullying": 0.5, "school-studies": 0.5, "work-career": 4, "panic": 2, "sleep": 2,
}  # fmt: skip
_TOPIC_WEIGHTS_TEEN: Final = {
    "anxiety": 9, "depression": 6, "stress": 6, "loneliness": 5, "relationships": 3,
    "breakups": 2, "family": 5, "parenting": 0.05, "grief-loss": 1.5, "self-esteem": 6,
    "bullying": 5, "school-studies": 7, "work-career": 0.3, "substance-use": 0.3,
    "lgbtqia": 2.5, "eating-body-image": 2.5,
}  # fmt: skip

# Local hour-of-day weights for activity: quiet nights, a lunchtime bump, busy evenings.
_DIURNAL: Final = np.array(
    [1.0, 0.6, 0.4, 0.3, 0.2, 0.2, 0.4, 0.8, 1.2, 1.4, 1.5, 1.6,
     1.8, 1.7, 1.6, 1.7, 2.0, 2.4, 2.8, 3.2, 3.4, 3.2, 2.6, 1.8]
)  # fmt: skip
_DIURNAL_P: Final = _DIURNAL / _DIURNAL.sum()

# --- Activity mix per kind of person ------------------------------------------------------
GROUP_MEMBER: Final = 0
GROUP_LISTENER: Final = 1
GROUP_MENTOR: Final = 2
GROUP_LEADER: Final = 3  # moderators and ambassadors
_K = ActivityKind
_KIND_MIX: Final[dict[int, dict[ActivityKind, float]]] = {
    GROUP_MEMBER: {
        _K.ONE_TO_ONE_CHAT: 20, _K.GROUP_CHAT: 22, _K.FORUM_POST: 30, _K.EVENT_ATTENDED: 14,
        _K.HELP_GUIDE_COMPLETED: 12, _K.TRAINING_COMPLETED: 2,
    },
    GROUP_LISTENER: {
        _K.ONE_TO_ONE_CHAT: 34, _K.GROUP_CHAT: 18, _K.REVIEW_POSITIVE: 17,
        _K.REVIEW_NEGATIVE: 1.5, _K.HELP_GUIDE_COMPLETED: 4, _K.TRAINING_COMPLETED: 3,
        _K.FORUM_POST: 10, _K.MOCK_CHAT_PASSED: 1, _K.EVENT_HOSTED: 1, _K.EVENT_ATTENDED: 5,
        _K.SESSION_HOSTED: 4.5,
    },
    GROUP_MENTOR: {
        _K.ONE_TO_ONE_CHAT: 28, _K.GROUP_CHAT: 14, _K.REVIEW_POSITIVE: 16,
        _K.REVIEW_NEGATIVE: 1, _K.HELP_GUIDE_COMPLETED: 2, _K.TRAINING_COMPLETED: 3,
        _K.FORUM_POST: 8, _K.MOCK_CHAT_PASSED: 0.5, _K.EVENT_HOSTED: 3, _K.EVENT_ATTENDED: 4,
        _K.SESSION_HOSTED: 6, _K.MENTOR_CONVERSATION: 10, _K.MENTOR_CHECK_IN: 7,
    },
    GROUP_LEADER: {
        _K.ONE_TO_ONE_CHAT: 22, _K.GROUP_CHAT: 18, _K.REVIEW_POSITIVE: 14,
        _K.REVIEW_NEGATIVE: 1, _K.HELP_GUIDE_COMPLETED: 2, _K.TRAINING_COMPLETED: 4,
        _K.FORUM_POST: 16, _K.EVENT_HOSTED: 8, _K.EVENT_ATTENDED: 5, _K.SESSION_HOSTED: 10,
    },
}  # fmt: skip
# Relative activity: listeners do more, mentors and leaders more still.
_GROUP_ACTIVITY: Final = np.array([0.6, 1.6, 2.6, 3.0])
KIND_VALUES: Final = tuple(ActivityKind.values)
_KIND_P: Final = np.array(
    [[_KIND_MIX[g].get(ActivityKind(k), 0.0) for k in KIND_VALUES] for g in range(4)]
)
_KIND_P_NORM: Final = _KIND_P / _KIND_P.sum(axis=1, keepdims=True)

# --- Weekly availability (local time, Monday 00:00 first) ---------------------------------


def _weekly(days: Iterable[int], start: int, end: int) -> npt.NDArray[np.uint8]:
    week = np.zeros(HOURS_PER_WEEK, np.uint8)
    for day in days:
        week[day * 24 + start : day * 24 + end] = 1
    return week


_WEEKDAYS = range(5)
_WEEKEND = (5, 6)
_AVAILABILITY_TEMPLATES: Final = np.stack(
    [
        _weekly(_WEEKDAYS, 18, 22),  # weekday evenings
        _weekly(_WEEKDAYS, 21, 24),  # late evenings
        _weekly(_WEEKDAYS, 12, 14),  # lunchtimes
        _weekly(_WEEKDAYS, 7, 9),  # early mornings
        _weekly(_WEEKDAYS, 15, 18),  # after school
        _weekly(_WEEKEND, 9, 12),  # weekend mornings
        _weekly(_WEEKEND, 13, 18),  # weekend afternoons
        _weekly(_WEEKEND, 18, 23),  # weekend evenings
    ]
)
_TEMPLATE_P_ADULT: Final = np.array([0.45, 0.25, 0.2, 0.12, 0.05, 0.2, 0.3, 0.25])
_TEMPLATE_P_TEEN: Final = np.array([0.35, 0.15, 0.02, 0.05, 0.45, 0.2, 0.35, 0.25])


# --- Data structures ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Ids of the rows the seeder links to: topics, languages and role groups."""

    topic_ids: I64
    topic_names: tuple[str, ...]
    topic_weights_adult: F64
    topic_weights_teen: F64
    language_ids: Mapping[str, int]
    role_group_ids: Mapping[Role, int]

    @classmethod
    def load(cls) -> Catalogue:
        """Read the taxonomy the migrations seeded; create any missing role group."""
        topics = list(Topic.objects.order_by("slug").values_list("id", "slug", "name"))
        groups = services.ensure_role_groups()
        return cls(
            topic_ids=np.array([t[0] for t in topics], dtype=np.int64),
            topic_names=tuple(t[2] for t in topics),
            topic_weights_adult=np.array(
                [_TOPIC_WEIGHTS_ADULT.get(t[1], 1.0) for t in topics], dtype=np.float64
            ),
            topic_weights_teen=np.array(
                [_TOPIC_WEIGHTS_TEEN.get(t[1], 1.0) for t in topics], dtype=np.float64
            ),
            language_ids=dict(Language.objects.values_list("code", "id")),
            role_group_ids={role: group.pk for role, group in groups.items()},
        )


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything a run depends on. Same plan, same starting database: same rows."""

    seed: int
    anchor: dt.datetime  # aware; every generated time is before it
    generated_users: int
    events_per_user: float
    catalogue: Catalogue

    @property
    def anchor_s(self) -> int:
        return int(self.anchor.timestamp())

    @property
    def anchor_day(self) -> int:
        return (self.anchor.astimezone(dt.UTC).date() - EPOCH_DATE).days


@dataclass(slots=True)
class EventBatch:
    """Activity events as columns: who, which kind (index into KIND_VALUES), when (epoch s)."""

    user_ids: I64
    kinds: npt.NDArray[np.int8]
    occurred_at: I64

    def __len__(self) -> int:
        return len(self.user_ids)

    def tuples(self) -> list[tuple[int, str, int]]:
        """(user id, kind, epoch seconds) rows: what the determinism test compares."""
        names = np.array(KIND_VALUES, dtype=object)[self.kinds].tolist()
        return list(zip(self.user_ids.tolist(), names, self.occurred_at.tolist(), strict=True))


@dataclass(slots=True)
class UserChunk:
    """One chunk of generated people and everything hanging off them, as columns."""

    ids: I64
    usernames: list[str]
    emails: list[str]
    dob_days: I64  # days since 1970-01-01
    zone_idx: I64  # index into ZONES
    is_teen: Bools  # band at the anchor
    is_listener: Bools
    date_joined: I64  # epoch seconds
    teen_from: I64
    adult_from: I64
    display_names: list[str]
    bios: list[str]
    availability: list[str]
    topic_pairs: tuple[I64, I64]  # (profile/user id, topic id)
    language_pairs: tuple[I64, I64]  # (profile/user id, language id)
    role_pairs: tuple[I64, I64]  # (user id, group id): staff-granted roles, not the ladder's
    # The ladder's roles (accounts.roles.LADDER_ROLES) are awards, granted after the chunk is
    # written (``grant_ladder_roles``): per role, (user ids, epoch seconds of the grant).
    ladder_grants: Mapping[Role, tuple[I64, I64]]
    mentors: int
    events: EventBatch = field(repr=False)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, slots=True)
class SeedSummary:
    users: int
    teens: int
    listeners: int
    mentors: int
    events: int
    seconds: float
    mentorships: int = 0  # active ones

    def line(self) -> str:
        return (
            f"Demo community seeded: users={self.users} teens={self.teens} "
            f"listeners={self.listeners} mentors={self.mentors} "
            f"mentorships={self.mentorships} events={self.events} seconds={self.seconds:.1f}"
        )


# --- Helpers ------------------------------------------------------------------------------


def _rng(seed: int, stream: int, chunk: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, stream, chunk])


def _day(date: dt.date) -> int:
    return (date - EPOCH_DATE).days


def _years_before(date: dt.date, years: int) -> dt.date:
    try:
        return date.replace(year=date.year - years)
    except ValueError:  # 29 February
        return date.replace(year=date.year - years, day=28)


def birth_thresholds(date_of_birth: dt.date, tz_name: str) -> tuple[dt.datetime, dt.datetime]:
    """(teen_from, adult_from) exactly as ``accounts.services.apply_birth_details`` sets
    them. One definition for the bulk path, the --force path and the tests."""
    tz = zoneinfo.ZoneInfo(tz_name)
    return turns_age_at(date_of_birth, MIN_AGE, tz), turns_age_at(date_of_birth, ADULT_AGE, tz)


def _thresholds(dob_days: I64, zone_idx: I64) -> tuple[I64, I64]:
    """Vectorised ``birth_thresholds`` in epoch seconds: computed once per distinct
    (date of birth, zone) pair with the real function, then broadcast."""
    nz = len(ZONES)
    uniq, inverse = np.unique(dob_days * nz + zone_idx, return_inverse=True)
    teen = np.empty(len(uniq), dtype=np.int64)
    adult = np.empty(len(uniq), dtype=np.int64)
    for k, key in enumerate(uniq.tolist()):
        day, zone = divmod(key, nz)
        born = EPOCH_DATE + dt.timedelta(days=day)
        tz = _ZONE_INFOS[zone]
        teen[k] = int(turns_age_at(born, MIN_AGE, tz).timestamp())
        adult[k] = int(turns_age_at(born, ADULT_AGE, tz).timestamp())
    return teen[inverse], adult[inverse]


def _zone_offsets(anchor: dt.datetime) -> I64:
    """Each zone's UTC offset (seconds) at the anchor: good enough to put activity in
    people's local evenings. Not used for anything safeguarding-related."""
    return np.array(
        [int(anchor.astimezone(tz).utcoffset().total_seconds()) for tz in _ZONE_INFOS],  # type: ignore[union-attr]
        dtype=np.int64,
    )


def _pseudonyms(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    """Word-list pseudonyms in five common styles, unique case-insensitively: a clash with
    ``taken`` (earlier chunks and pre-existing users) gets the next free numeric suffix."""
    adjs = rng.integers(0, len(ADJECTIVES), n).tolist()
    nouns = rng.integers(0, len(NOUNS), n).tolist()
    styles = rng.choice(5, n, p=[0.3, 0.2, 0.2, 0.15, 0.15]).tolist()
    small = rng.integers(1, 100, n).tolist()
    big = rng.integers(1, 10_000, n).tolist()
    names: list[str] = []
    for a, b, style, x, y in zip(adjs, nouns, styles, small, big, strict=True):
        adj, noun = ADJECTIVES[a], NOUNS[b]
        if style == 0:
            name = f"{adj}{noun}{x}"  # quietRiver42, stored lowercased
        elif style == 1:
            name = f"{adj}-{noun}"  # kind-otter
        elif style == 2:
            name = f"{adj}_{noun}{x}"  # gentle_fern7
        elif style == 3:
            name = f"{noun}{y}"  # otter1987
        else:
            name = f"{adj}.{noun}"  # calm.harbor
        if name in taken:
            suffix = 2
            while f"{name}{suffix}" in taken:
                suffix += 1
            name = f"{name}{suffix}"
        taken.add(name)
        names.append(name)
    return names


def _availability(rng: np.random.Generator, is_teen: Bools, has_any: Bools) -> list[str]:
    """168-character weekly masks built from typical slots plus a little noise."""
    n = len(is_teen)
    p = np.where(is_teen[:, None], _TEMPLATE_P_TEEN, _TEMPLATE_P_ADULT)
    chosen = (rng.random((n, len(_AVAILABILITY_TEMPLATES))) < p).astype(np.uint8)
    week = (chosen @ _AVAILABILITY_TEMPLATES) > 0
    week ^= rng.random((n, HOURS_PER_WEEK)) < 0.03
    week &= has_any[:, None]
    text = (week.astype(np.uint8) + ord("0")).tobytes().decode("ascii")
    return [text[i : i + HOURS_PER_WEEK] for i in range(0, n * HOURS_PER_WEEK, HOURS_PER_WEEK)]


def _top_k_rows(rng: np.random.Generator, weights: F64, k: I64) -> tuple[I64, I64]:
    """Per row, ``k[row]`` distinct columns drawn by weight (Gumbel top-k, vectorised).
    Returns (row index, column index) pairs."""
    n = len(weights)
    if n == 0 or weights.shape[1] == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    keys = np.log(weights) + rng.gumbel(size=weights.shape)
    width = min(int(k.max(initial=0)), weights.shape[1])
    order = np.argsort(-keys, axis=1)[:, :width]
    keep = np.arange(width)[None, :] < k[:, None]
    rows = np.broadcast_to(np.arange(n)[:, None], order.shape)[keep]
    return rows.astype(np.int64), order[keep].astype(np.int64)


def _languages(
    rng: np.random.Generator, ids: I64, zone_idx: I64, language_ids: Mapping[str, int]
) -> tuple[I64, I64]:
    """Mostly the zone's language; many non-English speakers add English, a few English
    speakers add a second language."""
    n = len(ids)
    english = language_ids.get("en")
    zone_lang = np.array(
        [language_ids.get(lang, english or 0) for _, _, lang in ZONES], dtype=np.int64
    )
    if english is None or not language_ids:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    primary = np.where(rng.random(n) < 0.85, zone_lang[zone_idx], english)
    others = np.array(sorted(set(language_ids.values()) - {english}), dtype=np.int64)
    second = np.where(
        primary == english,
        others[rng.integers(0, max(len(others), 1), n)] if len(others) else english,
        english,
    )
    wants_second = np.where(primary == english, rng.random(n) < 0.1, rng.random(n) < 0.55)
    wants_second &= second != primary
    return (
        np.concatenate([ids, ids[wants_second]]),
        np.concatenate([primary, second[wants_second]]),
    )


def generate_events(
    rng: np.random.Generator,
    *,
    user_ids: I64,
    joined: I64,
    zone_idx: I64,
    group: I64,
    anchor_s: int,
    mean_per_user: float,
    heterogeneous: bool = True,
) -> EventBatch:
    """A year of activity: heavy-tailed counts per person (scaled by role and by how long
    they have been here), kinds by role, times in the local evening, all before the anchor."""
    n = len(user_ids)
    if n == 0:
        return EventBatch(np.empty(0, np.int64), np.empty(0, np.int8), np.empty(0, np.int64))
    start = np.maximum(joined, anchor_s - YEAR_DAYS * DAY)
    active = (anchor_s - start) / (YEAR_DAYS * DAY)
    spread = rng.gamma(0.9, 1 / 0.9, n) if heterogeneous else np.ones(n)
    weight = _GROUP_ACTIVITY[group] * spread * active
    total_weight = float(weight.sum())
    lam = weight * (mean_per_user * n / total_weight) if total_weight > 0 else weight
    counts = rng.poisson(lam)
    total = int(counts.sum())
    uid = np.repeat(user_ids, counts)
    first = np.repeat(start, counts)
    offset = np.repeat(_zone_offsets_cache(anchor_s)[zone_idx], counts)
    grp = np.repeat(group, counts)
    rough = first + (rng.random(total) * (anchor_s - first)).astype(np.int64)
    local_day = (rough + offset) // DAY
    hour = rng.choice(24, total, p=_DIURNAL_P)
    when = local_day * DAY + hour * 3600 + rng.integers(0, 3600, total) - offset
    # The local-hour shift can cross the window's ends: move such events by a day rather
    # than piling them up on the boundary (clip only as a last resort, for tiny windows).
    when = np.where(when >= anchor_s, when - DAY, when)
    when = np.where(when < first, when + DAY, when)
    when = np.clip(when, first, anchor_s - 1)
    kinds = np.empty(total, dtype=np.int8)
    for g in range(len(_KIND_P_NORM)):
        mask = grp == g
        kinds[mask] = rng.choice(len(KIND_VALUES), int(mask.sum()), p=_KIND_P_NORM[g])
    order = np.lexsort((when, uid))
    return EventBatch(uid[order], kinds[order], when[order].astype(np.int64))


@functools.cache
def _zone_offsets_cache(anchor_s: int) -> I64:
    return _zone_offsets(dt.datetime.fromtimestamp(anchor_s, dt.UTC))


def _bios(
    rng: np.random.Generator, has_bio: Bools, first_topic: list[str], is_listener: Bools
) -> list[str]:
    n = len(has_bio)
    opening = rng.integers(0, len(_BIO_OPENINGS), n).tolist()
    middle = rng.integers(0, len(_BIO_TOPIC_LINES), n).tolist()
    closing = rng.integers(0, len(_BIO_CLOSINGS), n).tolist()
    bios: list[str] = []
    for i, wanted in enumerate(has_bio.tolist()):
        if not wanted:
            bios.append("")
            continue
        parts = [_BIO_OPENINGS[opening[i]]]
        if first_topic[i]:
            parts.append(_BIO_TOPIC_LINES[middle[i]].format(topic=first_topic[i].lower()))
        if is_listener[i]:
            parts.append("Trained listener.")
        parts.append(_BIO_CLOSINGS[closing[i]])
        bios.append(" ".join(p for p in parts if p))
    return bios


def generate_chunk(plan: Plan, chunk: int, first_id: int, count: int, taken: set[str]) -> UserChunk:
    """Draw ``count`` people (ids from ``first_id``) and their profiles, topics, languages,
    roles and year of activity. ``taken`` holds every lowercase username already used and
    is updated."""
    rng = _rng(plan.seed, _STREAM_USERS, chunk)
    cat = plan.catalogue
    n = count
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    anchor_date = plan.anchor.astimezone(dt.UTC).date()
    anchor_s = plan.anchor_s

    # Ages: a quarter teens, adults skewed young. Margins keep each person's band at the
    # anchor (and for a day after it) the same in every zone.
    is_teen = rng.random(n) < TEEN_SHARE
    teen_lo = _day(_years_before(anchor_date, ADULT_AGE)) + BAND_MARGIN_DAYS
    teen_hi = _day(_years_before(anchor_date, MIN_AGE)) - BAND_MARGIN_DAYS
    adult_lo = _day(_years_before(anchor_date, OLDEST_AGE + 1)) + BAND_MARGIN_DAYS
    adult_hi = _day(_years_before(anchor_date, ADULT_AGE)) - BAND_MARGIN_DAYS
    teen_dob = teen_lo + (rng.random(n) * (teen_hi - teen_lo)).astype(np.int64)
    adult_dob = adult_hi - (rng.beta(1.5, 3.0, n) * (adult_hi - adult_lo)).astype(np.int64)
    dob_days = np.where(is_teen, teen_dob, adult_dob).astype(np.int64)
    zone_idx = rng.choice(len(ZONES), n, p=_ZONE_P).astype(np.int64)
    teen_from, adult_from = _thresholds(dob_days, zone_idx)

    # Joined: more recently for most (a growing community), never before turning 13.
    span = JOIN_SPAN_DAYS * DAY
    joined = anchor_s - ((1.0 - rng.power(2.0, n)) * span).astype(np.int64) - 3600
    earliest = teen_from + 3600
    late = joined < earliest
    joined = np.where(
        late, earliest + (rng.random(n) * (anchor_s - 3600 - earliest)).astype(np.int64), joined
    ).astype(np.int64)

    is_listener = rng.random(n) < LISTENER_SHARE
    adult_listener = is_listener & ~is_teen
    mentor = is_listener & (rng.random(n) < MENTOR_SHARE_OF_LISTENERS)
    moderator = adult_listener & (rng.random(n) < MODERATOR_SHARE_OF_ADULT_LISTENERS)
    ambassador = adult_listener & (rng.random(n) < AMBASSADOR_SHARE_OF_ADULT_LISTENERS)

    usernames = _pseudonyms(rng, n, taken)
    has_email = rng.random(n) < EMAIL_SHARE
    emails = [
        f"{name}@{EMAIL_DOMAIN}" if wanted else ""
        for name, wanted in zip(usernames, has_email.tolist(), strict=True)
    ]

    # Profiles: display names for some, bios for fewer (listeners more often).
    has_display = rng.random(n) < 0.35
    dn_adj = rng.integers(0, len(ADJECTIVES), n).tolist()
    dn_noun = rng.integers(0, len(NOUNS), n).tolist()
    display_names = [
        f"{ADJECTIVES[a].title()} {NOUNS[b].title()}" if wanted else ""
        for a, b, wanted in zip(dn_adj, dn_noun, has_display.tolist(), strict=True)
    ]
    has_availability = is_listener | (rng.random(n) < 0.5)
    availability = _availability(rng, is_teen, has_availability)

    n_topics = 1 + rng.binomial(4, 0.4, n).astype(np.int64)
    weights = np.where(is_teen[:, None], cat.topic_weights_teen, cat.topic_weights_adult)
    t_rows, t_cols = _top_k_rows(rng, weights, n_topics)
    first_topic = [""] * n
    for row, col in zip(t_rows.tolist()[::-1], t_cols.tolist()[::-1], strict=True):
        first_topic[row] = cat.topic_names[col]  # reversed: the first pick wins
    has_bio = rng.random(n) < np.where(is_listener, 0.35, 0.15)
    bios = _bios(rng, has_bio, first_topic, is_listener)
    topic_pairs = (ids[t_rows], cat.topic_ids[t_cols] if len(cat.topic_ids) else t_cols)

    language_pairs = _languages(rng, ids, zone_idx, cat.language_ids)

    mentor_group = np.full(int(mentor.sum()), cat.role_group_ids[Role.MENTOR], np.int64)
    # Appointment days from their own stream, so the columns above keep their draws.
    grant_rng = _rng(plan.seed, _STREAM_LADDER_GRANTS, chunk)
    ladder_grants: dict[Role, tuple[I64, I64]] = {}
    for role, mask in ((Role.MODERATOR, moderator), (Role.AMBASSADOR, ambassador)):
        eligible = np.maximum(joined, adult_from)[mask]
        earliest = np.minimum(eligible + APPOINTED_AFTER_DAYS * DAY, anchor_s - DAY)
        earliest = np.maximum(earliest, eligible + 3600)
        latest = np.maximum(anchor_s - DAY, earliest)
        share = grant_rng.random(int(mask.sum()))
        at = earliest + (share * (latest - earliest)).astype(np.int64)
        ladder_grants[role] = (ids[mask], np.minimum(at, anchor_s - 60).astype(np.int64))

    group = np.full(n, GROUP_MEMBER, np.int64)
    group[is_listener] = GROUP_LISTENER
    group[mentor] = GROUP_MENTOR
    group[moderator | ambassador] = GROUP_LEADER
    events = generate_events(
        _rng(plan.seed, _STREAM_EVENTS, chunk),
        user_ids=ids,
        joined=joined,
        zone_idx=zone_idx,
        group=group,
        anchor_s=anchor_s,
        mean_per_user=plan.events_per_user,
    )
    return UserChunk(
        ids=ids,
        usernames=usernames,
        emails=emails,
        dob_days=dob_days,
        zone_idx=zone_idx,
        is_teen=is_teen,
        is_listener=is_listener,
        date_joined=joined,
        teen_from=teen_from,
        adult_from=adult_from,
        display_names=display_names,
        bios=bios,
        availability=availability,
        topic_pairs=topic_pairs,
        language_pairs=language_pairs,
        role_pairs=(ids[mentor], mentor_group),
        ladder_grants=ladder_grants,
        mentors=int(mentor.sum()),
        events=events,
    )


def generate_community(plan: Plan, *, first_id: int, taken: set[str]) -> Iterator[UserChunk]:
    """All generated people, a chunk at a time (the caller writes and drops each)."""
    done = 0
    chunk = 0
    while done < plan.generated_users:
        count = min(CHUNK_USERS, plan.generated_users - done)
        yield generate_chunk(plan, chunk, first_id + done, count, taken)
        done += count
        chunk += 1


# --- Writing ------------------------------------------------------------------------------


class BulkWriter(BulkInserter):
    """The seeder's writer: the generic bulk inserter plus the community's tables."""

    def write_chunk(self, chunk: UserChunk) -> None:
        """Users, profiles, topic and language links, role memberships, then events."""
        joined = Epoch(chunk.date_joined)
        zone_names = np.array(ZONE_NAMES, dtype=object)[chunk.zone_idx].tolist()
        account_types = np.where(
            chunk.is_listener, AccountType.LISTENER.value, AccountType.MEMBER.value
        ).tolist()
        rep = itertools.repeat
        self.insert(
            User,
            {
                "id": chunk.ids.tolist(),
                "password": rep(UNUSABLE_PASSWORD),
                "last_login": rep(None),
                "is_superuser": rep(False),
                "username": chunk.usernames,
                "email": chunk.emails,
                "is_staff": rep(False),
                "is_active": rep(True),
                "date_joined": joined,
                "date_of_birth": date_strings(chunk.dob_days),
                "timezone": zone_names,
                "account_type": account_types,
                "listener_since": [
                    when if listener else None
                    for when, listener in zip(
                        joined.text("+00:00" if self.vendor == "postgresql" else ""),
                        chunk.is_listener.tolist(),
                        strict=True,
                    )
                ],
                "teen_from": Epoch(chunk.teen_from),
                "adult_from": Epoch(chunk.adult_from),
                "suspended_until": rep(None),
                "suspension_reason": rep(""),
            },
        )
        self.insert(
            Profile,
            {
                "user_id": chunk.ids.tolist(),
                "created_at": joined,
                "updated_at": joined,
                "display_name": chunk.display_names,
                "bio": chunk.bios,
                "availability": chunk.availability,
            },
        )
        self.insert_links(Profile, "topics", *chunk.topic_pairs)
        self.insert_links(Profile, "languages", *chunk.language_pairs)
        self.insert_links(User, "groups", *chunk.role_pairs)
        self.insert_events(chunk.events)

    def insert_links(
        self, model: type[models.Model], field_name: str, left: I64, right: I64
    ) -> int:
        """Rows of a many-to-many through table, column names from the field's _meta."""
        m2m = model._meta.get_field(field_name)
        through = getattr(m2m.remote_field, "through", None)
        if not isinstance(m2m, models.ManyToManyField) or through is None:
            raise TypeError(f"{model.__name__}.{field_name} is not a many-to-many field")
        src = through._meta.get_field(m2m.m2m_field_name())
        dst = through._meta.get_field(m2m.m2m_reverse_field_name())
        if not isinstance(src, models.ForeignKey) or not isinstance(dst, models.ForeignKey):
            raise TypeError(f"unexpected through model for {model.__name__}.{field_name}")
        return self.insert(through, {src.attname: left.tolist(), dst.attname: right.tolist()})

    def insert_events(self, events: EventBatch) -> int:
        when = Epoch(events.occurred_at)
        kinds: list[str] = np.array(KIND_VALUES, dtype=object)[events.kinds].tolist()
        return self.insert(
            ActivityEvent,
            {
                "user_id": events.user_ids.tolist(),
                "kind": kinds,
                "occurred_at": when,
                "ref_type": itertools.repeat(""),
                "ref_id": itertools.repeat(None),
                "recorded_at": when,
            },
        )

    def reset_sequences(self) -> None:
        """After explicit ids: move PostgreSQL's sequence past them (SQLite's AUTOINCREMENT
        bookkeeping follows inserted ids by itself)."""
        statements = self.conn.ops.sequence_reset_sql(no_style(), [User])
        if statements:
            with self.conn.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


# Below this many users the load is seconds long: keep every index in place.
DEFER_INDEXES_FROM_USERS: Final = 200_000
_LOAD_PRAGMAS: Final = (("synchronous", "OFF"), ("cache_size", "-524288"), ("temp_store", "MEMORY"))


@contextlib.contextmanager
def sqlite_bulk_load(
    conn: BaseDatabaseWrapper, tables: Sequence[str], *, defer_indexes: bool = True
) -> Iterator[None]:
    """SQLite set up for a bulk load of ``tables``, then put back exactly as it was.

    Measured on the large size, random inserts into secondary indexes dominated the load
    (``activity_kind_time`` above all), so for the duration:

    * non-unique indexes of ``tables`` are dropped and rebuilt from their original SQL
      (sqlite_master) afterwards: one sorted build instead of ten million random inserts.
      Unique indexes stay, so every constraint is still enforced while loading;
    * foreign-key checks are off, as in ``loaddata``, and the tables are checked once at the
      end (``check_constraints`` raises on any dangling reference);
    * no fsync, a 512 MiB page cache, in-memory temporaries.

    Only outside a transaction (a test's, say): otherwise it does nothing. The indexes are
    rebuilt even when the load fails; only a killed process (SIGKILL) would leave them
    missing, which is why callers defer indexes only for the large, throwaway benchmark
    databases (``defer_indexes``) and never for ``make demo``'s small seed.
    """
    if conn.vendor != "sqlite" or conn.in_atomic_block:
        yield
        return
    qn = conn.ops.quote_name
    saved: list[tuple[str, object]] = []
    with conn.cursor() as cursor:
        for pragma, value in _LOAD_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
            saved.append((pragma, cursor.fetchone()[0]))
            cursor.execute(f"PRAGMA {pragma} = {value}")
        cursor.execute(
            "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' "
            "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name"
        )
        deferred = [
            (name, sql)
            for table, name, sql in cursor.fetchall()
            if defer_indexes and table in tables
        ]
        for name, _ in deferred:
            cursor.execute(f"DROP INDEX {qn(name)}")
    try:
        with conn.constraint_checks_disabled():
            yield
            conn.check_constraints(table_names=list(tables))
    finally:
        with conn.cursor() as cursor:
            for _, sql in deferred:
                cursor.execute(sql)
            for pragma, previous in saved:
                cursor.execute(f"PRAGMA {pragma} = {int(str(previous))}")


def _loaded_tables() -> list[str]:
    """Every table the seeder bulk-writes, from the models' _meta."""
    through = [
        m2m.remote_field.through._meta.db_table
        for model, name in ((Profile, "topics"), (Profile, "languages"), (User, "groups"))
        if isinstance(m2m := model._meta.get_field(name), models.ManyToManyField)
        and m2m.remote_field.through is not None
    ]
    # Imported here: peerpath.demo.mentorship builds on this module.
    from peerpath.demo.mentorship import loaded_tables as mentoring_tables

    return [
        User._meta.db_table,
        Profile._meta.db_table,
        *through,
        ActivityEvent._meta.db_table,
        *mentoring_tables(),
    ]


# --- The fixed demo logins ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    age: int
    account_type: AccountType
    roles: tuple[Role, ...] = ()
    superuser: bool = False
    tz_name: str = "Europe/London"
    topics: tuple[str, ...] = ("anxiety", "stress")
    display_name: str = ""
    bio: str = ""
    days_since_birthday: int = 100
    joined_days: int = 300  # how long before the anchor the account was opened

    @property
    def teen(self) -> bool:
        return self.age < ADULT_AGE

    @property
    def group(self) -> int:
        if self.username in ("demo-moderator", "demo-ambassador"):
            return GROUP_LEADER
        if Role.MENTOR in self.roles:
            return GROUP_MENTOR
        return GROUP_LISTENER if self.account_type == AccountType.LISTENER else GROUP_MEMBER


_L = AccountType.LISTENER
_M = AccountType.MEMBER
DEMO_LOGINS: Final[tuple[DemoLogin, ...]] = (
    DemoLogin("demo-member", 29, _M, topics=("anxiety", "work-career", "sleep"),
              display_name="Demo Member", bio="Exploring peerpath as a member."),
    DemoLogin("demo-teen-member", 15, _M, tz_name="America/New_York",
              topics=("school-studies", "stress", "self-esteem"), display_name="Demo Teen"),
    DemoLogin("demo-listener", 34, _L, topics=("anxiety", "loneliness", "listening-skills"),
              display_name="Demo Listener", bio="Trained listener. Evenings, mostly."),
    DemoLogin("demo-teen-listener", 16, _L, tz_name="Australia/Sydney",
              topics=("school-studies", "bullying", "listening-skills")),
    DemoLogin("demo-mentor", 41, _L, (Role.MENTOR,), tz_name="America/Chicago",
              topics=("listening-skills", "grief-loss", "depression"),
              display_name="Demo Mentor", bio="Mentoring new listeners since last spring."),
    DemoLogin("demo-teen-mentor", 16, _L, (Role.MENTOR,), days_since_birthday=60,
              topics=("listening-skills", "school-studies", "family")),
    # Moderator and Ambassador are ladder roles: these two earn them in the demo's history
    # (peerpath.demo.history), which keeps the staff groups in step.
    DemoLogin("demo-moderator", 38, _L, tz_name="Europe/Berlin", joined_days=380,
              topics=("listening-skills", "anxiety"), display_name="Demo Moderator"),
    DemoLogin("demo-ambassador", 45, _L, tz_name="America/Los_Angeles", joined_days=520,
              topics=("listening-skills", "relationships"), display_name="Demo Ambassador"),
    DemoLogin("demo-staff", 36, _M, (Role.STAFF, Role.SAFEGUARDING), superuser=True,
              topics=("listening-skills",), display_name="Demo Staff"),
)  # fmt: skip
DEMO_EVENTS_PER_USER: Final = 60.0
# Activity a page lists record by record (feedback, mock chats, trainings, events, sessions,
# mentoring): for the demo logins it comes only with its record, written by the seeders of
# those apps, so every count on a login's dashboard matches the page it summarises.
RECORD_BACKED_KINDS: Final = frozenset(
    {
        ActivityKind.REVIEW_POSITIVE,
        ActivityKind.REVIEW_NEGATIVE,
        ActivityKind.MOCK_CHAT_PASSED,
        ActivityKind.TRAINING_COMPLETED,
        ActivityKind.EVENT_HOSTED,
        ActivityKind.EVENT_ATTENDED,
        ActivityKind.SESSION_HOSTED,
        ActivityKind.MENTOR_CONVERSATION,
        ActivityKind.MENTOR_CHECK_IN,
    }
)
_DEMO_AVAILABILITY: Final = "".join(
    map(str, (_AVAILABILITY_TEMPLATES[0] | _AVAILABILITY_TEMPLATES[6]).tolist())
)


def demo_birth_date(login: DemoLogin, anchor: dt.datetime) -> dt.date:
    """``age`` years and ``days_since_birthday`` days before the anchor's date."""
    last_birthday = _years_before(anchor.astimezone(dt.UTC).date(), login.age)
    return last_birthday - dt.timedelta(days=login.days_since_birthday)


def _create_demo_login(
    login: DemoLogin, plan: Plan, *, password_hash: str, bypass_reserved: bool
) -> User:
    """One demo login through the account service. Outside development the service refuses
    demo names; with ``bypass_reserved`` (--force) the login is then built the same way
    minus that check."""
    born = demo_birth_date(login, plan.anchor)
    languages = Language.objects.filter(code="en")
    topics = Topic.objects.filter(slug__in=login.topics)
    if not (bypass_reserved and policies.is_reserved_username(login.username)):
        user = services.create_account(
            username=login.username,
            email=f"{login.username}@{EMAIL_DOMAIN}",
            password=None,
            date_of_birth=born,
            tz_name=login.tz_name,
            account_type=login.account_type,
            languages=languages,
            topics=topics,
            display_name=login.display_name,
        )
    else:
        services.check_birth_details(date_of_birth=born, tz_name=login.tz_name, at=plan.anchor)
        teen_from, adult_from = birth_thresholds(born, login.tz_name)
        user = User(
            username=login.username,
            email=f"{login.username}@{EMAIL_DOMAIN}",
            account_type=login.account_type,
            date_of_birth=born,
            timezone=login.tz_name,
            teen_from=teen_from,
            adult_from=adult_from,
        )
        user.set_unusable_password()  # replaced by the shared demo hash below
        user.full_clean(exclude=["password"])
        user.save()
        profile = Profile(user=user, display_name=login.display_name)
        profile.full_clean()
        profile.save()
        profile.languages.set(list(languages))
        profile.topics.set(list(topics))
    for role in login.roles:
        services.grant_role(user=user, role=role)
    joined = plan.anchor - dt.timedelta(days=login.joined_days)
    joined = max(joined, user.teen_from + dt.timedelta(hours=1))
    User.objects.filter(pk=user.pk).update(
        password=password_hash,
        date_joined=joined,
        listener_since=joined if login.account_type == AccountType.LISTENER else None,
        is_superuser=login.superuser,
    )
    Profile.objects.filter(pk=user.pk).update(
        bio=login.bio, availability=_DEMO_AVAILABILITY, created_at=joined, updated_at=joined
    )
    user.refresh_from_db()
    return user


def create_demo_logins(plan: Plan, writer: BulkWriter, *, bypass_reserved: bool) -> int:
    """The nine fixed logins (password ``peerpath-demo``, hashed once) and their activity.
    Returns the number of events written."""
    password_hash = make_password(DEMO_PASSWORD)
    users = [
        _create_demo_login(
            login, plan, password_hash=password_hash, bypass_reserved=bypass_reserved
        )
        for login in DEMO_LOGINS
    ]
    events = generate_events(
        _rng(plan.seed, _STREAM_DEMO),
        user_ids=np.array([u.pk for u in users], dtype=np.int64),
        joined=np.array([int(u.date_joined.timestamp()) for u in users], dtype=np.int64),
        zone_idx=np.array([ZONE_NAMES.index(u.timezone) for u in users], dtype=np.int64),
        group=np.array([login.group for login in DEMO_LOGINS], dtype=np.int64),
        anchor_s=plan.anchor_s,
        mean_per_user=DEMO_EVENTS_PER_USER,
        heterogeneous=False,  # every demo login should have a visible history
    )
    backed = np.array([ActivityKind(k) in RECORD_BACKED_KINDS for k in KIND_VALUES])
    keep = ~backed[events.kinds]
    return writer.insert_events(
        EventBatch(events.user_ids[keep], events.kinds[keep], events.occurred_at[keep])
    )


# --- Orchestration ------------------------------------------------------------------------


def grant_ladder_roles(
    grants: Mapping[Role, Sequence[tuple[I64, I64]]], *, by_username: str = "demo-staff"
) -> int:
    """Generated Moderators and Ambassadors hold their ladder award (Chatroom Moderator,
    Group Support Ambassador) from the day they were appointed, given by ``by_username``
    through the ladder's own service (``grant_many_by_staff``: award, audit row, certificate
    and group, one call per role at any size). Nobody is told: the appointments are past.
    Returns the number of awards."""
    staff = User.objects.get(username=by_username)
    carried = achievements_by_group()
    granted = 0
    for role, parts in grants.items():
        user_ids = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
        if not len(user_ids):
            continue
        at = np.concatenate([p[1] for p in parts])
        granted += len(
            grant_many_by_staff(
                achievement=carried[role],
                grants=[
                    (uid, dt.datetime.fromtimestamp(t, dt.UTC))
                    for uid, t in zip(user_ids.tolist(), at.tolist(), strict=True)
                ],
                by=staff,
                reason=LADDER_GRANT_REASON,
                tell=False,
            )
        )
    return granted


def demo_exists() -> bool:
    """The demo logins are written last, so demo-member marks a complete seed."""
    return bool(User.objects.filter(username="demo-member").exists())


def make_plan(size: Size, *, seed: int, anchor: dt.datetime) -> Plan:
    if anchor.tzinfo is None:
        raise ValueError("the anchor must be timezone-aware")
    return Plan(
        seed=seed,
        anchor=anchor,
        generated_users=max(size.users - len(DEMO_LOGINS), 0),
        events_per_user=size.events_per_user,
        catalogue=Catalogue.load(),
    )


def _refresh_planner_statistics() -> None:
    """After a bulk load the planner knows nothing of the new rows (PostgreSQL's autovacuum
    gets to them minutes later; SQLite never without ANALYZE) and may pick a full scan for a
    range of ten ids. Sample the tables now."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")


def seed_demo(
    size: Size,
    *,
    seed: int,
    anchor: dt.datetime,
    bypass_reserved: bool = False,
    progress: Callable[[str], None] | None = None,
    mentoring: bool = True,
) -> SeedSummary:
    """Generate and write the whole community, then the demo logins and (unless
    ``mentoring`` is off) the mentoring data. Each chunk commits on its own; the demo logins
    come last so their presence means the seed completed."""
    started = time.perf_counter()
    plan = make_plan(size, seed=seed, anchor=anchor)
    connection.ensure_connection()
    writer = BulkWriter(connection)
    taken = {name.lower() for name in User.objects.values_list("username", flat=True)}
    taken |= policies.DEMO_USERNAMES | {n.lower() for n in settings.PEERPATH_RESERVED_USERNAMES}
    first_id = (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    users = events = teens = listeners = mentors = active = 0
    ladder_grants: dict[Role, list[tuple[I64, I64]]] = {role: [] for role in LADDER_ROLES}
    with sqlite_bulk_load(
        connection, _loaded_tables(), defer_indexes=size.users >= DEFER_INDEXES_FROM_USERS
    ):
        for chunk in generate_community(plan, first_id=first_id, taken=taken):
            with transaction.atomic():
                writer.write_chunk(chunk)
            users += len(chunk)
            events += len(chunk.events)
            teens += int(chunk.is_teen.sum())
            listeners += int(chunk.is_listener.sum())
            mentors += chunk.mentors
            for role, grant in chunk.ladder_grants.items():
                ladder_grants[role].append(grant)
            if progress:
                progress(f"  {users:,} users, {events:,} events")
        with transaction.atomic():
            writer.reset_sequences()
            events += create_demo_logins(plan, writer, bypass_reserved=bypass_reserved)
            # The ladder's roles once demo-staff, who appointed them, exists.
            grant_ladder_roles(ladder_grants)
            # Mentoring pairs the demo logins too, so it runs after them, and in their
            # transaction: demo-member still means a finished seed.
            from peerpath.demo.mentorship import seed_mentoring

            if mentoring:
                mentorships = seed_mentoring(plan, writer, progress=progress)
                events += mentorships.events
                active = mentorships.active
    _refresh_planner_statistics()
    users += len(DEMO_LOGINS)
    teens += sum(login.teen for login in DEMO_LOGINS)
    listeners += sum(login.account_type == AccountType.LISTENER for login in DEMO_LOGINS)
    mentors += sum(Role.MENTOR in login.roles for login in DEMO_LOGINS)
    return SeedSummary(
        users=users,
        teens=teens,
        listeners=listeners,
        mentors=mentors,
        events=events,
        seconds=time.perf_counter() - started,
        mentorships=active,
    )
