"""The ladder as data: the versioned seed file, its validation and loading, and the
database's achievements turned into the evaluator's ``Rule`` objects."""

from __future__ import annotations

import hashlib
import json
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from peerpath.accounts.roles import LADDER_ROLES
from peerpath.activity.models import ActivityKind
from peerpath.progression import rules
from peerpath.progression.models import (
    Achievement,
    AchievementKind,
    Audience,
    CriteriaChange,
    GrantMode,
    LadderVersion,
    Training,
)

SEED_FILE: Final = Path(__file__).resolve().parent / "ladders" / "ladder.toml"

EVENT_LABELS: Final[dict[str, tuple[str, str]]] = {
    "one_to_one_chat": ("one-to-one chat", "one-to-one chats"),
    "group_chat": ("group chat", "group chats"),
    "review_positive": ("positive review", "positive reviews"),
    "review_negative": ("negative review", "negative reviews"),
    "help_guide_completed": ("help guide completed", "help guides completed"),
    "training_completed": ("training completed", "trainings completed"),
    "forum_post": ("forum post", "forum posts"),
    "mock_chat_passed": ("mock chat test passed", "mock chat tests passed"),
    "event_hosted": ("event hosted", "events hosted"),
    "event_attended": ("event attended", "events attended"),
    "session_hosted": ("group session hosted", "group sessions hosted"),
    "mentor_conversation": ("mentorship conversation", "mentorship conversations"),
    "mentor_check_in": ("mentor check-in", "mentor check-ins"),
}

# Fields a seed entry may set, and what staff edits are checked against.
_FIELDS: Final = (
    "name",
    "teen_name",
    "kind",
    "grant_mode",
    "audience",
    "description",
    "series",
    "tier",
    "position",
    "criteria",
    "low_water",
    "grace_days",
    "obligation_days",
    "group_name",
    "tracks",
    "community_default",
    "certificate",
)


# --- Reading the seed file ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeedFile:
    version: int
    checksum: str
    trainings: list[dict[str, Any]]
    achievements: list[dict[str, Any]]


def read_seed(path: Path = SEED_FILE) -> SeedFile:
    """Parse the TOML seed and expand ``[[series]]`` into one badge per tier."""
    raw = path.read_bytes()
    data = tomllib.loads(raw.decode())
    achievements = [dict(a) for a in data.get("achievements", [])]
    for series in data.get("series", []):
        event = series["event"]
        singular, plural = EVENT_LABELS.get(event, (event, event))
        for i, tier in enumerate(series["tiers"]):
            achievements.append(
                {
                    "slug": f"{series['slug']}-{tier}",
                    "name": f"{series['name']}: {tier}",
                    "kind": "badge",
                    "grant_mode": "automatic",
                    "series": series["slug"],
                    "tier": tier,
                    "position": series.get("position", 300) + i,
                    "description": f"{tier} {singular if tier == 1 else plural}.",
                    "criteria": {"count": event, "min": tier},
                }
            )
    return SeedFile(
        version=int(data["version"]),
        checksum=hashlib.sha256(raw).hexdigest(),
        trainings=[dict(t) for t in data.get("trainings", [])],
        achievements=achievements,
    )


def vocabulary(
    achievements: Iterable[tuple[str, str]] | None = None,
    trainings: Iterable[tuple[str, str]] | None = None,
) -> rules.Vocabulary:
    """The names criteria may use. Defaults to what the database holds."""
    if achievements is None:
        achievements = Achievement.objects.values_list("slug", "name")
    if trainings is None:
        trainings = Training.objects.values_list("slug", "name")
    ach = dict(achievements)
    tr = dict(trainings)
    return rules.Vocabulary(
        events=frozenset(ActivityKind.values),
        achievements=frozenset(ach),
        trainings=frozenset(tr),
        event_labels=EVENT_LABELS,
        achievement_names=ach,
        training_names=tr,
    )


