"""Staff edits of the ladder's rules: every edit is validated against the whole ladder and
recorded as a ``CriteriaChange``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from peerpath.accounts.models import User
from peerpath.progression import ladder
from peerpath.progression.models import Achievement, CriteriaChange


@transaction.atomic
def update_achievement(
    *, achievement: Achievement, changes: dict[str, Any], actor: User | None
) -> Achievement:
    """Apply a staff edit after validating the whole ladder with it (unknown kinds, negative
    counts, cycles in prerequisites are refused with the reason); record the change. An
    unsaved ``achievement`` is a new one (recorded with no "before")."""
    before = ladder.snapshot(achievement) if achievement.pk else None
    for field, value in changes.items():
        setattr(achievement, field, value)
    entries = [
        ladder.entry_of(a)
        for a in Achievement.objects.select_related("obligation_training").exclude(
            pk=achievement.pk
        )
    ]
    entries.append(ladder.entry_of(achievement))
    ladder.validate_definitions(entries, ladder.vocabulary())
    achievement.full_clean()
    achievement.save()
    after = ladder.snapshot(achievement)
    if after != before:
        CriteriaChange.objects.create(
            achievement=achievement, changed_by=actor, source="admin", before=before, after=after
        )
    return achievement
