"""The nudge engine: every active rule evaluated set-based, the ledger, then one hand-over.

``run`` evaluates each rule in three steps:

1. **plan**: the trigger's query finds the occasions (a handful of queries for everyone),
   expanded to recipients by the audience;
2. **filter**: the rule's ledger for those people (chunked ``IN`` queries on its unique index)
   removes windows already handled, people in the rule's (or its group's) cooldown and people
   at the cap; a rule with a cooldown sends one message per person per run (each occasion
   of a rule without one, e.g. two new pairs of one mentor, is its own message);
3. **send**, in one transaction per rule: ledger rows are bulk-inserted with
   ``ignore_conflicts`` and read back by run, so only rows *this* run wrote are sent; the
   messages go to ``notifications.services.send_many`` in the same transaction. A crash rolls
   both back; a re-run, or a second worker, finds the windows taken and sends nothing.

Experiments: a rule with variants assigns each new ledger row a variant by a stable hash of
(salt, person); the control variant is written to the ledger (so outcomes can be compared)
but sends nothing.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from django.db import transaction
from django.db.models import Q
from django.urls import Resolver404, resolve
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.mentorship.notify import staff_members, staff_pair_url
from peerpath.notifications.services import Outgoing, send_many
from peerpath.nudges import stats, templating
from peerpath.nudges.models import Audience, Channel, NudgeRule, NudgeRun, NudgeSend, NudgeSettings
from peerpath.nudges.triggers import TRIGGERS, Found

CHUNK: Final = 900  # under SQLite's default limit of bound parameters
STAFF_LIST_MAX: Final = 20


@dataclass(frozen=True)
class Planned:
    user_id: int
    window: str
    values: dict[str, object]


@dataclass
class Evaluation:
    rule: NudgeRule
    planned: list[Planned]
    people: int
    skipped: str = ""
    sample: list[tuple[str, str, str]] = field(default_factory=list)  # (username, title, body)


def _recipients(rule: NudgeRule, f: Found) -> list[tuple[int, str]]:
    a = rule.audience
    if a == Audience.PERSON:
        return [f.person] if f.person else []
    if a == Audience.MENTEE:
        return [f.mentee] if f.mentee else []
    if a == Audience.MENTOR:
        return [f.mentor] if f.mentor else []
    if a == Audience.BOTH:
        return [p for p in (f.mentee, f.mentor) if p]
    return []


def plan(rule: NudgeRule, now: dt.datetime) -> list[Planned]:
    """Every (person, window) the rule's trigger and audience call for, ledger ignored."""
    trigger = TRIGGERS[rule.trigger]
    params = rule.merged_params()
    out: list[Planned] = []
    if rule.audience == Audience.STAFF:
        staff = [(u.pk, u.username) for u in staff_members()]
        for f in trigger.find(params, now):
            line = _staff_line(f)
            for uid, name in staff:
                out.append(Planned(uid, f.window, {"name": name, "line": line}))
        return out
    for f in trigger.find(params, now):
        for uid, name in _recipients(rule, f):
            values: dict[str, object] = {"name": name, **f.values}
            if f.mentee and f.mentor:
                values["other_name"] = f.mentor[1] if uid == f.mentee[0] else f.mentee[1]
            out.append(Planned(uid, f.window, values))
    return out


def _staff_line(f: Found) -> str:
    if f.mentee and f.mentor:
        return f"{f.mentee[1]} with {f.mentor[1]}: {_staff_pair_link(f)}"
    if f.person:
        return f.person[1]
    return f.window


def _staff_pair_link(f: Found) -> str:
    """Staff cannot open a pair's space (the pair's ``mentorship_url``, 404 for anyone but
    the two): their line links to the staff view of the pair instead."""
    try:
        match = resolve(str(f.values.get("mentorship_url", "")))
    except Resolver404:
        return ""
    if match.view_name != "mentorship:space":
        return ""
    return staff_pair_url(int(match.kwargs["pk"]))


