"""Screening writers for events: what the "new event" form's view calls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.events import services


def create_as(actor: User, **overrides: Any) -> services.EventSaved:
    """What the "new event" page calls."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "kind": "ama",
        "title": "Ask the mentors",
        "band": "teen",
        "starts_at": now + dt.timedelta(days=2),
        "ends_at": now + dt.timedelta(days=2, hours=1),
        "capacity": 20,
        "video_url": "https://video.example.org/ama",
        "now": now,
        **overrides,
    }
    return services.create_event(actor=actor, **fields)


def create_event(**texts: str) -> Model:
    return create_as(UserFactory.create(roles=[Role.STAFF]), **texts).event


WRITERS: dict[str, Callable[[str], Model]] = {
    "events.Event.title": lambda text: create_event(title=text),
    "events.Event.description": lambda text: create_event(description=text),
}
