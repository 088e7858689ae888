"""Reads of sessions and hosting: a room's coming sessions, the one running now, the
sessions a member may rate, credited hosting minutes and hosting time per month against
the quotas."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.progression.models import Award, AwardState
from peerpath.rooms.models import HostingQuota, Participation, Room, RoomSession
from peerpath.rooms.policies import SESSION_EARLY, SESSION_LATE


def sessions_for_room(room: Room, *, now: dt.datetime | None = None) -> list[RoomSession]:
    now = now or timezone.now()
    return list(
        RoomSession.objects.filter(room=room, cancelled_at__isnull=True, ends_at__gte=now)
        .select_related("host")
        .order_by("starts_at")[:10]
    )


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
