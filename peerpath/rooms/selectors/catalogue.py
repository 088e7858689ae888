"""Reads of the catalogue: the room list (the viewer's band only, filtered, rooms in their
languages first within each kind, a page at a time, each room with its lock, live count,
sessions and why the viewer cannot enter) and one room by slug or id, if this person may
see it at all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

from peerpath.accounts.models import Language, User
from peerpath.rooms import locks, policies
from peerpath.rooms.models import Room, RoomCategory, RoomSession
from peerpath.rooms.policies import Lock, Standing, Viewer
from peerpath.rooms.selectors.common import standings
from peerpath.rooms.selectors.presence import live_presence


@dataclass(slots=True)
class RoomCard:
    room: Room
    lock: Lock
    entry_reason: str  # why the viewer cannot enter ("" when they can)
    present: int = 0
    next_session: RoomSession | None = None
    live_session: RoomSession | None = None
    standing: Standing = field(default_factory=Standing)  # sanctions only (no presence, blocks)

    @property
    def can_enter(self) -> bool:
        return not self.entry_reason


@dataclass(slots=True)
class RoomFilters:
    q: str = ""
    category: str = ""
    audience: str = ""
    open_only: bool = False


@dataclass(slots=True)
class RoomPage:
    """One page of the room list: its cards, how many rooms match in all, where it starts,
    and the category of the room just before it ("" on the first page), so a page loaded
    on demand adds its first cards to that category's group instead of repeating it."""

    cards: list[RoomCard]
    total: int
    offset: int
    follows: str = ""

    @property
    def end(self) -> int:
        return self.offset + len(self.cards)

    @property
    def has_more(self) -> bool:
        return self.end < self.total


#: The list's order: by kind of room (the order of ``RoomCategory``), then the room's own.
#: Raw SQL: the same CASE built from ``When(category=...)`` objects cost ~4 ms of query
#: compilation per request.
CATEGORY_ORDER = RawSQL(  # noqa: S611 - our table and column names, values as parameters
    f'CASE "{Room._meta.db_table}"."category" '
    + " ".join("WHEN %s THEN " + str(i) for i in range(len(RoomCategory.choices)))
    + f" ELSE {len(RoomCategory.choices)} END",
    [value for value, _ in RoomCategory.choices],
)


def language_order(user: User) -> Case:
    """0 for a room in one of the person's profile languages (or, when they gave none, in
    the site's language), 1 for the rest: the list shows their languages first. A subquery
    in the ORDER BY, not a query of its own."""
    theirs = Language.objects.filter(profiles=user.pk)
    site = settings.LANGUAGE_CODE.split("-")[0]
    return Case(
        When(Exists(theirs.filter(code=OuterRef("language"))), then=0),
        When(~Exists(theirs), language=site, then=0),
        default=1,
    )


def visible_rooms(v: Viewer) -> QuerySet[Room]:
    qs = Room.objects.active().select_related("community", "topic")
    if v.band is None:
        return qs.none()
    if not v.is_staff:
        qs = qs.for_band(v.band)
    return qs


def _cards(user: User, v: Viewer, rooms: list[Room], now: dt.datetime) -> list[RoomCard]:
    """Cards of ``rooms``: lock, bans and kicks, entry, presence and sessions (a fixed number
    of queries whatever the number of rooms)."""
    ids = [r.pk for r in rooms]
    room_locks = locks.locks_for(user, rooms, now=now)
    standing_in = standings(user.pk, rooms, now=now)
    counts = dict(
        live_presence(ids)
        .values("room_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("room_id", "n")
    )
    upcoming: dict[int, RoomSession] = {}
    live: dict[int, RoomSession] = {}
    for s in RoomSession.objects.filter(
        room_id__in=ids,
        cancelled_at__isnull=True,
        ended_at__isnull=True,
        ends_at__gte=now,
    ).order_by("starts_at"):
        if s.started_at is not None:
            live.setdefault(s.room_id, s)
        else:
            upcoming.setdefault(s.room_id, s)
    cards = []
    for room in rooms:
        lock = room_locks[room.pk]
        standing = standing_in[room.pk]
        entry = policies.can_enter(v, room, lock, standing, now)
        cards.append(
            RoomCard(
                room=room,
                lock=lock,
                entry_reason="" if entry else entry.reason,
                present=counts.get(room.pk, 0),
                next_session=upcoming.get(room.pk),
                live_session=live.get(room.pk),
                standing=standing,
            )
        )
    return cards


def room_cards(
    user: User,
    v: Viewer,
    filters: RoomFilters,
    *,
    now: dt.datetime | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> RoomPage:
    """The rooms this person may see (their band only), filtered, in list order, each with
    its lock and why they cannot enter; ``limit`` rooms from ``offset`` (all without a limit).

    Only the page's rooms are evaluated, except with ``open_only``: whether a room is open
    to someone is decided room by room, so every matching room is evaluated to page them."""
    now = now or timezone.now()
    qs = visible_rooms(v)
    if filters.q:
        qs = qs.filter(
            Q(name__icontains=filters.q)
            | Q(description__icontains=filters.q)
            | Q(topic__name__icontains=filters.q)
        )
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.audience:
        qs = qs.filter(audience=filters.audience)
    # Within each kind of room, the rooms in the viewer's languages first (issue 19: for an
    # English speaker "Apoyo general (español)" came before "Welcome Room").
    qs = qs.order_by(CATEGORY_ORDER, language_order(user), "sort_order", "name", "pk")
    stop = None if limit is None else offset + limit
    if filters.open_only:
        cards = [c for c in _cards(user, v, list(qs), now) if c.can_enter]
        follows = cards[offset - 1].room.category if 0 < offset <= len(cards) else ""
        return RoomPage(cards=cards[offset:stop], total=len(cards), offset=offset, follows=follows)
    total = qs.count() if offset or limit is not None else -1
    rooms = list(qs[max(offset - 1, 0) : stop])
    follows = rooms.pop(0).category if offset and rooms else ""
    if total < 0:
        total = len(rooms)
    return RoomPage(cards=_cards(user, v, rooms, now), total=total, offset=offset, follows=follows)


def categories() -> list[tuple[str, str]]:
    return list(RoomCategory.choices)


def room_for(v: Viewer, slug: str) -> Room | None:
    """The room if this person may see it at all (otherwise None, like a missing room)."""
    room = Room.objects.select_related("community", "topic").filter(slug=slug).first()
    if room is None or not policies.can_see_room(v, room):
        return None
    return room


def room_by_id(v: Viewer, room_id: int) -> Room | None:
    room = Room.objects.select_related("community").filter(pk=room_id).first()
    if room is None or not policies.can_see_room(v, room):
        return None
    return room
