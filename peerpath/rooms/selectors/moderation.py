"""Reads of moderation: the rooms a person moderates, who responds when someone may not
be safe in a room, the room safeguarding alerts a moderator may act on, the moderation
queue (reports, alerts, log) and the sanctions in force there."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.rooms import policies
from peerpath.rooms.models import (
    ModerationLog,
    Report,
    ReportStatus,
    Room,
    RoomMessage,
    RoomSession,
    RoomStaff,
    RoomStaffKind,
    Sanction,
)
from peerpath.rooms.policies import Viewer
from peerpath.rooms.selectors.common import viewer
from peerpath.safety import selectors as safety_selectors
from peerpath.safety.models import SafetyAlert


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


# Where screened room text lives: a safeguarding alert names its row by these labels.
MESSAGE_SOURCE = "rooms.RoomMessage"
REPORT_SOURCE = "rooms.Report"
SESSION_SOURCE = "rooms.RoomSession"


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


def moderated_sanctions(v: Viewer, now: dt.datetime, *, limit: int = 50) -> list[Sanction]:
    """Sanctions in force in rooms this person moderates (staff: every room, and bans that
    apply everywhere), newest first."""
    qs = Sanction.objects.in_force(now).select_related("user", "room", "community", "created_by")
    if not v.is_staff:
        rooms = moderated_rooms(v)
        communities = rooms.values("community_id")
        qs = qs.filter(Q(room__in=rooms) | Q(room__isnull=True, community_id__in=communities))
    return list(qs.order_by("-created_at", "-id")[:limit])
