"""Evaluate the ladder for everyone (or everyone touched since the last run) and write the
outcome in bulk: awards inserted and updated, one audit row per change with its reasons,
certificates for new role and milestone awards, staff groups kept in step.

Idempotent: a second run at the same moment finds nothing to change. Incremental runs pick
the people whose facts may have moved since the last run: new activity, a tenure or rolling
window crossing one of the ladder's bars, a grace period or obligation deadline passing, a
birthday crossing into adulthood, or an award changed by hand. A change of the rules makes
the next run a full one.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from peerpath.accounts import role_groups
from peerpath.accounts.models import User
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.core.bulk import BulkInserter, datetime_strings
from peerpath.notifications.services import Outgoing
from peerpath.progression import awarding, ladder, rules
from peerpath.progression import facts as facts_mod
from peerpath.progression.models import (
    Achievement,
    Award,
    AwardAction,
    AwardLog,
    AwardSource,
    AwardState,
    Certificate,
    EvaluationRun,
    certificate_ids,
)
from peerpath.progression.services import notices

# Each change the evaluator decides: its mask on ``Decisions``, its audit action, the
# reason's opening words, and which criteria follow them (the met ones for a grant, the
# unmet ones for a fall; none where the change is about a training).
MET: Final = True
UNMET: Final = False
ACTIONS: Final = (
    ("granted", AwardAction.GRANTED, "Met", MET),
    ("below", AwardAction.BELOW_LOW_WATER, "Below the low-water mark", UNMET),
    ("recovered", AwardAction.RECOVERED, "Back above the low-water mark", MET),
    ("lapsed", AwardAction.LAPSED, "Grace period over; not met", UNMET),
    ("pending_training", AwardAction.PENDING_TRAINING, "Training deadline passed", None),
    ("obligation_met", AwardAction.OBLIGATION_MET, "Required training completed", None),
    ("restored", AwardAction.RESTORED, "Required training completed", None),
)


# A run "as of" longer ago than this is a replay of the past: it tells nobody by default.
REPLAY_AFTER: Final = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Summary:
    run_id: int
    mode: str
    users: int
    changes: int
    seconds: float
    timings: dict[str, float]


def _whole_second(when: dt.datetime) -> dt.datetime:
    return when.replace(microsecond=0)


def run(
    *,
    incremental: bool = False,
    now: dt.datetime | None = None,
    user_ids: Sequence[int] | None = None,
    tell: bool | None = None,
) -> Summary:
    """Evaluate and write. ``user_ids`` limits a run to those people (tests, admin).

    ``tell``: notify people of their changes. By default only a run as of the present does
    (within ``REPLAY_AFTER``): a replay of the past (the demo's history) tells nobody of
    grace periods that ended long ago."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    now = _whole_second(now or timezone.now())
    rule_set = ladder.load_rules()
    checksum = ladder.ladder_checksum()
    latest = (
        EvaluationRun.objects.filter(finished_at__isnull=False).order_by("-as_of", "-id").first()
    )
    mode = EvaluationRun.Mode.FULL
    if user_ids is not None:
        mode = EvaluationRun.Mode.INCREMENTAL
    elif incremental and latest is not None and latest.ladder_checksum == checksum:
        # Rules unchanged since the last run: only people whose facts may have moved.
        mode = EvaluationRun.Mode.INCREMENTAL
        user_ids = touched_since(latest, now=now, rule_set=rule_set)
    watermark = ActivityEvent.objects.aggregate(m=Max("id"))["m"] or 0
    timings["select"] = time.perf_counter() - started
    t = time.perf_counter()
    facts, standings = facts_mod.load(rule_set, now=now, user_ids=user_ids)
    timings["facts"] = time.perf_counter() - t
    t = time.perf_counter()
    decisions = awarding.evaluate_ladder(rule_set, facts, standings)
    timings["evaluate"] = time.perf_counter() - t
    t = time.perf_counter()
    with transaction.atomic():
        record = EvaluationRun.objects.create(
            mode=mode,
            as_of=now,
            event_watermark=watermark,
            ladder_checksum=checksum,
        )
        if tell is None:
            tell = now >= timezone.now() - REPLAY_AFTER
        changes = write(decisions, rule_set, facts, now=now, run=record, tell=tell)
        record.users = facts.n
        record.changes = changes
        record.finished_at = timezone.now()
        record.seconds = time.perf_counter() - started
        record.save(update_fields=["users", "changes", "finished_at", "seconds"])
    timings["write"] = time.perf_counter() - t
    return Summary(
        run_id=record.pk,
        mode=record.mode,
        users=facts.n,
        changes=changes,
        seconds=time.perf_counter() - started,
        timings=timings,
    )


# --- Who may have changed --------------------------------------------------------------


def touched_since(
    last: EvaluationRun, *, now: dt.datetime, rule_set: Sequence[rules.Rule]
) -> list[int]:
    """People whose facts may have moved since ``last``: a superset is harmless (their
    evaluation simply changes nothing), a missed person would be a bug."""
    since = last.as_of
    ids: set[int] = set(
        ActivityEvent.objects.filter(id__gt=last.event_watermark)
        .values_list("user_id", flat=True)
        .distinct()
    )
    users = User.objects.filter(is_active=True)
    tenures: set[tuple[str, int]] = set()
    windows: set[tuple[str, int]] = set()
    for rule in rule_set:
        tenures |= rules.tenure_days(rule.criteria)
        windows |= {(k, w) for k, w in rules.count_needs(rule.criteria) if w is not None}
    low_waters = sorted({r.low_water for r in rule_set} | {1.0})

    for subject, days in tenures:
        for share in low_waters:
            d = dt.timedelta(days=float(np.ceil(days * share - 1e-9)))
            lo, hi = since - d, now - d
            if subject == "listener":
                ids |= set(
                    users.filter(listener_since__gt=lo, listener_since__lte=hi).values_list(
                        "pk", flat=True
                    )
                )
            elif subject in ("member", "account"):
                ids |= set(
                    users.filter(date_joined__gt=lo, date_joined__lte=hi).values_list(
                        "pk", flat=True
                    )
                )
            else:
                ids |= set(
                    Award.objects.filter(
                        achievement__slug=subject[5:], granted_at__gt=lo, granted_at__lte=hi
                    ).values_list("user_id", flat=True)
                )
    for kind, days in windows:
        d = dt.timedelta(days=days)
        ids |= set(
            ActivityEvent.objects.filter(
                kind=kind, occurred_at__gt=since - d, occurred_at__lte=now - d
            )
            .values_list("user_id", flat=True)
            .distinct()
        )
    # Grace periods and deadlines running; awards changed by hand; revocations that stop
    # standing; new listeners; birthdays.
    for running in (Q(below_since__isnull=False), Q(obligation_due__isnull=False)):
        ids |= set(Award.objects.filter(running).values_list("user_id", flat=True))
    ids |= set(
        AwardLog.objects.filter(at__gt=since, run__isnull=True).values_list("user_id", flat=True)
    )
    revoked = dt.timedelta(days=awarding.REVOCATION_DAYS)
    ids |= set(
        Award.objects.filter(
            state=AwardState.REVOKED, changed_at__gt=since - revoked, changed_at__lte=now - revoked
        ).values_list("user_id", flat=True)
    )
    ids |= set(users.filter(listener_since__gt=since).values_list("pk", flat=True))
    ids |= set(users.filter(adult_from__gt=since, adult_from__lte=now).values_list("pk", flat=True))
    # The last run saw the world as of its ``as_of`` (facts.load): people who joined after
    # it, and activity that occurred after it but was recorded before its watermark was
    # read (while it ran), were not in it.
    ids |= set(users.filter(date_joined__gt=since).values_list("pk", flat=True))
    kinds = sorted({k for rule in rule_set for k, _ in rules.count_needs(rule.criteria)})
    ids |= set(
        ActivityEvent.objects.filter(
            kind__in=[*kinds, ActivityKind.TRAINING_COMPLETED.value], occurred_at__gt=since
        )
        .values_list("user_id", flat=True)
        .distinct()
    )
    return sorted(ids)


# --- Writing ---------------------------------------------------------------------------


def _dt_column(values: npt.NDArray[np.float64]) -> list[str | None]:
    """Datetime text for the bulk writer (NaN = NULL), formatted column-wise."""
    suffix = "+00:00" if connection.vendor == "postgresql" else ""
    ok = ~np.isnan(values)
    if ok.all():
        return datetime_strings(values.astype(np.int64), suffix)  # type: ignore[return-value]
    out = np.full(len(values), None, dtype=object)
    if ok.any():
        out[ok] = datetime_strings(values[ok].astype(np.int64), suffix)
    result: list[str | None] = out.tolist()
    return result


def _state_column(codes: npt.NDArray[np.int8]) -> list[str]:
    names = np.array([facts_mod.CODE_STATES.get(i, "") for i in range(5)], dtype=object)
    return names[codes].tolist()  # type: ignore[no-any-return]


def _reasons(
    result: rules.Result,
    vocab: rules.Vocabulary,
    rows: npt.NDArray[np.int64],
    prefix: str,
    which: bool | None,
) -> list[str]:
    """Reasons such as "Met: 5/5 group chats; 30/28 days as a listener", column-wise: the
    criteria each person met (``which`` True) or did not meet (False), so an alternative
    route someone did not take is never listed under "Met:"; ``None``: the prefix alone."""
    if len(rows) == 0:
        return []
    # NumPy strings: the concatenations run in C, not once per row in Python. The start is
    # as wide as the prefix (a fixed width would cut "Below the low-water mark" short).
    text = np.full(len(rows), prefix, dtype=f"U{len(prefix) + 1}")
    if which is None:
        out_plain: list[str] = text.tolist()
        return out_plain
    text = np.strings.add(text, ":")
    empty = np.ones(len(rows), np.bool_)
    for leaf in result.leaves:
        met = leaf.met[rows] != leaf.negated  # a "not" leaf is met when its inner one is not
        shown = met if which else ~met
        if not shown.any():
            continue
        label = ("not " if leaf.negated else "") + _leaf_label(leaf.node, vocab)
        values = leaf.value[rows].astype(np.int64).astype("U12")
        targets = leaf.target[rows].astype(np.int64).astype("U12")
        piece = np.strings.add(np.strings.add(values, "/"), targets)
        piece = np.strings.add(np.where(empty, " ", "; "), np.strings.add(piece, " " + label))
        text = np.where(shown, np.strings.add(text, piece), text)
        empty &= ~shown
    out: list[str] = text.tolist()
    return out


def _leaf_label(node: rules.Leaf, vocab: rules.Vocabulary) -> str:
    if isinstance(node, rules.Count):
        label = vocab.event_labels.get(node.event, (node.event, node.event))[1]
        return label + (f" in {node.window_days} days" if node.window_days else "")
    if isinstance(node, rules.Tenure):
        subject = node.subject
        if subject.startswith("role:"):
            return "days as " + vocab.achievement_names.get(subject[5:], subject[5:])
        return {"listener": "days as a listener", "member": "days as a member"}.get(
            subject, "days since joining"
        )
    if isinstance(node, rules.Held):
        return "holds " + vocab.achievement_names.get(node.slug, node.slug)
    if isinstance(node, rules.TrainingDone):
        return "completed " + vocab.training_names.get(node.slug, node.slug)
    if isinstance(node, rules.AccountIs):
        return f"{node.type} account"
    return f"{node.band} community"


def write(
    decisions: Iterable[awarding.Decisions],
    rule_set: Sequence[rules.Rule],
    facts: rules.Facts,
    *,
    now: dt.datetime,
    run: EvaluationRun | None,
    tell: bool = True,
) -> int:
    """Persist every change the evaluator decided, and (``tell``) tell the people concerned
    in one bulk send. Returns the number of awards changed."""
    writer = BulkInserter(connection)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # A bigger page cache for the bulk index inserts (this connection only).
            cursor.execute("PRAGMA cache_size = -262144")
    achievements = {a.slug: a for a in Achievement.objects.select_related("obligation_training")}
    by_slug = {r.slug: r for r in rule_set}
    vocab = ladder.vocabulary()
    now_text = _dt_column(np.array([now.timestamp()]))[0]
    changed_total = 0
    told: list[Outgoing] = []
    for d in decisions:
        achievement = achievements[d.slug]
        changed = d.changed()
        if not changed.any():
            continue
        rows = np.nonzero(changed)[0]
        changed_total += len(rows)
        new = rows[d.before.state[rows] == awarding.NONE]
        old = rows[d.before.state[rows] != awarding.NONE]
        a = d.after
        if len(new):
            writer.insert(
                Award,
                {
                    "user_id": facts.user_ids[new].tolist(),
                    "achievement_id": [achievement.pk] * len(new),
                    "state": _state_column(a.state[new]),
                    "source": [AwardSource.AUTOMATIC.value] * len(new),
                    "granted_at": _dt_column(a.granted_at[new]),
                    "changed_at": [now_text] * len(new),
                    "below_since": _dt_column(a.below_since[new]),
                    "obligation_due": _dt_column(a.obligation_due[new]),
                    "reminded_at": [None] * len(new),
                    "track": [""] * len(new),
                },
            )
        if len(old):
            table = connection.ops.quote_name(Award._meta.db_table)
            # A grant by the ladder makes the award automatic again (after a lapse or a
            # revocation that no longer stands); other changes keep who granted it.
            automatic = AwardSource.AUTOMATIC.value
            sources = [automatic if g else None for g in d.granted[old].tolist()]
            params = list(
                zip(
                    _state_column(a.state[old]),
                    sources,
                    _dt_column(a.granted_at[old]),
                    [now_text] * len(old),
                    _dt_column(a.below_since[old]),
                    _dt_column(a.obligation_due[old]),
                    [achievement.pk] * len(old),
                    facts.user_ids[old].tolist(),
                    strict=True,
                )
            )
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET state = %s, source = COALESCE(%s, source), "  # noqa: S608
                    "granted_at = %s, changed_at = %s, below_since = %s, obligation_due = %s "
                    "WHERE achievement_id = %s AND user_id = %s",
                    params,
                )
        _write_log(writer, d, by_slug[d.slug], facts, vocab, achievement, now_text, run)
        if achievement.certificate and d.granted.any():
            _issue_certificates(writer, achievement, now)
        if achievement.group_name:
            _sync_groups(achievement, d, facts)
        if tell:
            told += _notices(achievement, d, facts, now)
    notices.send(told)
    return changed_total


