"""Reads of the rooms app: the facts policies need (``viewer``, ``standing``), the room list
with locks and live counts, history, presence, the moderation queue and hosting time."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import Block, User
from peerpath.accounts.roles import Role
from peerpath.progression.models import Award, AwardState
from peerpath.rooms import locks, policies
from peerpath.rooms.models import (
    HostingQuota,
    ModerationLog,
    Participation,
    Presence,
    Report,
    ReportStatus,
    Room,
    RoomCategory,
    RoomMessage,
    RoomSession,
    RoomStaff,
    RoomStaffKind,
    Sanction,
    SanctionKind,
    ServerHeartbeat,
)
from peerpath.rooms.policies import Lock, Standing, Viewer
from peerpath.safety import selectors as safety_selectors
from peerpath.safety.models import SafetyAlert

HEARTBEAT_SECONDS = 20
STALE_AFTER = dt.timedelta(seconds=HEARTBEAT_SECONDS * 3)
HISTORY_PAGE = 50

ANONYMOUS = Viewer(user_id=0, band=None, account_type="member")


# --- The facts policies read ---------------------------------------------------------------


def viewer(user: User | None, *, now: dt.datetime | None = None) -> Viewer:
    """Roles, band and appointments of ``user`` (4 queries)."""
    if user is None or not account_policies.is_signed_in(user):
        return ANONYMOUS
    now = now or timezone.now()
    band = user.age_band_at(now)
    suspended = account_policies.can_use_community(user, now)
    held = frozenset(
        Award.objects.filter(user=user, state=AwardState.ACTIVE).values_list(
            "achievement__slug", flat=True
        )
    )
    mod_c: set[int] = set()
    mod_r: set[int] = set()
    host_c: set[int] = set()
    host_r: set[int] = set()
    for kind, community_id, room_id in RoomStaff.objects.filter(user=user).values_list(
        "kind", "community_id", "room_id"
    ):
        if kind == RoomStaffKind.MODERATOR:
            (mod_r.add(room_id) if room_id else mod_c.add(community_id))
        else:
            (host_r.add(room_id) if room_id else host_c.add(community_id))
    return Viewer(
        user_id=user.pk,
        band=None if band is AgeBand.CHILD else band.value,
        account_type=user.account_type,
        is_staff=account_policies.is_staff_member(user),
        is_global_moderator=user.has_role(Role.MODERATOR),
        suspended="" if suspended else suspended.reason,
        held=held,
        moderates_communities=frozenset(mod_c),
        moderates_rooms=frozenset(mod_r),
        hosts_communities=frozenset(host_c),
        hosts_rooms=frozenset(host_r),
    )


def live_servers(now: dt.datetime | None = None) -> list[str]:
    now = now or timezone.now()
    return list(
        ServerHeartbeat.objects.filter(seen_at__gte=now - STALE_AFTER).values_list(
            "server", flat=True
        )
    )


def live_presence(room_ids: Iterable[int] | None = None) -> QuerySet[Presence]:
    qs = Presence.objects.filter(server__in=live_servers())
    if room_ids is not None:
        qs = qs.filter(room_id__in=list(room_ids))
    return qs


def host_present(room: Room, *, now: dt.datetime | None = None) -> bool:
    """A host of a running session, or an appointed host or moderator, is in the room."""
    now = now or timezone.now()
    present = set(live_presence([room.pk]).values_list("user_id", flat=True))
    if not present:
        return False
    running_hosts = set(
        RoomSession.objects.filter(
            room=room, started_at__isnull=False, ended_at__isnull=True, cancelled_at__isnull=True
        ).values_list("host_id", flat=True)
    )
    if present & running_hosts:
        return True
    appointed = set(
        RoomStaff.objects.filter(Q(room=room) | Q(community_id=room.community_id))
        .filter(user_id__in=present)
        .values_list("user_id", flat=True)
    )
    return bool(appointed)


def standings(
    user_id: int, rooms: Sequence[Room], *, now: dt.datetime | None = None
) -> dict[int, Standing]:
    """Sanctions in force for ``user_id`` in each of ``rooms`` (bans, kicks and mutes), by
    room id, in one query: the one place sanctions become a ``Standing``."""
    now = now or timezone.now()
    if not rooms:
        return {}
    communities = {r.community_id for r in rooms}
    sanctions = list(
        Sanction.objects.in_force(now)
        .filter(user_id=user_id, kind__in=[SanctionKind.BAN, SanctionKind.KICK, SanctionKind.MUTE])
        .filter(
            Q(room_id__in=[r.pk for r in rooms])
            | Q(room__isnull=True, community_id__in=communities)
            | Q(room__isnull=True, community__isnull=True)
        )
        .only("kind", "room_id", "community_id", "reason", "expires_at")
    )
    return {room.pk: _standing_in(sanctions, room) for room in rooms}


def _standing_in(sanctions: Iterable[Sanction], room: Room) -> Standing:
    """Fold one person's sanctions in force (newest first) into their standing in ``room``:
    the newest ban, the latest kick, the latest mute with its reason."""
    banned = ""
    banned_until: dt.datetime | None = None
    kicked_until: dt.datetime | None = None
    muted_until: dt.datetime | None = None
    mute_reason = ""
    for s in sanctions:
        applies = s.room_id == room.pk or (
            s.room_id is None and s.community_id in (None, room.community_id)
        )
        if not applies:
            continue
        if s.kind == SanctionKind.BAN and not banned:
            banned, banned_until = s.reason or "no reason given", s.expires_at
        elif s.kind == SanctionKind.KICK and s.expires_at:
            kicked_until = max(kicked_until or s.expires_at, s.expires_at)
        elif (
            s.kind == SanctionKind.MUTE
            and s.expires_at
            and (muted_until is None or s.expires_at > muted_until)
        ):
            muted_until, mute_reason = s.expires_at, s.reason
    return Standing(
        banned=banned,
        banned_until=banned_until,
        kicked_until=kicked_until,
        muted_until=muted_until,
        mute_reason=mute_reason,
    )


def standing(
    user_id: int, room: Room, *, now: dt.datetime | None = None, with_blocks: bool = True
) -> Standing:
    """``standings`` for one room, with whether a host is present and who is hidden."""
    now = now or timezone.now()
    return replace(
        standings(user_id, [room], now=now)[room.pk],
        host_present=host_present(room, now=now) if room.host_required else False,
        blocked_ids=blocked_ids(user_id) if with_blocks else frozenset(),
    )


def blocked_ids(user_id: int) -> frozenset[int]:
    """People hidden from ``user_id``: blocked by them, or who blocked them."""
    rows = Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id)).values_list(
        "blocker_id", "blocked_id"
    )
    return frozenset(b if a == user_id else a for a, b in rows)


# --- The room list ---------------------------------------------------------------------------


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
    qs = qs.order_by(CATEGORY_ORDER, "sort_order", "name", "pk")
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


# --- Messages and presence -------------------------------------------------------------------


def messages_after(
    room_id: int, after: int, limit: int, hidden: frozenset[int] = frozenset()
) -> list[RoomMessage]:
    qs = RoomMessage.objects.filter(room_id=room_id, id__gt=after).select_related("sender")
    if hidden:
        qs = qs.exclude(sender_id__in=hidden)
    return list(qs.order_by("id")[:limit])


def messages_before(
    room_id: int, before: int | None, limit: int, hidden: frozenset[int] = frozenset()
) -> list[RoomMessage]:
    """The ``limit`` messages before ``before`` (or the latest), oldest first."""
    qs = RoomMessage.objects.filter(room_id=room_id).select_related("sender")
    if before is not None:
        qs = qs.filter(id__lt=before)
    if hidden:
        qs = qs.exclude(sender_id__in=hidden)
    return list(reversed(qs.order_by("-id")[:limit]))


def present_people(room_id: int, hidden: frozenset[int] = frozenset()) -> list[tuple[int, str]]:
    rows = (
        live_presence([room_id])
        .exclude(user_id__in=hidden)
        .values_list("user_id", "user__username")
        .distinct()
        .order_by("user__username")
    )
    return list(rows)


def sessions_for_room(room: Room, *, now: dt.datetime | None = None) -> list[RoomSession]:
    now = now or timezone.now()
    return list(
        RoomSession.objects.filter(room=room, cancelled_at__isnull=True, ends_at__gte=now)
        .select_related("host")
        .order_by("starts_at")[:10]
    )


def sessions_to_rate(
    user_id: int, room: Room, *, now: dt.datetime | None = None, days: int = 14
) -> list[RoomSession]:
    """Sessions in this room that ``user_id`` took part in and that ended in the last ``days``
    days, hosted by someone else: the member may leave the host feedback (the feedback app
    checks eligibility again when it is given)."""
    now = now or timezone.now()
    joined = Participation.objects.filter(
        user_id=user_id,
        room=room,
        session__isnull=False,
        created_at__gte=now - dt.timedelta(days=days),
    ).values("session_id")
    return list(
        RoomSession.objects.filter(pk__in=joined, ended_at__isnull=False, ended_at__lte=now)
        .exclude(host_id=user_id)
        .select_related("host")
        .order_by("-ended_at")[:5]
    )


# --- Moderation ------------------------------------------------------------------------------


def moderated_rooms(v: Viewer) -> QuerySet[Room]:
    """Rooms this person moderates."""
    if v.is_staff:
        return Room.objects.all()
    if v.band is None:
        return Room.objects.none()
    q = Q(pk__in=v.moderates_rooms) | Q(community_id__in=v.moderates_communities)
    if v.is_global_moderator:
        q |= Q(band=v.band)
    return Room.objects.filter(q, band=v.band)


# Where screened room text lives: a safeguarding alert names its row by these labels.
MESSAGE_SOURCE = "rooms.RoomMessage"
REPORT_SOURCE = "rooms.Report"
SESSION_SOURCE = "rooms.RoomSession"


def live_session(room: Room) -> RoomSession | None:
    """The session running in ``room`` now, if any (the latest started)."""
    return (
        RoomSession.objects.filter(
            room=room, started_at__isnull=False, ended_at__isnull=True, cancelled_at__isnull=True
        )
        .select_related("host")
        .order_by("-started_at")
        .first()
    )


def responders(
    room: Room, *, host: User | None = None, now: dt.datetime | None = None
) -> list[User]:
    """Who is told when someone may not be safe in ``room``: its moderators (appointed for
    the room or its community, the global moderators of its band, staff where appointed),
    and ``host`` (a live session's host). Each is checked with ``policies.is_moderator`` /
    the room's band, so a teen room's alert reaches only people allowed in teen rooms; a
    suspended person is not asked to respond."""
    now = now or timezone.now()
    appointed = RoomStaff.objects.filter(kind=RoomStaffKind.MODERATOR).filter(
        Q(room=room) | Q(community_id=room.community_id)
    )
    band = AgeBand(room.band)
    global_mods = User.objects.with_role(Role.MODERATOR).in_age_band(band, now)
    candidates = list(
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=appointed.values("user_id")) | Q(pk__in=global_mods.values("pk")))
        .distinct()
        .order_by("pk")
    )
    found: list[User] = []
    for user in candidates:
        v = viewer(user, now=now)
        if not v.suspended and policies.is_moderator(v, room):
            found.append(user)
    if host is not None and host.is_active and all(u.pk != host.pk for u in found):
        hv = viewer(host, now=now)
        if not hv.suspended and (hv.is_staff or policies.band_matches(hv, room)):
            found.append(host)
    return found


def _alert_sources(rooms: QuerySet[Room]) -> Q:
    """Safeguarding alerts about text written in ``rooms``: messages, reports of their
    messages, and sessions."""
    messages = RoomMessage.objects.filter(room__in=rooms).values("pk")
    reports = Report.objects.filter(message__room__in=rooms).values("pk")
    sessions = RoomSession.objects.filter(room__in=rooms).values("pk")
    return (
        Q(source=MESSAGE_SOURCE, source_id__in=messages)
        | Q(source=REPORT_SOURCE, source_id__in=reports)
        | Q(source=SESSION_SOURCE, source_id__in=sessions)
    )


def room_alerts(v: Viewer) -> QuerySet[SafetyAlert]:
    """Open safeguarding alerts from the rooms this person moderates that they may act on:
    staff, every one; anyone else, those sent to them as a responder."""
    base: QuerySet[SafetyAlert]
    if v.is_staff:
        base = SafetyAlert.objects.all().open()
    else:
        user = User.objects.filter(pk=v.user_id).first()
        if user is None:
            return SafetyAlert.objects.none()
        base = safety_selectors.for_responder(user, open_only=True)
    return base.filter(_alert_sources(moderated_rooms(v))).select_related(
        "writer", "acknowledged_by"
    )


@dataclass(frozen=True, slots=True)
class RoomAlert:
    """A safeguarding alert as the room's moderation queue shows it."""

    alert: SafetyAlert
    room: Room | None
    message: RoomMessage | None  # the message it is about (for a report: the reported one)


def with_rooms(alerts: Sequence[SafetyAlert]) -> list[RoomAlert]:
    """Each rooms alert with the room (and message) it is about, in three queries."""
    ids: dict[str, list[int]] = defaultdict(list)
    for a in alerts:
        if a.source_id is not None:
            ids[a.source].append(a.source_id)
    messages = RoomMessage.objects.select_related("room__community").in_bulk(ids[MESSAGE_SOURCE])
    reports = Report.objects.select_related("message__room__community").in_bulk(ids[REPORT_SOURCE])
    sessions = RoomSession.objects.select_related("room__community").in_bulk(ids[SESSION_SOURCE])
    out: list[RoomAlert] = []
    for a in alerts:
        room: Room | None = None
        message: RoomMessage | None = None
        if a.source == MESSAGE_SOURCE and a.source_id in messages:
            message = messages[a.source_id]
            room = message.room
        elif a.source == REPORT_SOURCE and a.source_id in reports:
            message = reports[a.source_id].message
            room = message.room
        elif a.source == SESSION_SOURCE and a.source_id in sessions:
            room = sessions[a.source_id].room
        out.append(RoomAlert(a, room, message))
    return out


def room_of_alert(alert: SafetyAlert) -> Room | None:
    """The room a rooms alert is about (None for any other alert)."""
    return with_rooms([alert])[0].room


@dataclass(slots=True)
class Queue:
    reports: list[Report] = field(default_factory=list)
    alerts: list[RoomAlert] = field(default_factory=list)
    log: list[ModerationLog] = field(default_factory=list)


def moderation_queue(v: Viewer, *, limit: int = 50) -> Queue:
    rooms = moderated_rooms(v)
    reports = list(
        Report.objects.filter(status=ReportStatus.OPEN, message__room__in=rooms)
        .select_related("message__room", "message__sender", "reporter")
        .order_by("created_at")[:limit]
    )
    alerts = with_rooms(list(room_alerts(v).order_by("created_at", "id")[:limit]))
    log = list(
        ModerationLog.objects.filter(room__in=rooms)
        .select_related("actor", "target", "room")
        .order_by("-created_at", "-id")[:limit]
    )
    return Queue(reports=reports, alerts=alerts, log=log)


# --- Hosting ---------------------------------------------------------------------------------

SESSION_EARLY = dt.timedelta(minutes=15)
SESSION_LATE = dt.timedelta(minutes=30)


def moderated_sanctions(v: Viewer, now: dt.datetime, *, limit: int = 50) -> list[Sanction]:
    """Sanctions in force in rooms this person moderates (staff: every room, and bans that
    apply everywhere), newest first."""
    qs = Sanction.objects.in_force(now).select_related("user", "room", "community", "created_by")
    if not v.is_staff:
        rooms = moderated_rooms(v)
        communities = rooms.values("community_id")
        qs = qs.filter(Q(room__in=rooms) | Q(room__isnull=True, community_id__in=communities))
    return list(qs.order_by("-created_at", "-id")[:limit])


def credited_minutes(s: RoomSession, *, now: dt.datetime | None = None) -> int:
    """Hosting minutes a session credits: from its start to its end (or now, while running),
    clipped to 15 minutes before the schedule and 30 minutes after it."""
    if s.started_at is None or s.cancelled_at is not None:
        return 0
    end = s.ended_at or min(now or timezone.now(), s.ends_at + SESSION_LATE)
    start = max(s.started_at, s.starts_at - SESSION_EARLY)
    end = min(end, s.ends_at + SESSION_LATE)
    return max(int((end - start).total_seconds() // 60), 0)


@dataclass(slots=True)
class HostMonth:
    host: User
    month: dt.date
    sessions: int
    minutes: int
    quota: int | None

    @property
    def met(self) -> bool | None:
        return None if self.quota is None else self.minutes >= self.quota


def hosting_by_month(
    *, months: int = 3, host_ids: Sequence[int] | None = None, now: dt.datetime | None = None
) -> list[HostMonth]:
    """Hosting time per host per month, newest month first, with the quota of the highest
    hosting role the host holds."""
    now = now or timezone.now()
    first = now.date().replace(day=1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    qs = RoomSession.objects.filter(
        started_at__isnull=False, cancelled_at__isnull=True, starts_at__gte=start
    ).select_related("host")
    if host_ids is not None:
        qs = qs.filter(host_id__in=list(host_ids))
    totals: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    hosts: dict[int, User] = {}
    for s in qs:
        month = s.starts_at.date().replace(day=1)
        t = totals[(s.host_id, month)]
        t[0] += 1
        t[1] += credited_minutes(s, now=now)
        hosts[s.host_id] = s.host
    quotas = dict(HostingQuota.objects.values_list("role_slug", "minutes_per_month"))
    held: dict[int, set[str]] = defaultdict(set)
    if quotas and hosts:
        for user_id, slug in Award.objects.filter(
            user_id__in=list(hosts), state=AwardState.ACTIVE, achievement__slug__in=list(quotas)
        ).values_list("user_id", "achievement__slug"):
            held[user_id].add(slug)
    out = []
    for (host_id, month), (n, minutes) in totals.items():
        own = [quotas[s] for s in held.get(host_id, ())]
        out.append(
            HostMonth(
                host=hosts[host_id],
                month=month,
                sessions=n,
                minutes=minutes,
                quota=max(own) if own else None,
            )
        )
    out.sort(key=lambda h: (-h.month.toordinal(), -h.minutes, h.host.username))
    return out
