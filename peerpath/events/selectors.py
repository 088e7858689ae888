"""Reads of the events app: what a person sees, waitlist positions, the iCal feeds' events,
each mentor's rota status and the coverage of the coming weeks (a few queries each)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Final

from django.db.models import (
    Count,
    DateTimeField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.policies import is_staff_member
from peerpath.accounts.roles import Role
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.events import policies
from peerpath.events.models import (
    RSVP,
    Event,
    EventStatus,
    RotaSettings,
    RotaSlot,
    RSVPStatus,
)
from peerpath.mentorship.models import MentorProfile

FEED_PAST: Final = dt.timedelta(days=90)


def host_ids(event: Event) -> frozenset[int]:
    return frozenset(event.hosts.values_list("pk", flat=True))


def event_for(user: User, event_id: int, now: dt.datetime | None = None) -> Event | None:
    """The event if this person may see it; None when missing *or* hidden (same answer)."""
    event = Event.objects.select_related("room", "created_by").filter(pk=event_id).first()
    if event is None or not policies.can_see_event(user, event, now):
        return None
    return event


def upcoming_for(user: User, *, kind: str = "", now: dt.datetime | None = None) -> QuerySet[Event]:
    """Coming (and running) events of the person's band; staff see both bands."""
    now = now or timezone.now()
    qs = Event.objects.live().filter(ends_at__gt=now).select_related("room")
    if not is_staff_member(user):
        qs = qs.filter(band=policies.band_of(user, now) or "-")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.annotate(
        places_taken=_places_taken_of_each(),
        open_slots=Count("slots", filter=Q(slots__mentor__isnull=True), distinct=True),
    ).order_by("starts_at", "pk")


def to_mark_held(user: User, now: dt.datetime | None = None, days: int = 60) -> QuerySet[Event]:
    """Events this person hosted or created that have started in the last ``days`` days and
    are not yet marked held (nor cancelled): the host closes them with who came."""
    now = now or timezone.now()
    return (
        Event.objects.filter(
            Q(hosts=user) | Q(created_by=user),
            status=EventStatus.SCHEDULED,
            starts_at__lte=now,
            starts_at__gte=now - dt.timedelta(days=days),
        )
        .distinct()
        .order_by("-starts_at")[:10]
    )


def my_rsvps(user: User, now: dt.datetime | None = None) -> QuerySet[RSVP]:
    now = now or timezone.now()
    return (
        RSVP.objects.filter(user=user, event__ends_at__gt=now)
        .exclude(status=RSVPStatus.CANCELLED)
        .exclude(event__status=EventStatus.CANCELLED)
        .select_related("event")
        .order_by("event__starts_at")
    )


def rsvp_of(user: User, event: Event) -> RSVP | None:
    return RSVP.objects.filter(event=event, user=user).first()


def _places(event: Event | OuterRef) -> QuerySet[RSVP]:
    """The RSVPs that take a place at an event: the one definition of "places taken"."""
    return RSVP.objects.filter(event=event, status=RSVPStatus.CONFIRMED)


def places_taken(event: Event) -> int:
    """Places taken at one event (the event page, and the services deciding place or
    waitlist)."""
    return _places(event).count()


def _places_taken_of_each() -> Coalesce:
    """``places_taken`` of each event of a list, as a subquery: counted in the list's own
    join with the host slots, every place was counted once per slot ("20 of 30" on the
    list for "10 of 30" on the page)."""
    per_event = _places(OuterRef("pk")).order_by().values("event").annotate(n=Count("pk"))
    return Coalesce(Subquery(per_event.values("n"), output_field=IntegerField()), 0)


def waitlist_position(event: Event, user: User) -> int | None:
    """1 for the first in the queue; None when not waitlisted."""
    row = RSVP.objects.filter(event=event, user=user, status=RSVPStatus.WAITLISTED).first()
    if row is None:
        return None
    ahead = RSVP.objects.filter(event=event, status=RSVPStatus.WAITLISTED).filter(
        Q(queued_at__lt=row.queued_at) | Q(queued_at=row.queued_at, pk__lt=row.pk)
    )
    return ahead.count() + 1


def slots_of(event: Event) -> list[RotaSlot]:
    return list(event.slots.select_related("mentor").order_by("position"))


def attendees(event: Event) -> QuerySet[RSVP]:
    return event.rsvps.filter(status=RSVPStatus.CONFIRMED).select_related("user")


def feed_events(user: User, now: dt.datetime | None = None) -> list[Event]:
    """A person's calendar: events they have a confirmed place at or host, from 90 days ago
    on (cancelled ones stay, marked cancelled, so calendars drop them)."""
    now = now or timezone.now()
    qs = (
        Event.objects.filter(ends_at__gt=now - FEED_PAST)
        .filter(
            Q(rsvps__user=user, rsvps__status=RSVPStatus.CONFIRMED) | Q(hosts=user),
        )
        .select_related("room")
        .distinct()
        .order_by("starts_at", "pk")
    )
    return list(qs)


