"""Reads of the nudges app: rule overviews and experiment results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.functions import TruncDate

from peerpath.activity.models import ActivityEvent
from peerpath.nudges import stats
from peerpath.nudges.models import NudgeRule, NudgeRun, NudgeSend, NudgeSettings


@dataclass(frozen=True)
class RuleRow:
    rule: NudgeRule
    sent_7d: int
    experiment: bool


def rule_rows(now: dt.datetime) -> list[RuleRow]:
    since = now - dt.timedelta(days=7)
    rules = list(
        NudgeRule.objects.annotate(
            sent_7d=Count("sends", filter=Q(sends__created_at__gt=since, sends__sent=True)),
            n_variants=Count("variants", distinct=True),
        ).order_by("slug")
    )
    return [RuleRow(r, r.sent_7d, r.n_variants >= 2) for r in rules]


def recent_runs(limit: int = 10) -> list[NudgeRun]:
    return list(NudgeRun.objects.order_by("-started_at")[:limit])


def sends_by_day(rule: NudgeRule, now: dt.datetime, days: int = 14) -> list[tuple[dt.date, int]]:
    rows = (
        NudgeSend.objects.filter(rule=rule, created_at__gt=now - dt.timedelta(days=days))
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    return [(day, n) for day, n in rows]


@dataclass(frozen=True)
class Results:
    arms: list[stats.Arm]
    comparisons: list[stats.Comparison]
    waiting: int  # assigned, outcome window not finished yet
    outcome_label: str
    outcome_days: int
    min_sample: int


def experiment_results(rule: NudgeRule, now: dt.datetime) -> Results | None:
    """Per-variant counts and rates over people whose outcome window has finished."""
    variants = list(rule.variants.all())
    if len(variants) < 2 or not rule.outcome:
        return None
    window = dt.timedelta(days=rule.outcome_days)
    finished = NudgeSend.objects.filter(rule=rule, created_at__lte=now - window).exclude(variant="")
    hit = ActivityEvent.objects.filter(
        user_id=OuterRef("user_id"),
        kind=rule.outcome,
        occurred_at__gt=OuterRef("created_at"),
        occurred_at__lte=ExpressionWrapper(
            OuterRef("created_at") + window, output_field=DateTimeField()
        ),
    )
    counts = {
        row["variant"]: (row["n"], row["s"])
        for row in finished.annotate(hit=Exists(hit))
        .values("variant")
        .annotate(n=Count("id"), s=Count("id", filter=Q(hit=True)))
        .order_by()
    }
    waiting = (
        NudgeSend.objects.filter(rule=rule, created_at__gt=now - window).exclude(variant="").count()
    )
    arms = [
        stats.Arm(
            key=v.key,
            label=v.display,
            is_control=v.is_control,
            n=counts.get(v.key, (0, 0))[0],
            successes=counts.get(v.key, (0, 0))[1],
        )
        for v in variants
    ]
    label = rule.get_outcome_display().lower()
    cfg = NudgeSettings.current()
    comparisons = stats.compare(
        arms, min_sample=cfg.min_sample, outcome=f"{label} within {rule.outcome_days} days"
    )
    return Results(arms, comparisons, waiting, label, rule.outcome_days, cfg.min_sample)


SUGGESTION_DAYS = 14


def dashboard_suggestion(user: Any, now: dt.datetime) -> tuple[Any, float, list[str]] | None:
    """The matching assistant's best mentor for a listener whom a ``no_mentor`` nudge
    reached in the last two weeks (the dashboard card that goes with the message)."""
    reached = NudgeSend.objects.filter(
        user_id=user.pk,
        rule__trigger="no_mentor",
        sent=True,
        created_at__gt=now - dt.timedelta(days=SUGGESTION_DAYS),
    ).exists()
    if not reached:
        return None
    from peerpath.mentorship.selectors.directory import suggested_mentors

    best = suggested_mentors(user, top=1)
    return best[0] if best else None