def validate_definitions(
    entries: Sequence[Mapping[str, Any]], vocab: rules.Vocabulary
) -> dict[str, rules.Rule]:
    """Check every entry's fields and criteria and that prerequisites form no cycle.

    Returns the rules by slug. Raises ``ValidationError`` naming the achievement and field.
    """
    built: dict[str, rules.Rule] = {}
    carried: dict[str, str] = {}
    for entry in entries:
        slug = entry["slug"]
        group = entry.get("group_name") or ""
        if group and group not in LADDER_ROLES:
            raise ValidationError(
                {
                    "group_name": f"{slug}: {group!r} is not a ladder role; the roles the "
                    f"ladder gives are {', '.join(sorted(LADDER_ROLES))} "
                    "(accounts.roles.LADDER_ROLES)."
                }
            )
        if group and carried.setdefault(group, slug) != slug:
            raise ValidationError(
                {"group_name": f"{slug}: {group} is already carried by {carried[group]}."}
            )
        try:
            criteria = rules.parse(entry["criteria"], vocab)
        except rules.CriteriaError as exc:
            raise ValidationError({"criteria": f"{slug}: {exc}"}) from exc
        low_water = float(entry.get("low_water", 0.9))
        if not 0 < low_water <= 1:
            raise ValidationError(
                {"low_water": f"{slug}: the low-water mark is a share in (0, 1]."}
            )
        grace = entry.get("grace_days", 14)
        if not isinstance(grace, int) or grace < 0:
            raise ValidationError({"grace_days": f"{slug}: grace days cannot be negative."})
        if entry.get("kind") not in AchievementKind.values:
            raise ValidationError({"kind": f"{slug}: unknown kind {entry.get('kind')!r}."})
        if entry.get("grant_mode") not in GrantMode.values:
            raise ValidationError({"grant_mode": f"{slug}: unknown grant mode."})
        if entry.get("audience", "everyone") not in Audience.values:
            raise ValidationError({"audience": f"{slug}: unknown audience."})
        obligation = entry.get("obligation_training") or None
        days = entry.get("obligation_days")
        if (obligation is None) != (days is None):
            raise ValidationError(
                {"obligation_days": f"{slug}: an obligation needs both a training and days."}
            )
        if obligation is not None and obligation not in vocab.trainings:
            raise ValidationError({"obligation_training": f"{slug}: unknown training."})
        if days is not None and (not isinstance(days, int) or days < 1):
            raise ValidationError({"obligation_days": f"{slug}: give at least 1 day."})
        built[slug] = rules.Rule(
            slug=slug,
            criteria=criteria,
            automatic=entry["grant_mode"] == GrantMode.AUTOMATIC,
            audience=entry.get("audience", "everyone"),
            low_water=low_water,
            grace_days=grace,
            obligation=obligation,
            obligation_days=days,
        )
    try:
        rules.order(list(built.values()))
    except rules.CriteriaError as exc:
        raise ValidationError({"criteria": str(exc)}) from exc
    return built


# --- Loading into the database ------------------------------------------------------------


@transaction.atomic
def load_ladder(path: Path = SEED_FILE) -> LadderVersion | None:
    """Load the seed file if its version is new. Adds missing trainings and achievements;
    updates achievements nobody has edited since the last load; records each change.
    Returns the new version row, or None when this version is already loaded."""
    seed = read_seed(path)
    if LadderVersion.objects.filter(version__gte=seed.version).exists():
        return None
    now = timezone.now()
    for t in seed.trainings:
        Training.objects.get_or_create(slug=t["slug"], defaults={"name": t["name"]})
    existing = {a.slug: a for a in Achievement.objects.all()}
    vocab = vocabulary(
        achievements=[*((a["slug"], a["name"]) for a in seed.achievements)]
        + [(s, a.name) for s, a in existing.items()],
        trainings=Training.objects.values_list("slug", "name"),
    )
    validate_definitions(seed.achievements, vocab)
    trainings = {t.slug: t for t in Training.objects.all()}
    staff_edited = set(
        CriteriaChange.objects.exclude(source__startswith="seed").values_list(
            "achievement__slug", flat=True
        )
    )
    added = updated = 0
    for entry in seed.achievements:
        values: dict[str, Any] = {f: entry[f] for f in _FIELDS if f in entry}
        values["obligation_training"] = trainings.get(entry.get("obligation_training") or "")
        current = existing.get(entry["slug"])
        if current is None:
            achievement = Achievement(slug=entry["slug"], **values)
            achievement.full_clean()
            achievement.save()
            CriteriaChange.objects.create(
                achievement=achievement,
                source=f"seed v{seed.version}",
                after=snapshot(achievement),
                changed_at=now,
            )
            added += 1
        elif current.slug not in staff_edited:
            before = snapshot(current)
            for f, v in values.items():
                setattr(current, f, v)
            after = snapshot(current)
            if after != before:
                current.full_clean()
                current.save()
                CriteriaChange.objects.create(
                    achievement=current,
                    source=f"seed v{seed.version}",
                    before=before,
                    after=after,
                    changed_at=now,
                )
                updated += 1
    return LadderVersion.objects.create(
        version=seed.version,
        checksum=seed.checksum,
        loaded_at=now,
        summary=f"{added} added, {updated} updated",
    )


