"""The mock chats page (``/path/mock-chats/``): mentors and staff record a listener's mock
chat; listeners see their own. Thin: parse input, ask a policy/selector/service, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from peerpath.accounts.http import signed_in_user as _user
from peerpath.accounts.models import User
from peerpath.core.errors import Refused
from peerpath.progression import policies
from peerpath.progression.forms import MockChatForm
from peerpath.progression.policies import NOTES_MAX_CHARS
from peerpath.progression.selectors.mock_chats import assessments_by, assessments_for
from peerpath.progression.services.mock_chats import record_mock_chat


def _mock_chats_page(
    request: HttpRequest,
    *,
    form: MockChatForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    can_assess = bool(policies.may_assess(user))
    context: dict[str, Any] = {
        "can_assess": can_assess,
        "is_listener": user.is_listener,
        "error": error,
        "notes_max": NOTES_MAX_CHARS,
        "max_age_days": policies.MAX_AGE_DAYS,
    }
    if can_assess:
        context["form"] = form or MockChatForm(
            initial={"held_on": timezone.localdate().isoformat()}
        )
        context["recorded"] = list(assessments_by(user))
    if user.is_listener:
        context["mine"] = list(assessments_for(user))
    return TemplateResponse(request, "progression/mock_chats.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mock_chats(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _mock_chats_page(request)
    user = _user(request)
    decision = policies.may_assess(user)
    if not decision:
        return _mock_chats_page(request, error=decision.reason, status=403)
    form = MockChatForm(request.POST)
    if not form.is_valid():
        return _mock_chats_page(request, form=form, status=400)
    data = form.cleaned_data
    listener: User = data["listener_user"]
    try:
        record_mock_chat(
            assessor=user,
            listener=listener,
            held_on=data["held_on"],
            passed=data["passed"],
            notes=data["notes"],
        )
    except Refused as exc:
        return _mock_chats_page(request, form=form, error=exc.message, status=exc.status)
    result = "a pass" if data["passed"] else "not passed yet"
    messages.success(request, f"The mock chat with {listener.username} is recorded: {result}.")
    return redirect("progression-mock-chats")
