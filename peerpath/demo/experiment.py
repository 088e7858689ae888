"""A nudge experiment with a year of data, so the nudges pages show an uplift and its interval.

The rule "First group chat" invites people a day after they join to a group support room;
half of them (the control group) are held back. The nudge engine itself is replayed as of
each week of the last year (``engine.run(now=...)`` on a simulated clock): it finds the
newcomers, assigns the variants by its own hashing and writes its ledger and notices. The
outcome (a group chat within 7 days) is then drawn per person: more likely after the message
than without it, and written as activity events in bulk.

Called by :func:`peerpath.demo.history.seed_history` before the ladder is replayed, so the
outcome chats count on the ladder too. Deterministic for a seed and anchor; idempotent (the
rule is created once).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import numpy as np
from django.db import transaction

from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.services import record_activities_bulk
from peerpath.nudges import engine
from peerpath.nudges.models import Audience, Channel, NudgeRule, NudgeSend, NudgeVariant, Outcome

SLUG: Final = "first-group-chat"
_STREAM_EXPERIMENT: Final = 10
WEEKS: Final = 52
# Chance of a group chat within the outcome window, by arm: the message helps.
OUTCOME_P: Final = {"invite": 0.36, "control": 0.24}


@dataclass(frozen=True, slots=True)
class ExperimentSummary:
    assigned: int
    outcomes: int

    def line(self) -> str:
        return f"Experiment {SLUG!r}: {self.assigned} people assigned, {self.outcomes} outcomes."


def _rule() -> NudgeRule:
    rule = NudgeRule(
        slug=SLUG,
        name="First group chat: invite newcomers",
        description="A day after joining, invite people to a group support room. An "
        "experiment: half of them get no message (control), and the outcome is a group "
        "chat within 7 days.",
        trigger="joined",
        params={"after_hours": 24, "within_days": 7},
        audience=Audience.PERSON,
        category="rooms",
        channel=Channel.IN_APP,
        title_template="Come and say hello in a group room, {name}",
        body_template="Group support rooms are open every day. The Welcome Room is a gentle "
        "place to start: read along, say hello when you feel like it.",
        url="/rooms/",
        cap=1,
        outcome=Outcome.GROUP_CHAT,
        outcome_days=7,
        experiment_salt=f"{SLUG}-1",
    )
    rule.full_clean()
    rule.save()
    for variant in (
        NudgeVariant(rule=rule, key="invite", label="Invitation", weight=1),
        NudgeVariant(rule=rule, key="control", is_control=True, weight=1),
    ):
        variant.full_clean()
        variant.save()
    return rule


def seed_experiment(*, seed: int, anchor: dt.datetime) -> ExperimentSummary:
    """Create the rule, replay the engine weekly over the last year, draw the outcomes."""
    from peerpath.demo.history import simulated_clock

    if NudgeRule.objects.filter(slug=SLUG).exists():
        return ExperimentSummary(0, 0)
    rng = np.random.default_rng([seed, _STREAM_EXPERIMENT])
    with transaction.atomic():
        rule = _rule()
    for week in range(WEEKS, 0, -1):
        at = anchor - dt.timedelta(days=7 * week, hours=-9)
        with simulated_clock(at):
            engine.run(
                now=at, rules=[NudgeRule.objects.prefetch_related("variants").get(pk=rule.pk)]
            )
    sends = list(
        NudgeSend.objects.filter(rule=rule)
        .exclude(variant="")
        .order_by("pk")
        .values_list("user_id", "variant", "created_at")
    )
    window = rule.outcome_days * 86_400
    events: list[ActivityEvent] = []
    for user_id, variant, created_at in sends:
        if rng.random() >= OUTCOME_P.get(variant, 0.0):
            continue
        at = created_at + dt.timedelta(seconds=int(rng.integers(3_600, window - 3_600)))
        if at < anchor:
            events.append(
                ActivityEvent(user_id=user_id, kind=ActivityKind.GROUP_CHAT, occurred_at=at)
            )
    with transaction.atomic():
        written = record_activities_bulk(events)
    return ExperimentSummary(len(sends), written)
