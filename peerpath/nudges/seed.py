"""Loading the seeded rules of ``rules.toml`` (on every migrate; staff edits are kept)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Final

from django.core.exceptions import ValidationError

RULES_FILE: Final = Path(__file__).with_name("rules.toml")


def seeded_rules() -> list[dict[str, Any]]:
    with RULES_FILE.open("rb") as fh:
        rules: list[dict[str, Any]] = tomllib.load(fh)["rule"]
    return rules


def build(spec: dict[str, Any]) -> Any:
    from peerpath.nudges.models import NudgeRule

    rule = NudgeRule(
        slug=spec["slug"],
        name=spec["name"],
        description=spec.get("description", ""),
        trigger=spec["trigger"],
        params=dict(spec.get("params", {})),
        audience=spec["audience"],
        category=spec["category"],
        channel=spec.get("channel", "in_app"),
        title_template=spec["title"],
        body_template=spec["body"],
        url=spec.get("url", ""),
        cooldown_days=spec.get("cooldown_days", 0),
        cap=spec.get("cap", 0),
        group=spec.get("group", ""),
        confirmed_large_audience=spec.get("confirmed_large_audience", False),
        seeded=True,
    )
    rule.full_clean(exclude=["slug"] if NudgeRule.objects.filter(slug=rule.slug).exists() else [])
    return rule


def load_seeded_rules(*, using: str = "default") -> int:
    """Create the seeded rules that do not exist yet; returns how many were created."""
    from peerpath.nudges.models import NudgeRule

    existing = set(NudgeRule.objects.using(using).values_list("slug", flat=True))
    created = 0
    for spec in seeded_rules():
        if spec["slug"] in existing:
            continue
        try:
            rule = build(spec)
        except ValidationError as exc:  # a broken seed file must fail loudly
            raise ValueError(f"nudges/rules.toml: rule {spec['slug']!r}: {exc}") from exc
        rule.save(using=using)
        created += 1
    return created
