"""Reads of a person's awards: their path (each achievement with met / unmet criteria and
progress, from the same evaluator the batch uses), the badge shelf and public badges, the
history of changes, and what other apps ask ("does this person hold X?").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.progression import awarding, ladder, rules
from peerpath.progression import facts as facts_mod
from peerpath.progression.models import (
    Achievement,
    AchievementKind,
    Application,
    ApplicationStatus,
    Award,
    AwardAction,
    AwardLog,
    AwardState,
    GrantMode,
)

TRAINING_REF = facts_mod.TRAINING_REF
K = TypeVar("K", bound=Hashable)


# --- Names as a viewer sees them ----------------------------------------------------------


def display_name(achievement: Achievement, viewer: Any) -> str:
    """An achievement's name as ``viewer`` sees it: the teen name ("Teen Star") for a teen,
    the name otherwise. The one rule every page and lock message uses."""
    return achievement.name_for(teen=bool(getattr(viewer, "is_teen", False)))


def vocabulary_for(read: ladder.Ladder, *, teen: bool) -> rules.Vocabulary:
    """The ladder's vocabulary with achievements named as a teen or an adult sees them, so
    criteria lines say "Holds Teen Star" to a teen (``display_name``, for every slug)."""
    if not teen:
        return read.vocab
    names = dict(read.vocab.achievement_names)
    names.update({a.slug: a.teen_name for a in read.achievements if a.teen_name})
    return dataclasses.replace(read.vocab, achievement_names=names)


@dataclass(slots=True)
class PathItem:
    achievement: Achievement
    name: str
    eligible: bool
    progress: float  # 0..1
    lines: list[rules.Line]
    award: Award | None = None
    certificate_id: str | None = None
    application: Application | None = None  # the latest one
    in_audience: bool = True
    revoked_reason: str = ""  # why staff revoked it (the audit row), when revoked
    revocation_stands: bool = False  # revoked, and the ladder does not decide again yet

    @property
    def state(self) -> str | None:
        return self.award.state if self.award else None

    @property
    def held(self) -> bool:
        return self.state == AwardState.ACTIVE

    @property
    def pending_training(self) -> bool:
        return self.state == AwardState.PENDING_TRAINING

    @property
    def obligation_due(self) -> dt.datetime | None:
        return self.award.obligation_due if self.award else None

    @property
    def grace_until(self) -> dt.datetime | None:
        """While held below the low-water mark: when the grace period ends (it lapses then)."""
        if not self.held or self.award is None or self.award.below_since is None:
            return None
        return self.award.below_since + dt.timedelta(days=self.achievement.grace_days)

    @property
    def revoked(self) -> bool:
        return self.state == AwardState.REVOKED

    @property
    def revoked_at(self) -> dt.datetime | None:
        return self.award.changed_at if self.award and self.revoked else None

    @property
    def revocation_ends(self) -> dt.datetime | None:
        """From when the ladder decides again (``awarding.REVOCATION_DAYS`` after it)."""
        at = self.revoked_at
        return at + dt.timedelta(days=awarding.REVOCATION_DAYS) if at else None

    @property
    def automatic(self) -> bool:
        return self.achievement.grant_mode == GrantMode.AUTOMATIC

    @property
    def percent(self) -> int:
        return round(self.progress * 100)

    @property
    def unmet(self) -> list[rules.Line]:
        return [line for line in self.lines if not line.met and not line.group]

    @property
    def application_pending(self) -> bool:
        return self.application is not None and self.application.status == ApplicationStatus.PENDING


@dataclass(slots=True)
class Path:
    user: User
    items: list[PathItem] = field(default_factory=list)
    as_of: dt.datetime | None = None
    awards: list[Award] = field(default_factory=list)  # every award, with its achievement
    ladder: list[Achievement] = field(default_factory=list)  # the active achievements

    @property
    def held_slugs(self) -> frozenset[str]:
        """What ``held_slugs`` answers, from the awards already read."""
        return frozenset(a.achievement.slug for a in self.awards if a.state == AwardState.ACTIVE)

    def item(self, slug: str) -> PathItem | None:
        return next((i for i in self.items if i.achievement.slug == slug), None)

    def of_kind(self, kind: str) -> list[PathItem]:
        return [i for i in self.items if i.achievement.kind == kind]

    @property
    def roles(self) -> list[PathItem]:
        return [i for i in self.of_kind(AchievementKind.ROLE) if i.in_audience or i.award]

    @property
    def milestones(self) -> list[PathItem]:
        return self.of_kind(AchievementKind.MILESTONE)

    @property
    def badges(self) -> list[PathItem]:
        return self.of_kind(AchievementKind.BADGE)

    @property
    def next_steps(self) -> list[PathItem]:
        """Roles and milestones not held, closest first: "what to do next"."""
        open_items = [
            i
            for i in self.items
            if i.achievement.kind != AchievementKind.BADGE
            and i.in_audience
            and not i.held
            and not i.pending_training
            and not i.revocation_stands
        ]
        return sorted(open_items, key=lambda i: -i.progress)[:3]


def path_for(
    user: User, *, only: Sequence[str] | None = None, now: dt.datetime | None = None
) -> Path:
    """Evaluate the whole ladder for one person with the batch's evaluator and loaders.

    Held states come from the database (what the batch and reviewers decided); eligibility
    and progress are computed now, so the page is never staler than the person's activity.
    """
    return paths_for([user], only=only, now=now)[user.pk]


def paths_for(
    users: Sequence[User], *, only: Sequence[str] | None = None, now: dt.datetime | None = None
) -> dict[int, Path]:
    """``path_for`` for several people at once (the review queue): one load of facts, one
    evaluation, one query each for achievements, awards and applications."""
    now = now or timezone.now()
    paths = {u.pk: Path(user=u, as_of=now) for u in users}
    if not paths:
        return paths
    read = ladder.read_ladder()
    rule_set, vocab = read.rule_set, read.vocab
    facts, standings = facts_mod.load(
        rule_set,
        now=now,
        user_ids=sorted(paths),
        achievement_slugs=read.achievement_slugs,
        training_ids=read.training_ids,
    )
    for path in paths.values():
        path.ladder = read.achievements
    awards = {
        (a.user_id, a.achievement_id): a
        for a in Award.objects.filter(user_id__in=list(paths)).select_related(
            "certificate", "achievement"
        )
    }
    for held in awards.values():
        paths[held.user_id].awards.append(held)
    if facts.n == 0:
        return paths
    decisions = {d.slug: d for d in awarding.evaluate_ladder(rule_set, facts, standings)}
    by_slug = {r.slug: r for r in rule_set}
    wanted = None if only is None else frozenset(only)
    achievements = [a for a in read.achievements if wanted is None or a.slug in wanted]
    applications: dict[tuple[int, int], Application] = {}
    for app in Application.objects.filter(user_id__in=list(paths)).order_by("created_at", "id"):
        applications[(app.user_id, app.achievement_id)] = app
    revoked_why = _revocation_reasons([a for a in awards.values() if a.state == AwardState.REVOKED])
    stands_after = now - dt.timedelta(days=awarding.REVOCATION_DAYS)
    for achievement in achievements:
        rule = by_slug.get(achievement.slug)
        decision = decisions.get(achievement.slug)
        if rule is None or decision is None:
            continue
        result = rules.evaluate(rule.criteria, facts)
        audience = rules.in_audience(rule.audience, facts)
        for i, user_id in enumerate(facts.user_ids.tolist()):
            award = awards.get((user_id, achievement.pk))
            cert = getattr(award, "certificate", None) if award else None
            paths[user_id].items.append(
                PathItem(
                    achievement=achievement,
                    name=achievement.name_for(teen=bool(facts.is_teen[i])),
                    eligible=bool(decision.eligible[i]),
                    progress=float(result.progress[i]),
                    lines=rules.describe_tree(rule.criteria, facts, i, vocab),
                    award=award,
                    certificate_id=cert.id if cert else None,
                    application=applications.get((user_id, achievement.pk)),
                    in_audience=bool(audience[i]),
                    revoked_reason=revoked_why.get((user_id, achievement.pk), ""),
                    revocation_stands=bool(
                        award
                        and award.state == AwardState.REVOKED
                        and award.changed_at > stands_after
                    ),
                )
            )
    return paths


def _revocation_reasons(revoked: Sequence[Award]) -> dict[tuple[int, int], str]:
    """Why each revoked award was revoked: its latest revocation's audit row (one query,
    only when something is revoked)."""
    if not revoked:
        return {}
    rows = (
        AwardLog.objects.filter(
            user_id__in={a.user_id for a in revoked},
            achievement_id__in={a.achievement_id for a in revoked},
            action=AwardAction.REVOKED,
        )
        .order_by("at", "id")
        .values_list("user_id", "achievement_id", "reasons")
    )
    return {(user_id, achievement_id): why for user_id, achievement_id, why in rows}


@dataclass(frozen=True, slots=True)
class ShelfTier:
    achievement: Achievement
    earned: bool


@dataclass(frozen=True, slots=True)
class ShelfSeries:
    slug: str
    name: str
    tiers: list[ShelfTier]

    @property
    def highest(self) -> ShelfTier | None:
        earned = [t for t in self.tiers if t.earned]
        return earned[-1] if earned else None


def badge_shelf(user: User, path: Path | None = None) -> tuple[list[ShelfSeries], list[Award]]:
    """Badge series with every tier (earned or not: lower tiers stay visible) and the other
    achievements held (roles, milestones, single badges). With the person's ``path``
    (``path_for``), from what it already read: no query."""
    if path is not None:
        held = {a.achievement_id: a for a in path.awards if a.state == AwardState.ACTIVE}
        tiers = sorted((a for a in path.ladder if a.series), key=lambda a: (a.series, a.tier))
    else:
        held = {
            a.achievement_id: a
            for a in Award.objects.filter(user=user, state=AwardState.ACTIVE).select_related(
                "achievement", "certificate"
            )
        }
        tiers = list(
            Achievement.objects.filter(active=True).exclude(series="").order_by("series", "tier")
        )
    series: dict[str, list[ShelfTier]] = {}
    names: dict[str, str] = {}
    for a in tiers:
        series.setdefault(a.series, []).append(ShelfTier(a, a.pk in held))
        names[a.series] = a.name.split(":")[0]
    shelf = [ShelfSeries(slug, names[slug], tiers) for slug, tiers in series.items()]
    singles = [award for award in held.values() if not award.achievement.series]
    singles.sort(key=lambda a: (a.achievement.kind, a.achievement.position))
    return shelf, singles


@dataclass(frozen=True, slots=True)
class HeldAward:
    """One thing a person holds, as they (and their profile's readers) see it."""

    slug: str
    name: str  # as the holder's band names it (``display_name``)
    kind: str
    kind_label: str
    since: dt.datetime
    certificate_id: str | None  # a valid certificate to link to
    group_name: str  # the staff role it carries, if any


def held_awards(user: User, awards: Sequence[Award] | None = None) -> list[HeldAward]:
    """What a person holds, in ladder order: roles and milestones, the top tier of each
    badge series, single badges. The one read of "held" for the dashboard card, the
    profile's badge list and ``/path/`` (which passes the awards its path already read)."""
    if awards is None:
        chosen = public_badges(user)
    else:
        chosen = _top_tiers(sorted((a for a in awards if a.held), key=_ladder_order))
    chosen.sort(key=_ladder_order)
    return [
        HeldAward(
            slug=a.achievement.slug,
            name=display_name(a.achievement, user),
            kind=a.achievement.kind,
            kind_label=AchievementKind(a.achievement.kind).label,
            since=a.granted_at,
            certificate_id=_valid_certificate_id(a),
            group_name=a.achievement.group_name,
        )
        for a in chosen
    ]


KIND_ORDER: Final = {
    AchievementKind.ROLE: 0,
    AchievementKind.MILESTONE: 1,
    AchievementKind.BADGE: 2,
}


def _ladder_order(award: Award) -> tuple[int, int, int]:
    """Roles, then milestones, then badges; each in the ladder's order."""
    a = award.achievement
    return (KIND_ORDER.get(AchievementKind(a.kind), 3), a.position, a.tier)


def _valid_certificate_id(award: Award) -> str | None:
    if not award.achievement.certificate:
        return None  # never touch the relation unread: it would cost a query
    cert = getattr(award, "certificate", None)
    return cert.id if cert is not None and cert.valid else None


def public_badges(user: User) -> list[Award]:
    """What a profile shows: roles and milestones held, the top tier of each series, and
    single badges."""
    held = list(
        Award.objects.filter(user=user, state=AwardState.ACTIVE)
        .select_related("achievement", "certificate")
        .order_by("achievement__kind", "achievement__position", "achievement__tier")
    )
    return _top_tiers(held)


def _top_tiers(held: list[Award]) -> list[Award]:
    """Awards in ladder order with each badge series cut to its highest tier held."""
    top: dict[str, Award] = {}
    out: list[Award] = []
    for award in held:
        s = award.achievement.series
        if s:
            if s not in top or award.achievement.tier > top[s].achievement.tier:
                top[s] = award
        else:
            out.append(award)
    return out + sorted(top.values(), key=lambda a: a.achievement.position)


def achievements_by_group() -> dict[str, Achievement]:
    """The ladder's achievements that carry a staff role (group), by the group's name:
    {"Moderator": Chatroom Moderator, "Ambassador": Group Support Ambassador}."""
    return {a.group_name: a for a in Achievement.objects.exclude(group_name="")}


def held_slugs(user: User) -> frozenset[str]:
    if not getattr(user, "pk", None):
        return frozenset()
    return frozenset(
        Award.objects.filter(user=user, state=AwardState.ACTIVE).values_list(
            "achievement__slug", flat=True
        )
    )


def holds(user: User, slug: str) -> bool:
    return slug in held_slugs(user)


def has_completed_training(user: User, training_id: int) -> bool:
    return bool(completed_training([user.pk], training_id))


def completed_training(user_ids: Sequence[int], training_id: int) -> set[int]:
    """Who of ``user_ids`` has completed the training (one query however many)."""
    return set(
        ActivityEvent.objects.filter(
            user_id__in=list(user_ids),
            kind=ActivityKind.TRAINING_COMPLETED,
            ref_type=TRAINING_REF,
            ref_id=training_id,
        ).values_list("user_id", flat=True)
    )


def award_history(user: User, *, limit: int = 50) -> list[AwardLog]:
    """The person's own audit trail: why they gained or lost each award."""
    return list(
        AwardLog.objects.filter(user=user)
        .select_related("achievement")
        .order_by("-at", "-id")[:limit]
    )


# --- Locks (rooms and anything else written in the criteria language) ----------------------


@dataclass(frozen=True, slots=True)
class LockProgress:
    """How far one person is from meeting a lock's criteria: ``missing`` in short phrases
    with the distance ("12 of 20 group chats"; a badge or role needed names its own unmet
    criteria: "needs the Verified Listener badge (3 of 10 one-to-one chats)")."""

    met: bool
    progress: float  # 0..1
    missing: tuple[str, ...]


def lock_progress(
    user: User, locks: Mapping[K, rules.Criterion], *, now: dt.datetime | None = None
) -> dict[K, LockProgress]:
    """Each lock's progress for ``user``, from ONE facts load (the ladder's loader and
    evaluator, so "12 of 20 group chats" here and on ``/path/`` always agree), names as the
    person sees them (teen names for teens). Nobody signed in: every lock unmet."""
    if not locks:
        return {}
    if not getattr(user, "pk", None):
        return {key: LockProgress(False, 0.0, ("sign in",)) for key in locks}
    now = now or timezone.now()
    read = ladder.read_ladder()
    lock_rules = [
        rules.Rule(slug=f"lock:{n}", criteria=c, automatic=False)
        for n, c in enumerate(locks.values())
    ]
    facts, _ = facts_mod.load(
        [*read.rule_set, *lock_rules],
        now=now,
        user_ids=[user.pk],
        achievement_slugs=read.achievement_slugs,
        training_ids=read.training_ids,
    )
    if facts.n == 0:
        return {key: LockProgress(False, 0.0, ("sign in",)) for key in locks}
    vocab = vocabulary_for(read, teen=bool(facts.is_teen[0]))
    walker = _Missing(facts, vocab, read)
    out: dict[K, LockProgress] = {}
    for key, criterion in locks.items():
        result = rules.evaluate(criterion, facts)
        met = bool(result.met[0])
        missing = () if met else tuple(walker.phrases(criterion, frozenset()))
        out[key] = LockProgress(met, float(result.progress[0]), missing)
    return out


@dataclass(slots=True)
class _Missing:
    """What is missing from a criteria tree for the one person of ``facts``."""

    facts: rules.Facts
    vocab: rules.Vocabulary
    read: ladder.Ladder

    def phrases(self, c: rules.Criterion, seen: frozenset[str]) -> list[str]:
        facts = self.facts
        if bool(rules.evaluate(c, facts).met[0]):
            return []
        if isinstance(c, rules.All):
            return [p for item in c.items for p in self.phrases(item, seen)]
        if isinstance(c, rules.AnyOf | rules.AtLeast):
            # The closest unmet alternatives: one for "one of", the missing count for "at least".
            scored = [
                (float(rules.evaluate(i, facts).progress[0]), n, i)
                for n, i in enumerate(c.items)
                if not bool(rules.evaluate(i, facts).met[0])
            ]
            scored.sort(key=lambda t: (-t[0], t[1]))
            met_count = len(c.items) - len(scored)
            need = 1 if isinstance(c, rules.AnyOf) else c.n - met_count
            return [p for _, _, item in scored[: max(need, 1)] for p in self.phrases(item, seen)]
        if isinstance(c, rules.Not):
            if isinstance(c.item, rules.Held):
                return [f"not for holders of {self._name(c.item.slug)}"]
            return ["not available to you"]
        if isinstance(c, rules.Held):
            return [self._held(c.slug, seen)]
        return [rules.describe(rules.evaluate(c, facts).leaves[0], 0, self.vocab)]

    def _name(self, slug: str) -> str:
        return self.vocab.achievement_names.get(slug, slug)

    def _held(self, slug: str, seen: frozenset[str]) -> str:
        kinds = {a.slug: a.kind for a in self.read.achievements}
        what = f"the {self._name(slug)} {kinds.get(slug, AchievementKind.BADGE)}"
        rule = next((r for r in self.read.rule_set if r.slug == slug), None)
        if rule is None or slug in seen:
            return f"needs {what}"
        own = self.phrases(rule.criteria, seen | {slug})
        return f"needs {what}" + (f" ({'; '.join(own)})" if own else "")
