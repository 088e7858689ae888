"""Events for the demo community: per band, coming events (meet the mentors with hosts, an
AMA with open host slots, a webinar, a workshop needing a host), past held events with their
hosts (months apart, so mentors' rota statuses vary) and attendance, and RSVPs from generated
people and the demo logins.

Called by ``seed_demo`` after people, mentoring and rooms exist::

    from peerpath.events.demo import seed_events
    seed_events(seed=options["seed"], anchor=anchor)

Bounded whatever the size (a few hundred rows); deterministic for a seed and anchor. Every
host is a mentor of the event's band, every RSVP of the event's band, nothing hosted or
attended lies in the future.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
from django.db import transaction

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.services import record_activities_bulk
from peerpath.events.models import (
    RSVP,
    Event,
    EventBand,
    EventKind,
    EventStatus,
    RotaSettings,
    RotaSlot,
    RSVPStatus,
)
from peerpath.events.selectors import add_months
from peerpath.events.services import EVENT_REF
from peerpath.rooms.models import Room

_STREAM_EVENTS: Final = 6  # generator.py 1-3, mentorship.py 4, rooms.py 5
ATTENDEE_SAMPLE: Final = 400
MENTORS_PER_BAND: Final = 12
DEMO_ATTENDEES: Final = {
    EventBand.ADULT: ("demo-member", "demo-listener", "demo-moderator"),
    EventBand.TEEN: ("demo-teen-member", "demo-teen-listener"),
}
DEMO_MENTOR: Final = {EventBand.ADULT: "demo-mentor", EventBand.TEEN: "demo-teen-mentor"}


@dataclass(frozen=True)
class EventsSummary:
    events: int
    rsvps: int
    hosted: int
    seconds: float

    def line(self) -> str:
        return (
            f"Events: {self.events} events, {self.rsvps} RSVPs, {self.hosted} hosted "
            f"({self.seconds:.1f} s)."
        )


def _people(band: str, anchor: dt.datetime, *, mentors: bool) -> list[User]:
    # Of the band for the whole demo window (a year back, two months ahead).
    qs = User.objects.filter(is_active=True, date_joined__lte=anchor - dt.timedelta(days=300))
    if band == EventBand.TEEN:
        qs = qs.filter(teen_from__lte=anchor - dt.timedelta(days=300)).filter(
            adult_from__gt=anchor + dt.timedelta(days=70)
        )
    else:
        qs = qs.filter(adult_from__lte=anchor - dt.timedelta(days=300))
    if mentors:
        qs = qs.with_role(Role.MENTOR)
    limit = MENTORS_PER_BAND if mentors else ATTENDEE_SAMPLE
    return list(qs.order_by("pk")[:limit])


def _make(
    kind: str,
    title: str,
    starts: dt.datetime,
    capacity: int,
    *,
    band: str,
    room: Room | None,
    staff: User | None,
) -> Event:
    return Event.objects.create(
        kind=kind,
        title=title,
        description=f"A demo {kind.replace('_', ' ')} for {band}s.",
        band=band,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        room=room,
        video_url="" if room is not None else "https://meet.example.org/demo",
        capacity=capacity,
        created_by=staff,
    )


def seed_events(
    *, seed: int, anchor: dt.datetime, progress: Callable[[str], None] | None = None
) -> EventsSummary:
    """Demo events for both bands (one transaction; a few hundred rows)."""
    if anchor.tzinfo is None:
        raise ValueError("the anchor must be timezone-aware")
    started = time.perf_counter()
    rng = np.random.default_rng([seed, _STREAM_EVENTS])
    events = rsvps = hosted = 0
    with transaction.atomic():
        RotaSettings.load()
        staff = User.objects.filter(username="demo-staff").first()
        activity: list[ActivityEvent] = []
        for band in (EventBand.ADULT, EventBand.TEEN):
            demo_mentor = User.objects.filter(username=DEMO_MENTOR[band]).first()
            mentors = _people(band, anchor, mentors=True)
            if demo_mentor is not None and demo_mentor not in mentors:
                mentors.insert(0, demo_mentor)
            crowd = _people(band, anchor, mentors=False)
            demo = list(User.objects.filter(username__in=DEMO_ATTENDEES[band]).order_by("pk"))
            room = Room.objects.filter(band=band, is_active=True).order_by("sort_order").first()
            hour = 18 if band == EventBand.ADULT else 16

            def at(days: int, hour: int = hour) -> dt.datetime:
                day = (anchor + dt.timedelta(days=days)).astimezone(dt.UTC)
                return day.replace(hour=hour, minute=0, second=0, microsecond=0)

            def make(
                kind: str, title: str, starts: dt.datetime, capacity: int, *, in_room: bool
            ) -> Event:
                return _make(
                    kind,
                    title,
                    starts,
                    capacity,
                    band=band,  # noqa: B023 - called within this iteration only
                    room=room if in_room else None,  # noqa: B023
                    staff=staff,
                )

            coming = [
                make(EventKind.MEET_THE_MENTORS, "Meet the mentors", at(3), 40, in_room=True),
                make(
                    EventKind.AMA, "AMA: your first month as a listener", at(9), 30, in_room=False
                ),
                make(
                    EventKind.WEBINAR, "Webinar: looking after yourself", at(16), 12, in_room=False
                ),
                make(EventKind.WORKSHOP, "Workshop: active listening", at(37), 15, in_room=True),
            ]
            # Hosts for meet the mentors; open host slots on the AMA and the workshop.
            if mentors:
                coming[0].hosts.add(*mentors[:2])
                RotaSlot.objects.create(
                    event=coming[0], position=1, mentor=mentors[0], taken_at=anchor
                )
            RotaSlot.objects.bulk_create(
                [RotaSlot(event=coming[1], position=n) for n in (1, 2)]
                + [RotaSlot(event=coming[3], position=1)]
            )
            # Happening now: a drop-in the demo mentor is hosting, started 40 minutes ago and
            # not yet marked held, so "mark held" (who came) can be tried on the demo.
            now_on = make(
                EventKind.MEET_THE_MENTORS,
                "Drop-in: meet the mentors",
                (anchor - dt.timedelta(minutes=40)).replace(second=0, microsecond=0),
                20,
                in_room=True,
            )
            drop_in_host = demo_mentor or (mentors[0] if mentors else None)
            if drop_in_host is not None:
                now_on.hosts.add(drop_in_host)
                RotaSlot.objects.create(
                    event=now_on, position=1, mentor=drop_in_host, taken_at=anchor
                )
            drop_in = [
                RSVP(
                    event=now_on,
                    user=crowd[int(i)],
                    status=RSVPStatus.CONFIRMED,
                    queued_at=now_on.starts_at - dt.timedelta(days=1),
                )
                for i in (rng.permutation(len(crowd))[:4].tolist() if crowd else [])
                if drop_in_host is None or crowd[int(i)].pk != drop_in_host.pk
            ]
            RSVP.objects.bulk_create(drop_in, ignore_conflicts=True)
            rsvps += len(drop_in)
            events += len(coming) + 1
            # RSVPs: the demo logins to meet the mentors; a crowd (the webinar fills up).
            rows: list[RSVP] = []
            for person in demo:
                confirmed = RSVPStatus.CONFIRMED
                rows.append(RSVP(event=coming[0], user=person, status=confirmed, queued_at=anchor))
            picks = rng.permutation(len(crowd))[:30] if crowd else np.array([], dtype=np.int64)
            webinar_seats = 0
            for i, idx in enumerate(picks.tolist()):
                person = crowd[idx]
                if person in demo:
                    continue
                event = coming[i % 3]
                status = RSVPStatus.CONFIRMED
                if event is coming[2]:
                    webinar_seats += 1
                    if webinar_seats > event.capacity:
                        status = RSVPStatus.WAITLISTED
                queued = anchor - dt.timedelta(minutes=len(picks) - i)
                rows.append(RSVP(event=event, user=person, status=status, queued_at=queued))
            RSVP.objects.bulk_create(rows, ignore_conflicts=True)
            rsvps += len(rows)
            # Past held events: each mentor last hosted 1 to 12 months ago, so some
            # are on track and some are due.
            for k, mentor in enumerate(mentors):
                months = (k * 5) % 12 + 1  # 1, 6, 11, 4, 9, 2, 7, ... months ago
                starts = add_months(at(0), -months) - dt.timedelta(days=int(rng.integers(0, 20)))
                past = make(
                    EventKind.MEET_THE_MENTORS if k % 2 else EventKind.MOCK_SESSION,
                    "Meet the mentors" if k % 2 else "Mock session practice",
                    starts,
                    20,
                    in_room=bool(k % 2),
                )
                past.status = EventStatus.HELD
                past.held_at = past.ends_at
                past.save(update_fields=["status", "held_at"])
                past.hosts.add(mentor)
                activity.append(
                    ActivityEvent(
                        user=mentor,
                        kind=ActivityKind.EVENT_HOSTED,
                        occurred_at=past.starts_at,
                        ref_type=EVENT_REF,
                        ref_id=past.pk,
                    )
                )
                hosted += 1
                events += 1
                came: list[int] = rng.permutation(len(crowd))[:5].tolist() if crowd else []
                seats = [
                    RSVP(
                        event=past,
                        user=crowd[int(i)],
                        status=RSVPStatus.CONFIRMED,
                        queued_at=past.starts_at - dt.timedelta(days=2),
                        attended=True,
                    )
                    for i in came
                    if crowd[int(i)].pk != mentor.pk
                ]
                RSVP.objects.bulk_create(seats, ignore_conflicts=True)
                rsvps += len(seats)
                activity += [
                    ActivityEvent(
                        user=s.user,
                        kind=ActivityKind.EVENT_ATTENDED,
                        occurred_at=past.starts_at,
                        ref_type=EVENT_REF,
                        ref_id=past.pk,
                    )
                    for s in seats
                ]
        record_activities_bulk(activity)
    summary = EventsSummary(events, rsvps, hosted, time.perf_counter() - started)
    if progress:
        progress(f"  {summary.line()}")
    return summary