def _filter(rule: NudgeRule, planned: Sequence[Planned], now: dt.datetime) -> list[Planned]:
    """Drop windows already in the ledger, people in cooldown or at the cap; one per person."""
    if not planned:
        return []
    group_rules: list[int] = [rule.pk]
    if rule.group:
        group_rules = list(NudgeRule.objects.filter(group=rule.group).values_list("pk", flat=True))
    cooldown_from = now - dt.timedelta(days=rule.cooldown_days) if rule.cooldown_days else None
    users = sorted({p.user_id for p in planned})
    taken: set[tuple[int, str]] = set()
    cooling: set[int] = set()
    counts: dict[int, int] = defaultdict(int)
    for i in range(0, len(users), CHUNK):
        part = users[i : i + CHUNK]
        rows = NudgeSend.objects.filter(user_id__in=part).filter(
            Q(rule_id=rule.pk) | Q(rule_id__in=group_rules, created_at__gt=cooldown_from or now)
        )
        for uid, rid, window, created in rows.values_list(
            "user_id", "rule_id", "window", "created_at"
        ):
            if rid == rule.pk:
                taken.add((uid, window))
                counts[uid] += 1
            if cooldown_from is not None and created > cooldown_from:
                cooling.add(uid)
    seen: set[int] = set()
    out: list[Planned] = []
    if rule.audience == Audience.STAFF:
        # Staff get one summary listing every new occasion: no per-person dedupe.
        return [p for p in planned if (p.user_id, p.window) not in taken]
    for p in sorted(planned, key=lambda p: (p.user_id, p.window)):
        if (p.user_id, p.window) in taken or p.user_id in cooling:
            continue
        if rule.cap and counts[p.user_id] >= rule.cap:
            continue
        if cooldown_from is not None:
            # With a cooldown, one message per person: the other occasions wait for it.
            if p.user_id in seen:
                continue
            seen.add(p.user_id)
        counts[p.user_id] += 1
        out.append(p)
    return out


def evaluate(
    rule: NudgeRule, now: dt.datetime, *, active_people: int | None = None, sample: int = 0
) -> Evaluation:
    """Who the rule would message now (the ledger applied), without sending anything."""
    planned = _filter(rule, plan(rule, now), now)
    people = len({p.user_id for p in planned})
    ev = Evaluation(rule, planned, people)
    if active_people is None:
        active_people = User.objects.filter(is_active=True).count()
    cfg = NudgeSettings.current()
    if (
        people > cfg.confirm_floor
        and active_people
        and people > cfg.max_share * active_people
        and not rule.confirmed_large_audience
    ):
        ev.skipped = (
            f"would message {people:,} of {active_people:,} people "
            f"({people / active_people:.0%} > {cfg.max_share:.0%}): confirm the large audience"
        )
    if sample:
        names = dict(
            User.objects.filter(pk__in=[p.user_id for p in planned[:sample]]).values_list(
                "pk", "username"
            )
        )
        for msg in _messages(rule, planned[:sample]):
            ev.sample.append((names.get(msg.user_id, "?"), msg.title, msg.body))
    return ev


def _messages(
    rule: NudgeRule, planned: Iterable[Planned], variants: dict[tuple[int, str], str] | None = None
) -> list[Outgoing]:
    texts = {v.key: v for v in rule.variants.all()} if variants else {}
    source = f"nudge:{rule.slug}"
    email = rule.channel == Channel.EMAIL
    if rule.audience == Audience.STAFF:
        per: dict[int, list[Planned]] = defaultdict(list)
        for p in planned:
            per[p.user_id].append(p)
        staff_url = TRIGGERS[rule.trigger].staff_url(rule.params)
        out = []
        for uid, items in per.items():
            lines = [str(p.values["line"]) for p in items[:STAFF_LIST_MAX]]
            if len(items) > STAFF_LIST_MAX:
                lines.append(f"… and {len(items) - STAFF_LIST_MAX} more")
            values = {
                "name": items[0].values["name"],
                "count": len(items),
                "list": "\n".join(lines),
                "staff_url": staff_url,
            }
            out.append(
                _outgoing(rule, uid, values, rule.title_template, rule.body_template, source, email)
            )
        return out
    out = []
    for p in planned:
        title, body = rule.title_template, rule.body_template
        if variants:
            v = texts.get(variants[(p.user_id, p.window)])
            if v is not None:
                title = v.title_template or title
                body = v.body_template or body
        out.append(_outgoing(rule, p.user_id, p.values, title, body, source, email))
    return out


