"""Events for tests, built with the ORM (so past events and odd states are easy to make)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.events.models import Event, EventKind, RotaSlot

_seq = itertools.count(1)


def make_event(
    *,
    band: str = "adult",
    starts_in: dt.timedelta = dt.timedelta(days=3),
    hours: int = 1,
    capacity: int = 10,
    waitlist: bool = True,
    slots: int = 0,
    hosts: tuple[User, ...] = (),
    now: dt.datetime | None = None,
    **kwargs: Any,
) -> Event:
    now = now or timezone.now()
    starts = now + starts_in
    n = next(_seq)
    event = Event.objects.create(
        kind=kwargs.pop("kind", EventKind.AMA),
        title=kwargs.pop("title", f"Test event {n}"),
        band=band,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=hours),
        video_url=kwargs.pop("video_url", "https://video.example.org/room"),
        capacity=capacity,
        waitlist=waitlist,
        **kwargs,
    )
    if hosts:
        event.hosts.add(*hosts)
    RotaSlot.objects.bulk_create(RotaSlot(event=event, position=i) for i in range(1, slots + 1))
    return event
