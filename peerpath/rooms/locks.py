"""Badge locks: a room's ``lock_criteria`` are written in the ladder's criteria language and
evaluated by the progression evaluator over the same facts loader ``/path/`` uses
(``progression.selectors.awards.lock_progress``), so "2 of 5 group chats" here and there
always agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.progression import ladder, rules
from peerpath.progression.selectors.awards import lock_progress
from peerpath.rooms.models import Room
from peerpath.rooms.policies import OPEN, Lock

_parsed: dict[tuple[int, str], rules.Criterion] = {}


def criterion(room: Room, vocab: rules.Vocabulary) -> rules.Criterion:
    """The room's parsed lock (cached per room and edit)."""
    key = (room.pk, room.updated_at.isoformat() if room.updated_at else "")
    found = _parsed.get(key)
    if found is None:
        found = rules.parse(room.lock_criteria, vocab, where=f"room {room.slug}")
        if len(_parsed) > 2000:
            _parsed.clear()
        _parsed[key] = found
    return found


def locks_for(
    user: User, rooms: Sequence[Room], *, now: dt.datetime | None = None
) -> dict[int, Lock]:
    """Each room's lock for ``user``: one facts load for all locked rooms
    (``progression.selectors.awards.lock_progress``: what is missing with the distance,
    "12 of 20 group chats", a badge or role needed with its own unmet criteria, and
    achievements named as the person sees them, "Teen Star" for a teen)."""
    now = now or timezone.now()
    out = {r.pk: OPEN for r in rooms}
    locked = [r for r in rooms if r.lock_criteria]
    if not locked or not getattr(user, "pk", None):
        return out
    vocab = ladder.vocabulary()
    parsed: dict[int, rules.Criterion] = {}
    for room in locked:
        try:
            parsed[room.pk] = criterion(room, vocab)
        except rules.CriteriaError:
            # A lock naming something that no longer exists keeps the room closed (safe side).
            out[room.pk] = Lock(False, ("this room's lock needs fixing by staff",))
    for room_id, progress in lock_progress(user, parsed, now=now).items():
        out[room_id] = OPEN if progress.met else Lock(False, progress.missing)
    return out