def _outgoing(
    rule: NudgeRule,
    uid: int,
    values: dict[str, object],
    title: str,
    body: str,
    source: str,
    email: bool,
) -> Outgoing:
    return Outgoing(
        user_id=uid,
        category=rule.category,
        title=templating.render(title, values)[:200],
        body=templating.render(body, values),
        url=templating.render(rule.url, values),
        source=source,
        email=email,
    )


def _assign(rule: NudgeRule, planned: Sequence[Planned]) -> dict[tuple[int, str], str] | None:
    variants = list(rule.variants.all())
    if len(variants) < 2 or rule.audience == Audience.STAFF:
        return None
    keys = [v.key for v in variants]
    weights = [v.weight for v in variants]
    salt = rule.salt
    return {(p.user_id, p.window): stats.assign(salt, p.user_id, keys, weights) for p in planned}


def send(rule: NudgeRule, ev: Evaluation, run: NudgeRun, now: dt.datetime) -> tuple[int, int]:
    """Write the ledger and hand the messages over: (sent, held back as control)."""
    if not ev.planned or ev.skipped:
        return 0, 0
    assigned = _assign(rule, ev.planned)
    control = {v.key for v in rule.variants.all() if v.is_control} if assigned else set()
    with transaction.atomic():
        NudgeSend.objects.bulk_create(
            [
                NudgeSend(
                    rule=rule,
                    user_id=p.user_id,
                    window=p.window[:64],
                    variant=assigned[(p.user_id, p.window)] if assigned else "",
                    sent=not (assigned and assigned[(p.user_id, p.window)] in control),
                    run=run,
                    created_at=now,
                )
                for p in ev.planned
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        mine = set(NudgeSend.objects.filter(run=run, rule=rule).values_list("user_id", "window"))
        fresh = [p for p in ev.planned if (p.user_id, p.window[:64]) in mine]
        to_send = [
            p for p in fresh if not (assigned and assigned[(p.user_id, p.window)] in control)
        ]
        messages = _messages(rule, to_send, assigned)
        send_many(messages)
    return len(messages), len(fresh) - len(to_send)


def run(*, now: dt.datetime | None = None, rules: Iterable[NudgeRule] | None = None) -> NudgeRun:
    """Evaluate every active rule (or the given ones) as of ``now``."""
    now = now or timezone.now()
    t0 = time.perf_counter()
    nudge_run = NudgeRun.objects.create(as_of=now, started_at=timezone.now())
    active_people = User.objects.filter(is_active=True).count()
    todo = (
        list(rules)
        if rules is not None
        else list(NudgeRule.objects.filter(is_active=True).prefetch_related("variants"))
    )
    skipped: list[str] = []
    sent = held = 0
    for rule in todo:
        if rule.trigger not in TRIGGERS:
            skipped.append(f"{rule.slug}: unknown trigger {rule.trigger}")
            continue
        ev = evaluate(rule, now, active_people=active_people)
        if ev.skipped:
            skipped.append(f"{rule.slug}: {ev.skipped}")
            continue
        s, h = send(rule, ev, nudge_run, now)
        sent += s
        held += h
    nudge_run.sent, nudge_run.held_back, nudge_run.skipped_rules = sent, held, skipped
    nudge_run.finished_at = timezone.now()
    nudge_run.seconds = time.perf_counter() - t0
    nudge_run.save(update_fields=["sent", "held_back", "skipped_rules", "finished_at", "seconds"])
    return nudge_run
