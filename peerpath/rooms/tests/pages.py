"""Builders and shortcuts for the rooms page tests (``test_views_*``); their fixtures
(``login``, ``rooms``, ``only_our_rooms``) are in ``conftest.py``."""

from __future__ import annotations

import re
from typing import Any

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.rooms.models import Room, RoomCommunity, RoomMessage

XSS = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
CSRF_RE = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')
JSON: dict[str, Any] = {"HTTP_ACCEPT": "application/json"}


def masked(content: bytes) -> bytes:
    return CSRF_RE.sub(rb"\1", content)


def text(response: Any) -> str:
    return str(response.content.decode())


def listing(response: Any) -> str:
    """The room list only (the filter form names categories and audiences too)."""
    return text(response).split('id="room-list"', 1)[1]


def community(band: str) -> RoomCommunity:
    c, _ = RoomCommunity.objects.get_or_create(
        slug=f"{band}-rooms", defaults={"name": f"{band.title()} rooms"}
    )
    return c


def make_room(
    slug: str,
    *,
    band: str = "adult",
    audience: str = "everyone",
    category: str = "member_support",
    lock: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Room:
    room: Room = Room.objects.create(
        slug=slug,
        name=kwargs.pop("name", slug.replace("-", " ").title()),
        description=kwargs.pop("description", "A kind place to talk."),
        category=category,
        community=community(band),
        band=band,
        audience=audience,
        lock_criteria=lock or {},
        **kwargs,
    )
    return room


def person(*, teen: bool = False, listener: bool = False, **kwargs: Any) -> User:
    user: User = UserFactory.create(teen=teen, listener=listener, **kwargs)
    return user


def moderator(*, teen: bool = False, **kwargs: Any) -> User:
    """A global moderator (the Moderator role) of their band."""
    return person(teen=teen, listener=True, roles=[Role.MODERATOR], **kwargs)


def say(room: Room, sender: User, body: str = "Hello everyone") -> RoomMessage:
    """A message written directly (setup only: no broadcast, no credit)."""
    m: RoomMessage = RoomMessage.objects.create(room=room, sender=sender, body=body)
    return m
