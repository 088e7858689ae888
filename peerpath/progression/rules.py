"""The one evaluator of the leadership ladder: (criteria, facts) -> met / not met, with the
progress of every criterion ("62 of 75 group chats").

Pure: no Django, no database. Facts are columns (NumPy arrays, one entry per person), so the
same code answers for one person (the ``/path/`` page, the application form, room locks) and
for a million at once (the batch). A criteria tree is JSON:

    {"all": [...]}  {"any": [...]}  {"at_least": 2, "of": [...]}  {"not": {...}}
    {"count": "group_chat", "min": 75, "teen_min": 50, "window_days": 90}
    {"tenure": "listener" | "member" | "account" | "role:<slug>", "min_days": 28}
    {"account": "listener" | "member"}
    {"band": "teen" | "adult"}
    {"held": "<achievement slug>"}            (an achievement currently held)
    {"training": "<training slug>"}           (a training completed)

``parse`` validates a tree (unknown kinds, negative counts, unknown names) and ``evaluate``
runs it. ``scale`` lowers every numeric bar (ceil(bar * scale)) for the hysteresis
low-water mark. ``order`` puts achievements in prerequisite order; what the ladder then
decides for everyone at once (grants, lapses, grace periods, obligations) is
``awarding.evaluate_ladder``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt

Bools: TypeAlias = npt.NDArray[np.bool_]
Ints: TypeAlias = npt.NDArray[np.int64]
Floats: TypeAlias = npt.NDArray[np.float64]

DAY: Final = 86_400.0
ACCOUNT_TYPES: Final = ("listener", "member")
BANDS: Final = ("teen", "adult")
MAX_COUNT: Final = 1_000_000
MAX_DAYS: Final = 3650


class CriteriaError(ValueError):
    """A criteria tree that cannot be evaluated; the message says where and why."""


# --- The tree ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Count:
    event: str
    min: int
    teen_min: int | None = None
    window_days: int | None = None


@dataclass(frozen=True, slots=True)
class Tenure:
    subject: str  # "listener" | "member" | "account" | "role:<slug>"
    min_days: int


@dataclass(frozen=True, slots=True)
class AccountIs:
    type: str


@dataclass(frozen=True, slots=True)
class BandIs:
    band: str


@dataclass(frozen=True, slots=True)
class Held:
    slug: str


@dataclass(frozen=True, slots=True)
class TrainingDone:
    slug: str


@dataclass(frozen=True, slots=True)
class All:
    items: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class AtLeast:
    n: int
    items: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Criterion


Leaf: TypeAlias = Count | Tenure | AccountIs | BandIs | Held | TrainingDone
Criterion: TypeAlias = Leaf | All | AnyOf | AtLeast | Not


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The names a tree may use; ``parse`` refuses anything else."""

    events: frozenset[str]
    achievements: frozenset[str] = frozenset()
    trainings: frozenset[str] = frozenset()
    event_labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # (one, many)
    achievement_names: Mapping[str, str] = field(default_factory=dict)
    training_names: Mapping[str, str] = field(default_factory=dict)


