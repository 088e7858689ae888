"""Staff pages of the nudges app: the rules, a rule's dry run, ledger and experiment."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from peerpath.core.errors import NotFound
from peerpath.nudges import engine, policies, selectors
from peerpath.nudges.models import NudgeRule
from peerpath.nudges.triggers import TRIGGERS

SAMPLE = 10


def _staff(request: HttpRequest) -> None:
    decision = policies.can_view_nudges(request.user)
    if not decision:
        raise PermissionDenied(decision.reason)


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    _staff(request)
    now = timezone.now()
    context = {"rows": selectors.rule_rows(now), "runs": selectors.recent_runs()}
    return TemplateResponse(request, "nudges/index.html", context)


@login_required
@require_safe
def rule(request: HttpRequest, slug: str) -> HttpResponse:
    _staff(request)
    found = NudgeRule.objects.filter(slug=slug[:60]).prefetch_related("variants").first()
    if found is None:
        raise NotFound("No such nudge rule.")
    now = timezone.now()
    dry = engine.evaluate(found, now, sample=SAMPLE) if found.trigger in TRIGGERS else None
    context = {
        "rule": found,
        "trigger": TRIGGERS.get(found.trigger),
        "dry": dry,
        "by_day": selectors.sends_by_day(found, now),
        "results": selectors.experiment_results(found, now),
    }
    return TemplateResponse(request, "nudges/rule.html", context)
