"""Reads every rooms feature shares: the facts policies read about a person (``viewer``)
and about their place in rooms (``standings``, ``standing``: sanctions in force, a host
present, who is hidden from whom)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace

from django.db.models import Q
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import Block, User
from peerpath.accounts.roles import Role
from peerpath.progression.models import Award, AwardState
from peerpath.rooms.models import Room, RoomStaff, RoomStaffKind, Sanction, SanctionKind
from peerpath.rooms.policies import Standing, Viewer
from peerpath.rooms.selectors.presence import host_present

ANONYMOUS = Viewer(user_id=0, band=None, account_type="member")


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