def _int(raw: Any, where: str, *, lo: int, hi: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise CriteriaError(f"{where}: expected a whole number, got {raw!r}.")
    if raw < lo:
        raise CriteriaError(f"{where}: must be at least {lo} (got {raw}).")
    if raw > hi:
        raise CriteriaError(f"{where}: must be at most {hi} (got {raw}).")
    return raw


def parse(raw: Any, vocab: Vocabulary, where: str = "criteria") -> Criterion:
    """Validate a JSON criteria tree and build it. Raises ``CriteriaError``."""
    if not isinstance(raw, dict) or not raw:
        raise CriteriaError(f"{where}: expected an object such as {{'count': ..., 'min': ...}}.")
    keys = set(raw)
    if "all" in raw or "any" in raw:
        op = "all" if "all" in raw else "any"
        if keys != {op}:
            raise CriteriaError(f"{where}: '{op}' takes no other keys (got {sorted(keys)}).")
        items = _items(raw[op], vocab, f"{where}.{op}")
        return All(items) if op == "all" else AnyOf(items)
    if "at_least" in raw:
        if keys != {"at_least", "of"}:
            raise CriteriaError(f"{where}: 'at_least' needs exactly 'at_least' and 'of'.")
        items = _items(raw["of"], vocab, f"{where}.of")
        n = _int(raw["at_least"], f"{where}.at_least", lo=1, hi=len(items))
        return AtLeast(n, items)
    if "not" in raw:
        if keys != {"not"}:
            raise CriteriaError(f"{where}: 'not' takes no other keys.")
        return Not(parse(raw["not"], vocab, f"{where}.not"))
    if "count" in raw:
        allowed = {"count", "min", "teen_min", "window_days"}
        if not keys <= allowed or "min" not in keys:
            raise CriteriaError(f"{where}: a count needs 'min' and allows {sorted(allowed)}.")
        event = raw["count"]
        if event not in vocab.events:
            raise CriteriaError(f"{where}: unknown activity kind {event!r}.")
        teen_min = raw.get("teen_min")
        window = raw.get("window_days")
        return Count(
            event=event,
            min=_int(raw["min"], f"{where}.min", lo=0, hi=MAX_COUNT),
            teen_min=None
            if teen_min is None
            else _int(teen_min, f"{where}.teen_min", lo=0, hi=MAX_COUNT),
            window_days=None
            if window is None
            else _int(window, f"{where}.window_days", lo=1, hi=MAX_DAYS),
        )
    if "tenure" in raw:
        if keys != {"tenure", "min_days"}:
            raise CriteriaError(f"{where}: a tenure needs exactly 'tenure' and 'min_days'.")
        subject = raw["tenure"]
        if not isinstance(subject, str):
            raise CriteriaError(f"{where}: tenure must name listener, member, account or role.")
        if subject.startswith("role:"):
            if subject[5:] not in vocab.achievements:
                raise CriteriaError(f"{where}: unknown role {subject[5:]!r}.")
        elif subject not in ("listener", "member", "account"):
            raise CriteriaError(f"{where}: unknown tenure {subject!r}.")
        return Tenure(subject, _int(raw["min_days"], f"{where}.min_days", lo=0, hi=MAX_DAYS))
    if "account" in raw:
        if keys != {"account"} or raw["account"] not in ACCOUNT_TYPES:
            raise CriteriaError(f"{where}: account must be one of {ACCOUNT_TYPES}.")
        return AccountIs(raw["account"])
    if "band" in raw:
        if keys != {"band"} or raw["band"] not in BANDS:
            raise CriteriaError(f"{where}: band must be one of {BANDS}.")
        return BandIs(raw["band"])
    if "held" in raw:
        if keys != {"held"} or raw["held"] not in vocab.achievements:
            raise CriteriaError(f"{where}: unknown achievement {raw.get('held')!r}.")
        return Held(raw["held"])
    if "training" in raw:
        if keys != {"training"} or raw["training"] not in vocab.trainings:
            raise CriteriaError(f"{where}: unknown training {raw.get('training')!r}.")
        return TrainingDone(raw["training"])
    raise CriteriaError(f"{where}: unknown criterion {sorted(keys)}.")


def _items(raw: Any, vocab: Vocabulary, where: str) -> tuple[Criterion, ...]:
    if not isinstance(raw, list) or not raw:
        raise CriteriaError(f"{where}: expected a non-empty list.")
    return tuple(parse(item, vocab, f"{where}[{i}]") for i, item in enumerate(raw))


def walk(c: Criterion) -> Iterable[Criterion]:
    yield c
    if isinstance(c, All | AnyOf | AtLeast):
        for item in c.items:
            yield from walk(item)
    elif isinstance(c, Not):
        yield from walk(c.item)


def depends_on(c: Criterion) -> set[str]:
    """Achievement slugs a tree reads (held, or tenure in a role)."""
    out: set[str] = set()
    for node in walk(c):
        if isinstance(node, Held):
            out.add(node.slug)
        elif isinstance(node, Tenure) and node.subject.startswith("role:"):
            out.add(node.subject[5:])
    return out


def count_needs(c: Criterion) -> set[tuple[str, int | None]]:
    """(event kind, window days or None) pairs the facts must carry."""
    return {(n.event, n.window_days) for n in walk(c) if isinstance(n, Count)}


def tenure_days(c: Criterion) -> set[tuple[str, int]]:
    return {(n.subject, n.min_days) for n in walk(c) if isinstance(n, Tenure)}


# --- Facts ------------------------------------------------------------------------------


@dataclass(slots=True)
class Facts:
    """Everything the rules read, as columns over ``user_ids`` (same order everywhere).

    Times are epoch seconds (NaN = never). Missing counts, holdings and trainings read as 0 /
    False, so a loader fills only what exists.
    """

    user_ids: Ints
    now: float
    is_teen: Bools
    is_listener: Bools
    joined: Floats
    listener_since: Floats
    counts: dict[tuple[str, int | None], Ints] = field(default_factory=dict)
    held: dict[str, Bools] = field(default_factory=dict)
    held_since: dict[str, Floats] = field(default_factory=dict)
    trainings: dict[str, Bools] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.user_ids)

    def count(self, event: str, window: int | None) -> Ints:
        found = self.counts.get((event, window))
        return found if found is not None else np.zeros(self.n, np.int64)

    def holds(self, slug: str) -> Bools:
        found = self.held.get(slug)
        return found if found is not None else np.zeros(self.n, np.bool_)

    def since(self, slug: str) -> Floats:
        found = self.held_since.get(slug)
        return found if found is not None else np.full(self.n, np.nan)

    def trained(self, slug: str) -> Bools:
        found = self.trainings.get(slug)
        return found if found is not None else np.zeros(self.n, np.bool_)


