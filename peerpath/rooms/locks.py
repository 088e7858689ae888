"""Badge locks: a room's ``lock_criteria`` are written in the ladder's criteria language and
evaluated by the progression evaluator (``progression.rules``) over the same facts loader
``/path/`` uses, so "3 more group chats" here and "2 of 5 group chats" there always agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.progression import facts as facts_mod
from peerpath.progression import ladder, rules
from peerpath.progression.models import Achievement
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
    """Each room's lock for ``user``: one facts load for all locked rooms."""
    now = now or timezone.now()
    out = {r.pk: OPEN for r in rooms}
    locked = [r for r in rooms if r.lock_criteria]
    if not locked or not getattr(user, "pk", None):
        return out
    vocab = ladder.vocabulary()
    kinds = dict(Achievement.objects.values_list("slug", "kind"))
    parsed: list[tuple[Room, rules.Criterion]] = []
    for room in locked:
        try:
            parsed.append((room, criterion(room, vocab)))
        except rules.CriteriaError:
            # A lock naming something that no longer exists keeps the room closed (safe side).
            out[room.pk] = Lock(False, ("this room's lock needs fixing by staff",))
    rule_set = [
        rules.Rule(slug=f"room:{room.pk}", criteria=c, automatic=False) for room, c in parsed
    ]
    facts, _ = facts_mod.load(rule_set, now=now, user_ids=[user.pk])
    if facts.n == 0:
        return {r.pk: Lock(False, ("sign in",)) for r in rooms}
    for room, c in parsed:
        result = rules.evaluate(c, facts)
        if bool(result.met[0]):
            out[room.pk] = OPEN
        else:
            out[room.pk] = Lock(False, tuple(reasons(c, facts, vocab, kinds)))
    return out


def reasons(
    c: rules.Criterion, facts: rules.Facts, vocab: rules.Vocabulary, kinds: dict[str, Any]
) -> list[str]:
    """What is missing, in short phrases: "needs the Verified Listener badge", "3 more group
    chats". For "one of" the closest alternative is shown; for "at least n" the closest
    missing ones."""
    result = rules.evaluate(c, facts)
    if bool(result.met[0]):
        return []
    if isinstance(c, rules.All):
        return [r for item in c.items for r in reasons(item, facts, vocab, kinds)]
    if isinstance(c, rules.AnyOf | rules.AtLeast):
        scored = [
            (float(rules.evaluate(i, facts).progress[0]), n, i) for n, i in enumerate(c.items)
        ]
        unmet = [(p, n, i) for p, n, i in scored if not bool(rules.evaluate(i, facts).met[0])]
        unmet.sort(key=lambda t: (-t[0], t[1]))
        need = 1 if isinstance(c, rules.AnyOf) else c.n - (len(c.items) - len(unmet))
        out: list[str] = []
        for _, _, item in unmet[: max(need, 1)]:
            out.extend(reasons(item, facts, vocab, kinds))
        return out
    if isinstance(c, rules.Not):
        inner = c.item
        if isinstance(inner, rules.Held):
            return [f"not for holders of {vocab.achievement_names.get(inner.slug, inner.slug)}"]
        return ["not available to you"]
    leaf = result.leaves[0]
    value, target = int(leaf.value[0]), int(leaf.target[0])
    if isinstance(c, rules.Count):
        one, many = vocab.event_labels.get(c.event, (c.event, c.event))
        missing = max(target - value, 1)
        window = f" in the last {c.window_days} days" if c.window_days else ""
        return [f"{missing} more {one if missing == 1 else many}{window}"]
    if isinstance(c, rules.Tenure):
        missing = max(target - value, 1)
        what = {"listener": "as a listener", "member": "as a member", "account": "on peerpath"}
        label = what.get(c.subject)
        if label is None:
            label = f"as {vocab.achievement_names.get(c.subject[5:], c.subject[5:])}"
        return [f"{missing} more day{'s' if missing != 1 else ''} {label}"]
    if isinstance(c, rules.Held):
        name = vocab.achievement_names.get(c.slug, c.slug)
        kind = kinds.get(c.slug, "badge")
        return [f"needs the {name} {kind}"]
    if isinstance(c, rules.TrainingDone):
        return [f"needs the {vocab.training_names.get(c.slug, c.slug)} training"]
    if isinstance(c, rules.AccountIs):
        return [f"for {c.type}s"]
    return ["for teens" if c.band == "teen" else "for adults"]
