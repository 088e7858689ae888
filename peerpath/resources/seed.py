"""Loading the resource library of ``library.toml`` (on every migrate).

Creates the resources that do not exist yet (by slug) and brings resources staff have not
edited (``Resource.edited`` false) in line with the file; custom resources and staff edits are
kept, nothing is deleted. The whole file is validated before anything is written, so a broken
file fails loudly and writes nothing.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Final

from django.db import transaction

from peerpath.resources.models import (
    RESERVED_SLUGS,
    SUMMARY_MAX_CHARS,
    TITLE_MAX_CHARS,
    FlagTopic,
    Resource,
    ResourceAudience,
    ResourceTopic,
    pack,
)

LIBRARY_FILE: Final = Path(__file__).resolve().parent / "library.toml"
MIN_WORDS: Final = 150
MAX_WORDS: Final = 400
_KEYS: Final = frozenset(
    {"slug", "title", "summary", "body", "topics", "flag_topics", "audience", "reading_minutes"}
)
_REQUIRED: Final = ("slug", "title", "summary", "body", "topics", "reading_minutes")
_SLUG: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def read_library(path: Path = LIBRARY_FILE) -> list[dict[str, Any]]:
    with path.open("rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    resources = data.get("resources")
    if not isinstance(resources, list) or not resources:
        raise ValueError(f"{path.name}: no [[resources]]")
    return resources


def word_count(text: str) -> int:
    return len(text.split())


def validate_library(specs: list[dict[str, Any]]) -> None:
    """Refuse unknown or missing keys, bad or duplicate slugs, unknown topics, flag topics and
    audiences, over-long titles and summaries, and bodies outside 150 to 400 words."""
    seen: set[str] = set()
    for spec in specs:
        where = f"resource {spec.get('slug', '?')!r}"
        unknown = set(spec) - _KEYS
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        for key in _REQUIRED:
            if not spec.get(key):
                raise ValueError(f"{where}: {key} is required")
        slug = spec["slug"]
        if not _SLUG.fullmatch(slug) or slug in RESERVED_SLUGS or len(slug) > 80:
            raise ValueError(f"{where}: bad slug")
        if slug in seen:
            raise ValueError(f"{where}: duplicate slug")
        seen.add(slug)
        if len(spec["title"]) > TITLE_MAX_CHARS or len(spec["summary"]) > SUMMARY_MAX_CHARS:
            raise ValueError(f"{where}: title or summary too long")
        bad = set(spec["topics"]) - set(ResourceTopic.values)
        if bad:
            raise ValueError(f"{where}: unknown topics {sorted(bad)}")
        bad = set(spec.get("flag_topics", [])) - set(FlagTopic.values)
        if bad:
            raise ValueError(f"{where}: unknown flag topics {sorted(bad)}")
        if spec.get("audience", ResourceAudience.BOTH) not in ResourceAudience.values:
            raise ValueError(f"{where}: unknown audience {spec.get('audience')!r}")
        minutes = spec["reading_minutes"]
        if not isinstance(minutes, int) or not 1 <= minutes <= 60:
            raise ValueError(f"{where}: reading_minutes must be 1–60")
        words = word_count(spec["body"])
        if not MIN_WORDS <= words <= MAX_WORDS:
            raise ValueError(f"{where}: body has {words} words ({MIN_WORDS}–{MAX_WORDS})")


def _fields(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": spec["title"].strip(),
        "summary": spec["summary"].strip(),
        "body": spec["body"].strip(),
        "topics": pack(spec["topics"]),
        "flag_topics": pack(spec.get("flag_topics", [])),
        "audience": spec.get("audience", ResourceAudience.BOTH),
        "reading_minutes": spec["reading_minutes"],
    }


def load_library(*, using: str = "default", path: Path = LIBRARY_FILE) -> int:
    """Create missing resources and sync unedited ones; returns how many were created."""
    specs = read_library(path)
    validate_library(specs)
    created = 0
    with transaction.atomic(using=using):
        existing = {r.slug: r for r in Resource.objects.using(using).all()}
        for spec in specs:
            fields = _fields(spec)
            row = existing.get(spec["slug"])
            if row is None:
                row = Resource(slug=spec["slug"], **fields)
                row.full_clean(validate_unique=False)
                row.save(using=using)
                created += 1
            elif row.edited or row.is_custom:
                continue
            elif any(getattr(row, k) != v for k, v in fields.items()):
                for key, value in fields.items():
                    setattr(row, key, value)
                row.save(using=using)
    return created