@dataclass(slots=True)
class LeafResult:
    node: Leaf
    value: Floats  # what the person has (count, days, 0/1)
    target: Floats  # what the bar is (per person: teen thresholds differ)
    met: Bools
    negated: bool = False  # inside a "not": the person must NOT meet it


@dataclass(slots=True)
class Result:
    met: Bools
    progress: Floats  # 0..1, for progress bars
    leaves: list[LeafResult]


def _bar(value: float, scale: float) -> float:
    return float(math.ceil(value * scale - 1e-9)) if scale != 1.0 else float(value)


def evaluate(c: Criterion, facts: Facts, *, scale: float = 1.0) -> Result:
    """Evaluate a tree for everyone in ``facts``."""
    n = facts.n
    if isinstance(c, All | AnyOf | AtLeast):
        parts = [evaluate(item, facts, scale=scale) for item in c.items]
        mets: Bools = np.vstack([p.met for p in parts])
        progs = np.vstack([p.progress for p in parts])
        leaves = [leaf for p in parts for leaf in p.leaves]
        if isinstance(c, All):
            return Result(np.asarray(mets.all(axis=0)), progs.mean(axis=0), leaves)
        if isinstance(c, AnyOf):
            return Result(np.asarray(mets.any(axis=0)), progs.max(axis=0), leaves)
        top = -np.sort(-progs, axis=0)[: c.n]
        return Result(mets.sum(axis=0) >= c.n, top.mean(axis=0), leaves)
    if isinstance(c, Not):
        inner = evaluate(c.item, facts, scale=1.0)
        met = ~inner.met
        leaves = [
            LeafResult(leaf.node, leaf.value, leaf.target, leaf.met, not leaf.negated)
            for leaf in inner.leaves
        ]
        return Result(met, met.astype(np.float64), leaves)
    value: Floats
    target: Floats
    if isinstance(c, Count):
        value = facts.count(c.event, c.window_days).astype(np.float64)
        adult_bar = _bar(c.min, scale)
        if c.teen_min is None:
            target = np.full(n, adult_bar)
        else:
            target = np.where(facts.is_teen, _bar(c.teen_min, scale), adult_bar)
        met = value >= target
    elif isinstance(c, Tenure):
        start = _tenure_start(c.subject, facts)
        value = np.where(np.isnan(start), 0.0, np.floor((facts.now - start) / DAY))
        value = np.maximum(value, 0.0)
        target = np.full(n, _bar(c.min_days, scale))
        met = ~np.isnan(start) & ((facts.now - np.nan_to_num(start)) >= target * DAY)
    elif isinstance(c, AccountIs):
        met = facts.is_listener if c.type == "listener" else ~facts.is_listener
        value, target = met.astype(np.float64), np.ones(n)
    elif isinstance(c, BandIs):
        met = facts.is_teen if c.band == "teen" else ~facts.is_teen
        value, target = met.astype(np.float64), np.ones(n)
    elif isinstance(c, Held):
        met = facts.holds(c.slug)
        value, target = met.astype(np.float64), np.ones(n)
    else:
        met = facts.trained(c.slug)
        value, target = met.astype(np.float64), np.ones(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        progress = np.where(target > 0, np.minimum(value / np.maximum(target, 1e-12), 1.0), 1.0)
    progress = np.where(met, 1.0, np.minimum(progress, 0.999))
    return Result(met, progress, [LeafResult(c, value, target, met)])


def _tenure_start(subject: str, facts: Facts) -> Floats:
    if subject == "account":
        return facts.joined
    if subject == "listener":
        return np.where(facts.is_listener, facts.listener_since, np.nan)
    if subject == "member":
        return np.where(facts.is_listener, np.nan, facts.joined)
    slug = subject[5:]
    return np.where(facts.holds(slug), facts.since(slug), np.nan)


# --- Words ------------------------------------------------------------------------------


def describe(leaf: LeafResult, i: int, vocab: Vocabulary) -> str:
    """The sentence for person ``i``: "62 of 75 group chats", "Holds Room Supporter"."""
    node, value, target = leaf.node, int(leaf.value[i]), int(leaf.target[i])
    if isinstance(node, Count):
        one, many = vocab.event_labels.get(node.event, (node.event, node.event))
        noun = one if target == 1 else many
        window = f" in the last {node.window_days} days" if node.window_days else ""
        return f"{min(value, target) if leaf.met[i] else value} of {target} {noun}{window}"
    if isinstance(node, Tenure):
        what = {
            "listener": "as a listener",
            "member": "as a member",
            "account": "since joining",
        }.get(node.subject)
        if what is None:
            slug = node.subject[5:]
            what = f"as {vocab.achievement_names.get(slug, slug)}"
        return f"{min(value, target) if leaf.met[i] else value} of {target} days {what}"
    if isinstance(node, AccountIs):
        return f"A {node.type} account"
    if isinstance(node, BandIs):
        return "Teen community" if node.band == "teen" else "Adult community"
    if isinstance(node, Held):
        return f"Holds {vocab.achievement_names.get(node.slug, node.slug)}"
    return f"Completed {vocab.training_names.get(node.slug, node.slug)}"


def describe_tree(c: Criterion, facts: Facts, i: int, vocab: Vocabulary) -> list[Line]:
    """The tree as indented lines for person ``i`` (what ``/path/`` and the form show)."""
    out: list[Line] = []
    _describe(c, facts, i, vocab, 0, out, negate=False)
    return out


@dataclass(frozen=True, slots=True)
class Line:
    depth: int
    text: str
    met: bool
    progress: float  # 0..1
    group: bool = False


def _describe(
    c: Criterion,
    facts: Facts,
    i: int,
    vocab: Vocabulary,
    depth: int,
    out: list[Line],
    *,
    negate: bool,
) -> None:
    if isinstance(c, AnyOf | AtLeast):
        # Alternatives for another account type or age band are not this person's routes
        # (a listener is not shown the member route): only the routes that apply are shown.
        routes = tuple(item for item in c.items if _route_applies(item, facts, i))
        if routes and len(routes) < len(c.items):
            if isinstance(c, AnyOf) and len(routes) == 1:
                _describe(routes[0], facts, i, vocab, depth, out, negate=negate)
                return
            c = AnyOf(routes) if isinstance(c, AnyOf) else AtLeast(min(c.n, len(routes)), routes)
    result = evaluate(c, facts)
    met, prog = bool(result.met[i]), float(result.progress[i])
    if isinstance(c, All | AnyOf | AtLeast):
        if isinstance(c, All):
            label = "All of these"
        elif isinstance(c, AnyOf):
            label = "One of these"
        else:
            label = f"At least {c.n} of these"
        if depth > 0 or not isinstance(c, All):
            out.append(Line(depth, label, met, prog, group=True))
            depth += 1
        for item in c.items:
            _describe(item, facts, i, vocab, depth, out, negate=False)
        return
    if isinstance(c, Not):
        inner = c.item
        if isinstance(inner, Held):
            name = vocab.achievement_names.get(inner.slug, inner.slug)
            out.append(Line(depth, f"Does not hold {name}", met, prog))
            return
        if isinstance(inner, Tenure):
            days = int(evaluate(inner, facts).leaves[0].value[i])
            what = describe(evaluate(inner, facts).leaves[0], i, vocab).split(" days ", 1)[1]
            out.append(Line(depth, f"Under {inner.min_days} days {what} (now {days})", met, prog))
            return
        out.append(Line(depth, "None of this", met, prog, group=True))
        _describe(inner, facts, i, vocab, depth + 1, out, negate=True)
        return
    leaf = result.leaves[0]
    out.append(Line(depth, describe(leaf, i, vocab), met, prog))


def _route_applies(c: Criterion, facts: Facts, i: int) -> bool:
    """Whether an alternative is open to person ``i``: its account-type and age-band
    conditions (what effort cannot change) hold."""
    fixed = [c] if isinstance(c, AccountIs | BandIs) else []
    if isinstance(c, All):
        fixed = [item for item in c.items if isinstance(item, AccountIs | BandIs)]
    return all(bool(evaluate(item, facts).met[i]) for item in fixed)


# --- The ladder -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """One achievement as the evaluator sees it."""

    slug: str
    criteria: Criterion
    automatic: bool
    audience: str = "everyone"  # everyone | adults | teens
    low_water: float = 0.9
    grace_days: int = 14
    obligation: str | None = None  # training slug
    obligation_days: int | None = None


def in_audience(audience: str, facts: Facts) -> Bools:
    if audience == "adults":
        return ~facts.is_teen
    if audience == "teens":
        return facts.is_teen.copy()
    return np.ones(facts.n, np.bool_)


def order(rules: Sequence[Rule]) -> list[Rule]:
    """Prerequisites first. Raises ``CriteriaError`` on a cycle (naming it)."""
    by_slug = {r.slug: r for r in rules}
    done: list[Rule] = []
    state: dict[str, int] = {}

    def visit(slug: str, path: list[str]) -> None:
        mark = state.get(slug, 0)
        if mark == 2:
            return
        if mark == 1:
            cycle = [*path[path.index(slug) :], slug]
            raise CriteriaError("Prerequisites form a cycle: " + " → ".join(cycle) + ".")
        state[slug] = 1
        for dep in sorted(depends_on(by_slug[slug].criteria)):
            if dep in by_slug:
                visit(dep, [*path, slug])
        state[slug] = 2
        done.append(by_slug[slug])

    for rule in rules:
        visit(rule.slug, [])
    return done