def _notices(
    achievement: Achievement, d: awarding.Decisions, facts: rules.Facts, now: dt.datetime
) -> list[Outgoing]:
    """What people hear of this achievement's changes (sent with the run's other notices in
    one ``send_many``), named as each person's band names it."""
    training = achievement.obligation_training
    until = now + dt.timedelta(days=achievement.grace_days)
    out: list[Outgoing] = []
    for change in notices.CHANGES:
        mask: npt.NDArray[np.bool_] = getattr(d, change)
        for row in np.nonzero(mask)[0].tolist():
            out.append(
                notices.changed(
                    int(facts.user_ids[row]),
                    achievement.name_for(teen=bool(facts.is_teen[row])),
                    change,
                    kind=achievement.kind,
                    until=until,
                    training=training.name if training else "the required training",
                )
            )
    return out


def _write_log(
    writer: BulkInserter,
    d: awarding.Decisions,
    rule: rules.Rule,
    facts: rules.Facts,
    vocab: rules.Vocabulary,
    achievement: Achievement,
    now_text: str | None,
    run: EvaluationRun | None,
) -> None:
    users: list[int] = []
    actions: list[str] = []
    reasons: list[str] = []
    result: rules.Result | None = None
    for attr, action, prefix, which in ACTIONS:
        mask: npt.NDArray[np.bool_] = getattr(d, attr)
        rows = np.nonzero(mask)[0]
        if not len(rows):
            continue
        users += facts.user_ids[rows].tolist()
        actions += [action.value] * len(rows)
        if result is None:  # evaluated once per achievement, only when something changed
            result = rules.evaluate(rule.criteria, facts)
        reasons += _reasons(result, vocab, rows, prefix, which)
    if not users:
        return
    writer.insert(
        AwardLog,
        {
            "user_id": users,
            "achievement_id": [achievement.pk] * len(users),
            "action": actions,
            "at": [now_text] * len(users),
            "reasons": reasons,
            "run_id": [run.pk if run else None] * len(users),
            "actor_id": [None] * len(users),
        },
    )


