"""The benchmark's baseline: the ladder evaluated one person at a time with the ORM, the way
one would write it without thinking about scale (one query per criterion and per award).

It shares the pure rules (``awarding.evaluate_ladder`` on one-person facts), so the comparison
measures how facts are gathered, and the decisions must match the batch's exactly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from peerpath.accounts.models import User
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.progression import awarding, rules
from peerpath.progression.facts import CODE_STATES, STATE_CODES, TRAINING_REF
from peerpath.progression.models import Award, Training


def _epoch(when: dt.datetime | None) -> float:
    return np.nan if when is None else round(when.timestamp(), 3)


def _when(value: float) -> dt.datetime | None:
    return None if np.isnan(value) else dt.datetime.fromtimestamp(value, dt.UTC)


def naive_decisions(
    user_ids: list[int], rule_set: list[rules.Rule], now: dt.datetime
) -> dict[tuple[int, str], tuple[Any, ...]]:
    """{(user id, slug): (state, granted_at, below_since, obligation_due)} after evaluation."""
    out: dict[tuple[int, str], tuple[Any, ...]] = {}
    ordered = rules.order(rule_set)
    trainings = dict(Training.objects.values_list("slug", "pk"))
    for user_id in user_ids:
        user = User.objects.get(pk=user_id)
        f = rules.Facts(
            user_ids=np.array([user.pk]),
            now=round(now.timestamp(), 3),
            is_teen=np.array([user.teen_from <= now < user.adult_from]),
            is_listener=np.array([user.account_type == "listener"]),
            joined=np.array([_epoch(user.date_joined)]),
            listener_since=np.array([_epoch(user.listener_since)]),
        )
        standings: dict[str, awarding.Standing] = {}
        for rule in ordered:
            award = Award.objects.filter(user=user, achievement__slug=rule.slug).first()
            if award is not None:
                standings[rule.slug] = awarding.Standing(
                    np.array([STATE_CODES[award.state]], np.int8),
                    np.array([_epoch(award.granted_at)]),
                    np.array([_epoch(award.below_since)]),
                    np.array([_epoch(award.obligation_due)]),
                )
                f.held[rule.slug] = np.array([award.state == "active"])
                f.held_since[rule.slug] = np.array(
                    [_epoch(award.granted_at) if award.state == "active" else np.nan]
                )
            for node in rules.walk(rule.criteria):
                if isinstance(node, rules.Count) and (node.event, node.window_days) not in f.counts:
                    qs = ActivityEvent.objects.filter(
                        user=user, kind=node.event, occurred_at__lte=now
                    )
                    if node.window_days:
                        qs = qs.filter(occurred_at__gte=now - dt.timedelta(days=node.window_days))
                    f.counts[(node.event, node.window_days)] = np.array([qs.count()])
                elif isinstance(node, rules.TrainingDone) and node.slug not in f.trainings:
                    f.trainings[node.slug] = np.array([_trained(user, trainings, node.slug, now)])
            if rule.obligation and rule.obligation not in f.trainings:
                f.trainings[rule.obligation] = np.array(
                    [_trained(user, trainings, rule.obligation, now)]
                )
        for d in awarding.evaluate_ladder(ordered, f, standings):
            state = int(d.after.state[0])
            if state == awarding.NONE:
                continue
            out[(user.pk, d.slug)] = (
                CODE_STATES[state],
                _when(d.after.granted_at[0]),
                _when(d.after.below_since[0]),
                _when(d.after.obligation_due[0]),
            )
    return out


def _trained(user: User, trainings: dict[str, int], slug: str, now: dt.datetime) -> bool:
    return ActivityEvent.objects.filter(
        user=user,
        kind=ActivityKind.TRAINING_COMPLETED,
        ref_type=TRAINING_REF,
        ref_id=trainings.get(slug, -1),
        occurred_at__lte=now,
    ).exists()