def snapshot(a: Achievement) -> dict[str, Any]:
    """The rule-relevant fields of an achievement, as JSON (for the change log)."""
    data: dict[str, Any] = {f: getattr(a, f) for f in _FIELDS}
    data["obligation_training"] = a.obligation_training.slug if a.obligation_training else None
    out: dict[str, Any] = json.loads(json.dumps(data))
    return out


def entry_of(a: Achievement) -> dict[str, Any]:
    return {"slug": a.slug, **snapshot(a)}


@dataclass(frozen=True)
class Ladder:
    """The ladder as one read: the achievements (in their order), the vocabulary criteria
    may use, and the validated rules, for callers that need more than the rules (the path
    page read the achievements and the vocabulary twice each); plus every achievement's slug
    by id (inactive ones too: awards may point at them) and every training's id by slug.

    Shared by every request of a process (``read_ladder``): treat it as read-only."""

    achievements: list[Achievement]
    vocab: rules.Vocabulary
    rule_set: list[rules.Rule]
    achievement_slugs: dict[int, str]
    training_ids: dict[str, int]


LADDER_CACHE_SECONDS: Final = 60.0
_ladders: dict[bool, tuple[float, tuple[Any, ...], Ladder]] = {}


def _ladder_version() -> tuple[Any, ...]:
    """Changes when an achievement is added, deleted or saved (``updated_at``) or a training
    is added or deleted: one small query instead of reading and validating the ladder."""
    achievements = connection.ops.quote_name(Achievement._meta.db_table)
    trainings = connection.ops.quote_name(Training._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {achievements}), "  # noqa: S608
            f"(SELECT MAX(updated_at) FROM {achievements}), "
            f"(SELECT COUNT(*) FROM {trainings}), (SELECT MAX(id) FROM {trainings})"
        )
        row = cursor.fetchone()
    return tuple(row) if row else ()


def forget_ladder() -> None:
    """Drop this process's ladder (tests: a rolled-back transaction)."""
    _ladders.clear()


def read_ladder(*, include_inactive: bool = False) -> Ladder:
    """Every active achievement (with ``include_inactive``, every one), the vocabulary and
    the achievements as validated ``Rule``s (a broken row raises).

    Kept per process while the ladder's version (``_ladder_version``) is unchanged, for at
    most ``LADDER_CACHE_SECONDS`` (a training renamed meanwhile shows within it)."""
    version = _ladder_version()
    hit = _ladders.get(include_inactive)
    if hit is not None and hit[1] == version and time.monotonic() - hit[0] < LADDER_CACHE_SECONDS:
        return hit[2]
    every = list(Achievement.objects.select_related("obligation_training"))  # ladder order
    achievements = every if include_inactive else [a for a in every if a.active]
    trainings = list(Training.objects.values_list("pk", "slug", "name"))
    vocab = vocabulary(
        ((a.slug, a.name) for a in every), ((slug, name) for _, slug, name in trainings)
    )
    built = validate_definitions([entry_of(a) for a in achievements], vocab)
    read = Ladder(
        achievements=achievements,
        vocab=vocab,
        rule_set=list(built.values()),
        achievement_slugs={a.pk: a.slug for a in every},
        training_ids={slug: pk for pk, slug, _ in trainings},
    )
    _ladders[include_inactive] = (time.monotonic(), version, read)
    return read


def load_rules(*, include_inactive: bool = False) -> list[rules.Rule]:
    """Every active achievement as a ``Rule``, validated (a broken row raises)."""
    return read_ladder(include_inactive=include_inactive).rule_set


def ladder_checksum() -> str:
    """Changes whenever any rule changes (the batch runs everyone again when it does)."""
    rows = list(
        Achievement.objects.order_by("slug").values_list(
            "slug", "criteria", "low_water", "grace_days", "obligation_days", "active", "audience"
        )
    )
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()
