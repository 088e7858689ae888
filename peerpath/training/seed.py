"""Loading the seeded programs of ``programs.toml`` (on every migrate).

Creates the programs that do not exist yet with their discussions; brings programs staff have
not edited (``Program.edited`` false) in line with the file (fields, and discussions by
position); never deletes. The whole file is validated before anything is written, so a broken
file fails loudly and writes nothing.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Final

from django.db import transaction

from peerpath.training.models import (
    MAX_MIN_REPLIES,
    ActivityType,
    Audience,
    Discussion,
    Program,
)

PROGRAMS_FILE: Final = Path(__file__).resolve().parent / "programs.toml"
_PROGRAM_KEYS: Final = frozenset(
    {"slug", "name", "training", "audience", "description", "sort_order", "discussions"}
)
_PROGRAM_REQUIRED: Final = ("slug", "name", "training", "discussions")
_DISCUSSION_KEYS: Final = frozenset({"title", "prompt", "activity", "min_replies"})
_DISCUSSION_REQUIRED: Final = ("title", "prompt")
RESERVED_SLUGS: Final = frozenset({"mentors", "saved-mentors", "cohorts", "posts"})


def read_programs(path: Path = PROGRAMS_FILE) -> list[dict[str, Any]]:
    with path.open("rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    programs = data.get("programs")
    if not isinstance(programs, list) or not programs:
        raise ValueError(f"{path.name}: no [[programs]]")
    return programs


def validate_programs(programs: list[dict[str, Any]], *, trainings: set[str]) -> None:
    """Refuse unknown or missing keys, duplicate slugs, unknown trainings, audiences and
    activities, and absurd reply counts; messages name the program and discussion."""
    seen: set[str] = set()
    for spec in programs:
        where = f"program {spec.get('slug', '?')!r}"
        unknown = set(spec) - _PROGRAM_KEYS
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        for key in _PROGRAM_REQUIRED:
            if not spec.get(key):
                raise ValueError(f"{where}: {key} is required")
        if spec["slug"] in RESERVED_SLUGS:
            raise ValueError(f"{where}: this slug is reserved for a training page")
        if spec["slug"] in seen:
            raise ValueError(f"{where}: duplicate slug")
        seen.add(spec["slug"])
        if spec["training"] not in trainings:
            raise ValueError(f"{where}: unknown training {spec['training']!r} (see the ladder)")
        if spec.get("audience", Audience.EVERYONE) not in Audience.values:
            raise ValueError(f"{where}: unknown audience {spec.get('audience')!r}")
        for n, disc in enumerate(spec["discussions"], start=1):
            at = f"{where}, discussion {n}"
            unknown = set(disc) - _DISCUSSION_KEYS
            if unknown:
                raise ValueError(f"{at}: unknown keys {sorted(unknown)}")
            for key in _DISCUSSION_REQUIRED:
                if not str(disc.get(key, "")).strip():
                    raise ValueError(f"{at}: {key} is required")
            activity = disc.get("activity", ActivityType.POST_AND_REPLY)
            if activity not in ActivityType.values:
                raise ValueError(f"{at}: unknown activity {activity!r}")
            replies = disc.get("min_replies", 2)
            if not isinstance(replies, int) or not 0 <= replies <= MAX_MIN_REPLIES:
                raise ValueError(f"{at}: min_replies must be 0–{MAX_MIN_REPLIES}")
            if activity == ActivityType.POST_AND_REPLY and replies < 1:
                raise ValueError(f"{at}: a post-and-reply discussion needs min_replies ≥ 1")


def _program_fields(spec: dict[str, Any], training_id: int) -> dict[str, Any]:
    return {
        "name": spec["name"],
        "description": spec.get("description", "").strip(),
        "training_id": training_id,
        "audience": spec.get("audience", Audience.EVERYONE),
        "sort_order": spec.get("sort_order", 0),
    }


def _discussion_fields(disc: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": disc["title"],
        "prompt": disc["prompt"].strip(),
        "activity": disc.get("activity", ActivityType.POST_AND_REPLY),
        "min_replies": disc.get("min_replies", 2),
    }


def load_programs(*, using: str = "default", path: Path = PROGRAMS_FILE) -> int:
    """Create missing programs and sync unedited ones; returns how many were created."""
    from peerpath.progression.models import Training

    specs = read_programs(path)
    trainings = dict(Training.objects.using(using).values_list("slug", "pk"))
    validate_programs(specs, trainings=set(trainings))
    created = 0
    with transaction.atomic(using=using):
        existing = {p.slug: p for p in Program.objects.using(using).all()}
        for spec in specs:
            fields = _program_fields(spec, trainings[spec["training"]])
            program = existing.get(spec["slug"])
            if program is None:
                program = Program(slug=spec["slug"], **fields)
                program.full_clean(validate_unique=False)
                program.save(using=using)
                created += 1
            elif program.edited:
                continue
            elif any(getattr(program, k) != v for k, v in fields.items()):
                for key, value in fields.items():
                    setattr(program, key, value)
                program.save(using=using)
            _sync_discussions(program, spec["discussions"], using=using)
    return created


def _sync_discussions(program: Program, specs: list[dict[str, Any]], *, using: str) -> None:
    current = {d.position: d for d in Discussion.objects.using(using).filter(program=program)}
    for position, disc in enumerate(specs, start=1):
        fields = _discussion_fields(disc)
        row = current.get(position)
        if row is None:
            row = Discussion(program=program, position=position, **fields)
            row.full_clean(validate_unique=False, validate_constraints=False)
            row.save(using=using)
        elif any(getattr(row, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(row, key, value)
            row.save(using=using)
