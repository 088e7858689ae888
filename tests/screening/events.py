"""Screening writers for events: what the "new event" form's view calls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Model
from django.utils import timezone

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.events import services


def create_event(*, title: str = "Ask the mentors", description: str = "") -> Model:
    now = timezone.now()
    saved = services.create_event(
        actor=UserFactory.create(roles=[Role.STAFF]),
        kind="ama",
        title=title,
        description=description,
        band="teen",
        starts_at=now + dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=2, hours=1),
        capacity=20,
        video_url="https://video.example.org/ama",
        now=now,
    )
    return saved.event


WRITERS: dict[str, Callable[[str], Model]] = {
    "events.Event.title": lambda text: create_event(title=text),
    "events.Event.description": lambda text: create_event(description=text),
}
