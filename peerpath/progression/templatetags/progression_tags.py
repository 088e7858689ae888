"""Template tags of the progression app for other apps' pages.

``{% load progression_tags %}`` then ``{% badge_list user %}``: the person's roles,
milestones and badges (``selectors.awards.public_badges``), named for their age band, each linked
to its public certificate when it has a valid one. The page that includes it decides who may
see the person at all (the profile view answers 404 across age bands).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.db.models import prefetch_related_objects

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import User
from peerpath.progression.models import AchievementKind, Award
from peerpath.progression.selectors.awards import public_badges

register = template.Library()


@dataclass(frozen=True, slots=True)
class BadgeItem:
    slug: str
    name: str
    kind: str
    kind_label: str
    certificate_id: str | None


def _valid_certificate_id(award: Award) -> str | None:
    if not award.achievement.certificate:
        return None  # never touch the relation: it would cost a query
    cert = getattr(award, "certificate", None)
    return cert.id if cert is not None and cert.valid else None


def profile_badges(user: User) -> list[BadgeItem]:
    """One query for the awards, plus one for their certificates only when an award shown
    is of a kind that issues them (none if ``public_badges`` already joins them)."""
    awards = public_badges(user)
    if any(a.achievement.certificate for a in awards):
        prefetch_related_objects(awards, "certificate")
    teen = user.age_band is AgeBand.TEEN
    return [
        BadgeItem(
            slug=a.achievement.slug,
            name=a.achievement.name_for(teen=teen),
            kind=a.achievement.kind,
            kind_label=AchievementKind(a.achievement.kind).label,
            certificate_id=_valid_certificate_id(a),
        )
        for a in awards
    ]


@register.inclusion_tag("progression/_badge_list.html")
def badge_list(user: User) -> dict[str, Any]:
    return {"badges": profile_badges(user)}