# --- The mentor rota -------------------------------------------------------------------------


def add_months(at: dt.datetime, months: int) -> dt.datetime:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class RotaStatus:
    mentor_id: int
    username: str
    band: str | None
    hosted: int  # events hosted within the commitment window
    last_hosted: dt.datetime | None
    required: int
    due_by: dt.datetime | None  # None when on track
    overdue: bool

    @property
    def on_track(self) -> bool:
        return self.due_by is None

    @property
    def label(self) -> str:
        if self.on_track:
            return "on track"
        assert self.due_by is not None  # noqa: S101 - not on track means a date
        left = self.required - self.hosted
        events = "event" if left == 1 else "events"
        when = self.due_by.strftime("%d %b %Y")
        if self.overdue:
            return f"overdue: host {left} {events} (due {when})"
        return f"due: host {left} {events} by {when}"


def rota_statuses(
    *,
    mentor_ids: list[int] | None = None,
    now: dt.datetime | None = None,
    settings: RotaSettings | None = None,
) -> list[RotaStatus]:
    """Every mentor's standing against the commitment (default: host at least 1 event per 6
    months), from the ``event_hosted`` activity log: on track when they hosted enough within
    the last ``commitment_months``; otherwise due ``commitment_months`` after their last
    hosted event (or after becoming a mentor). Three queries whatever the number of mentors."""
    now = now or timezone.now()
    cfg = settings or RotaSettings.load()
    since = add_months(now, -cfg.commitment_months)
    mentors = User.objects.with_role(Role.MENTOR).filter(is_active=True)
    if mentor_ids is not None:
        mentors = mentors.filter(pk__in=mentor_ids)
    profile_since = MentorProfile.objects.filter(user_id=OuterRef("pk")).values("created_at")[:1]
    rows = (
        mentors.annotate(
            mentor_since=Coalesce(
                Subquery(profile_since, output_field=DateTimeField()), "date_joined"
            )
        )
        .order_by("username")
        .distinct()
    )
    hosted = ActivityEvent.objects.filter(
        kind=ActivityKind.EVENT_HOSTED, occurred_at__lte=now, user__in=mentors
    ).values("user_id")
    counts = dict(
        hosted.filter(occurred_at__gt=since)
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
        .order_by()
    )
    last = dict(hosted.annotate(last=Max("occurred_at")).values_list("user_id", "last").order_by())
    statuses = []
    for user in rows:
        n = counts.get(user.pk, 0)
        latest = last.get(user.pk)
        due_by = None
        if n < cfg.commitment_events:
            start = latest if latest is not None else user.mentor_since
            due_by = add_months(start, cfg.commitment_months)
        statuses.append(
            RotaStatus(
                mentor_id=user.pk,
                username=user.username,
                band=policies.band_of(user, now),
                hosted=n,
                last_hosted=latest,
                required=cfg.commitment_events,
                due_by=due_by,
                overdue=due_by is not None and due_by < now,
            )
        )
    return statuses


@dataclass(frozen=True)
class Week:
    starts: dt.date  # Monday (UTC)
    events: int
    open_slots: int

    @property
    def covered(self) -> bool:
        return self.events > 0 and self.open_slots == 0

    @property
    def label(self) -> str:
        if self.events == 0:
            return "no events"
        if self.open_slots:
            slots = "slot" if self.open_slots == 1 else "slots"
            return f"{self.open_slots} host {slots} open"
        return "covered"


def coverage(
    *, weeks: int | None = None, band: str = "", now: dt.datetime | None = None
) -> list[Week]:
    """The coming weeks (from this UTC week's Monday): scheduled events and unfilled host
    slots per week. A week with no event, or an open slot, is uncovered. Two queries."""
    now = now or timezone.now()
    n = weeks or RotaSettings.load().coverage_weeks
    monday = (now.astimezone(dt.UTC) - dt.timedelta(days=now.astimezone(dt.UTC).weekday())).date()
    start = dt.datetime.combine(monday, dt.time(), tzinfo=dt.UTC)
    end = start + dt.timedelta(weeks=n)
    qs = Event.objects.filter(status=EventStatus.SCHEDULED, starts_at__gte=start, starts_at__lt=end)
    if band:
        qs = qs.filter(band=band)
    events: dict[int, int] = defaultdict(int)
    slots: dict[int, int] = defaultdict(int)
    rows = qs.annotate(open_slots=Count("slots", filter=Q(slots__mentor__isnull=True))).values_list(
        "starts_at", "open_slots"
    )
    for starts_at, open_slots in rows:
        index = (starts_at - start).days // 7
        events[index] += 1
        slots[index] += open_slots
    return [Week(monday + dt.timedelta(weeks=i), events[i], slots[i]) for i in range(n)]
