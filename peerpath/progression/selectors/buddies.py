"""Reads of the buddy program: newcomers to pair and the experienced leaders who may buddy
them, the allowed arcs, due check-ins and reminders, and a person's pairings (the program
itself is described in ``services/buddies.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from peerpath.accounts.models import Block, User
from peerpath.progression import ladder_roles, policies
from peerpath.progression.models import Achievement, Award, AwardState, BuddyPair

BUDDY_ROLES: Final = (
    ladder_roles.ROOM_SUPPORTER,
    ladder_roles.CHATROOM_MODERATOR,
    ladder_roles.SHARING_CIRCLE_HOST,
)
EXPERIENCED_ROLES: Final = (
    ladder_roles.CHATROOM_MODERATOR,
    ladder_roles.GROUP_SUPPORT_MENTOR,
    ladder_roles.MENTOR_LEADER,
    ladder_roles.AMBASSADOR,
)
TRACK_II_ROLE: Final = ladder_roles.GROUP_SUPPORT_MENTOR
TRACK_II: Final = "Track II"
BUDDY_CAPACITY: Final = 3
NEWCOMER_DAYS: Final = 30
EXPERIENCE_DAYS: Final = 56
REMINDER_WINDOW: Final = dt.timedelta(days=1)
NOT_FOUND: Final = "No such buddy pairing."
BUDDIES_PATH: Final = "/path/buddies/"
IntArray = npt.NDArray[np.int64]


def role_name(pair: BuddyPair) -> str:
    return pair.achievement.name_for(teen=pair.newcomer.is_teen)


@dataclass(frozen=True, slots=True)
class Newcomer:
    user: User
    achievement: Achievement


@dataclass(frozen=True, slots=True)
class Candidate:
    user: User
    experience_days: int  # days in the longest-held experienced role
    active: int  # pairs in their first weeks (``active_counts``)
    track_ii: bool

    @property
    def remaining(self) -> int:
        return max(BUDDY_CAPACITY - self.active, 0)


def newcomers(now: dt.datetime) -> list[Newcomer]:
    """New leaders (granted a buddy role within NEWCOMER_DAYS) not yet paired for it."""
    paired = BuddyPair.objects.filter(
        newcomer_id=OuterRef("user_id"), achievement_id=OuterRef("achievement_id")
    )
    awards = (
        Award.objects.filter(
            state=AwardState.ACTIVE,
            achievement__slug__in=BUDDY_ROLES,
            granted_at__gt=now - dt.timedelta(days=NEWCOMER_DAYS),
            granted_at__lte=now,
            user__is_active=True,
        )
        .filter(~Exists(paired))
        .select_related("user", "achievement")
        .order_by("granted_at", "pk")
    )
    return [Newcomer(a.user, a.achievement) for a in awards]


def candidates(now: dt.datetime) -> list[Candidate]:
    """Experienced leaders (an experienced role held EXPERIENCE_DAYS or more) with room
    (fewer than BUDDY_CAPACITY pairs in their first weeks)."""
    awards = (
        Award.objects.filter(
            state=AwardState.ACTIVE,
            achievement__slug__in=EXPERIENCED_ROLES,
            granted_at__lte=now - dt.timedelta(days=EXPERIENCE_DAYS),
            user__is_active=True,
        )
        .select_related("user", "achievement")
        .order_by("user_id", "pk")
    )
    users: dict[int, User] = {}
    days: dict[int, int] = {}
    track_ii: dict[int, bool] = {}
    for award in awards:
        uid = award.user_id
        users[uid] = award.user
        days[uid] = max(days.get(uid, 0), (now - award.granted_at).days)
        is_track_ii = award.achievement.slug == TRACK_II_ROLE and TRACK_II in award.track
        track_ii[uid] = track_ii.get(uid, False) or is_track_ii
    active = active_counts(users)
    out = [
        Candidate(users[uid], days[uid], active.get(uid, 0), track_ii[uid]) for uid in sorted(users)
    ]
    return [c for c in out if c.remaining > 0]


def active_counts(user_ids: Iterable[int]) -> dict[int, int]:
    """Each buddy's load, in one aggregate query: their pairs still in the first weeks
    (active, check-in not recorded yet). Once the two have checked in, the pairing stays on
    both pages but no longer takes a place: without that, a buddy's three places would be
    taken for good by their first three newcomers and nobody after them would get a buddy."""
    rows = (
        BuddyPair.objects.filter(
            status=BuddyPair.Status.ACTIVE,
            checked_in_at__isnull=True,
            buddy_id__in=list(user_ids),
        )
        .values("buddy_id")
        .annotate(n=Count("id"))
    )
    return {row["buddy_id"]: row["n"] for row in rows}


def _excluded(ids: Sequence[int]) -> set[tuple[int, int]]:
    """Pairs of people who must not be paired: a block either way, or an ended pairing."""
    out: set[tuple[int, int]] = set()
    blocks = Block.objects.filter(blocker_id__in=ids, blocked_id__in=ids).values_list(
        "blocker_id", "blocked_id"
    )
    ended = BuddyPair.objects.filter(
        status=BuddyPair.Status.ENDED, newcomer_id__in=ids, buddy_id__in=ids
    ).values_list("newcomer_id", "buddy_id")
    for a, b in [*blocks, *ended]:
        out.add((a, b))
        out.add((b, a))
    return out


def candidate_arcs(
    new: Sequence[Newcomer], pool: Sequence[Candidate], now: dt.datetime
) -> tuple[IntArray, IntArray]:
    """Every allowed (newcomer row, candidate column): same band (vectorized over the stored
    ``adult_from``), then the pure policy, blocks and ended pairings per remaining arc."""
    if not new or not pool:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    new_adult = np.array([n.user.adult_from <= now for n in new], dtype=np.bool_)
    pool_adult = np.array([c.user.adult_from <= now for c in pool], dtype=np.bool_)
    rows, cols = np.nonzero(new_adult[:, None] == pool_adult[None, :])
    excluded = _excluded(sorted({n.user.pk for n in new} | {c.user.pk for c in pool}))
    keep = np.array(
        [
            (new[r].user.pk, pool[c].user.pk) not in excluded
            and bool(policies.can_be_buddies(new[r].user, pool[c].user))
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
        ],
        dtype=np.bool_,
    )
    return rows[keep].astype(np.int64), cols[keep].astype(np.int64)


def cross_band_pairs(now: dt.datetime) -> QuerySet[BuddyPair]:
    """Active pairs whose two people are no longer in the same age band (indexed)."""
    return BuddyPair.objects.filter(status=BuddyPair.Status.ACTIVE).filter(
        Q(newcomer__adult_from__lte=now, buddy__adult_from__gt=now)
        | Q(newcomer__adult_from__gt=now, buddy__adult_from__lte=now)
    )


def due_check_ins(now: dt.datetime | None = None) -> QuerySet[BuddyPair]:
    """Active pairs whose check-in is due (or overdue) and not recorded."""
    now = now or timezone.now()
    return BuddyPair.objects.filter(
        status=BuddyPair.Status.ACTIVE, checked_in_at__isnull=True, check_in_due__lte=now
    ).order_by("check_in_due", "pk")


def reminders_due(now: dt.datetime) -> QuerySet[BuddyPair]:
    """The due check-ins whose due time fell in the last day: today's reminders."""
    return due_check_ins(now).filter(check_in_due__gt=now - REMINDER_WINDOW)