def _issue_certificates(writer: BulkInserter, achievement: Achievement, now: dt.datetime) -> None:
    # Granted again after a revocation: the same certificate (same link) is valid again.
    Certificate.objects.filter(
        award__achievement=achievement,
        award__granted_at=now,
        award__state="active",
        revoked_at__isnull=False,
    ).update(issued_at=now, revoked_at=None, revoked_reason="")
    award_ids = list(
        Award.objects.filter(
            achievement=achievement, granted_at=now, state="active", certificate__isnull=True
        ).values_list("pk", flat=True)
    )
    if not award_ids:
        return
    now_text = _dt_column(np.array([now.timestamp()]))[0]
    writer.insert(
        Certificate,
        {
            "id": certificate_ids(len(award_ids)),
            "award_id": award_ids,
            "issued_at": [now_text] * len(award_ids),
            "revoked_at": [None] * len(award_ids),
            "revoked_reason": [""] * len(award_ids),
        },
    )


def _sync_groups(achievement: Achievement, d: awarding.Decisions, facts: rules.Facts) -> None:
    now_held = (d.after.state == awarding.ACTIVE) & (d.before.state != awarding.ACTIVE)
    lost = (d.after.state != awarding.ACTIVE) & (d.before.state == awarding.ACTIVE)
    role_groups.set_ladder_role_members(
        role=achievement.group_name,
        add=facts.user_ids[now_held].tolist(),
        remove=facts.user_ids[lost].tolist(),
    )
