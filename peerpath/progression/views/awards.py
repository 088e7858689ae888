"""The path page (``/path/``): one's own ladder, badge shelf and history. Thin: parse input,
ask a policy/selector/service, render.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from peerpath.accounts.http import signed_in_user as _user
from peerpath.progression import policies
from peerpath.progression.models import AchievementKind, AwardLog
from peerpath.progression.selectors.awards import (
    award_history,
    badge_shelf,
    display_name,
    held_awards,
    path_for,
)

HISTORY_ROWS = 20


@dataclass(frozen=True, slots=True)
class HistoryRow:
    log: AwardLog
    name: str


def path_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    user = _user(request)
    path = path_for(user)
    series, _held_singles = badge_shelf(user, path)
    history = [
        HistoryRow(log, display_name(log.achievement, user))
        for log in award_history(user, limit=HISTORY_ROWS)
    ]
    single_badges = [i for i in path.badges if not i.achievement.series]
    earned = [h.name for h in held_awards(user, path.awards) if h.kind == AchievementKind.BADGE]
    context: dict[str, Any] = {
        "path": path,
        "next_steps": path.next_steps,
        # What one holds leads; the rest is folded, each card with its criteria once.
        "held": [i for i in path.roles + path.milestones if i.held or i.pending_training],
        "roles": [i for i in path.roles if not (i.held or i.pending_training)],
        "milestones": [i for i in path.milestones if not (i.held or i.pending_training)],
        "obligations": [i for i in path.items if i.obligation_due is not None],
        "series": series,
        "single_badges": single_badges,
        "badges_earned": sum(len([t for t in s.tiers if t.earned]) for s in series)
        + sum(1 for i in single_badges if i.held),
        "badges_earned_names": earned,
        "history": history,
        "is_reviewer": bool(policies.can_review_queue(user, path.held_slugs)),
        "error": error,
    }
    return TemplateResponse(request, "progression/path.html", context, status=status)


@login_required
@require_safe
def my_path(request: HttpRequest) -> HttpResponse:
    return path_page(request)