@dataclass(frozen=True, slots=True)
class BuddyItem:
    """One of a person's pairings, from their side."""

    pair: BuddyPair
    other: User
    i_am_newcomer: bool
    role_name: str
    allowed: bool  # still same band and active accounts: the pair may talk and check in

    @property
    def active(self) -> bool:
        return self.pair.status == BuddyPair.Status.ACTIVE

    @property
    def checked_in(self) -> bool:
        return self.pair.checked_in_at is not None

    @property
    def can_check_in(self) -> bool:
        return self.active and self.allowed and not self.checked_in

    def overdue(self, now: dt.datetime) -> bool:
        return self.can_check_in and self.pair.check_in_due <= now


def buddies_of(user: User) -> list[BuddyItem]:
    """Every pairing the person is in (as newcomer or as buddy), active ones first."""
    pairs = (
        BuddyPair.objects.filter(Q(newcomer=user) | Q(buddy=user))
        .select_related("newcomer", "buddy", "achievement")
        .order_by("status", "-created_at", "-id")
    )
    items = []
    for pair in pairs:
        other = other_party(pair, user)
        items.append(
            BuddyItem(
                pair=pair,
                other=other,
                i_am_newcomer=pair.newcomer_id == user.pk,
                role_name=role_name(pair),
                allowed=bool(policies.can_be_buddies(pair.newcomer, pair.buddy)),
            )
        )
    return items


def pair_for_party(user: User, pair_id: int) -> BuddyPair | None:
    """The pairing if ``user`` is in it; None for a missing pairing and for someone else's
    (the two must look the same)."""
    pair: BuddyPair | None = (
        BuddyPair.objects.filter(pk=pair_id).filter(Q(newcomer=user) | Q(buddy=user)).first()
    )
    return pair


def other_party(pair: BuddyPair, user: User) -> User:
    return pair.buddy if user.pk == pair.newcomer_id else pair.newcomer
