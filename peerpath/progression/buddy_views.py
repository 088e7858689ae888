"""Buddy and mock chat pages. Thin: parse input (forms), ask a policy/selector/service, render.

Refusals from services re-render the page with the message and the refusal's 4xx status
(``NotFound`` is a plain 404, identical to a missing pairing); invalid forms answer 400 with
the typed values kept. Nothing here writes except through ``buddies`` and ``mock_chats``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from peerpath.accounts.http import signed_in_user as _user
from peerpath.accounts.models import User
from peerpath.core.errors import NotFound, Refused
from peerpath.core.forms import Form
from peerpath.progression import buddies as buddy_services
from peerpath.progression import mock_chat_policies
from peerpath.progression import mock_chats as mock_chat_services
from peerpath.progression.mock_chat_policies import NOTES_MAX_CHARS
from peerpath.safety.web import show_help


class BuddyCheckInForm(Form):
    note = forms.CharField(
        label="How are the first weeks going?",
        max_length=buddy_services.NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": buddy_services.NOTE_MAX_CHARS}),
        error_messages={"required": "Write a few words about how the first weeks went."},
    )


RESULT_CHOICES = [("yes", "Passed"), ("no", "Not yet: more practice needed")]


class MockChatForm(Form):
    listener = forms.CharField(
        label="Listener's pseudonym",
        max_length=mock_chat_services.PSEUDONYM_MAX_CHARS,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Enter the listener's pseudonym."},
    )
    held_on = forms.DateField(
        label="Date of the mock chat",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the date of the mock chat.",
            "invalid": "Enter the date as YYYY-MM-DD.",
        },
    )
    passed = forms.TypedChoiceField(
        label="Result",
        choices=RESULT_CHOICES,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the mock chat was passed."},
    )
    notes = forms.CharField(
        label="Notes (required when not passed: say what to practise)",
        required=False,
        max_length=NOTES_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": NOTES_MAX_CHARS}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "mock_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = data.get("listener")
        if name:
            listener = mock_chat_services.listener_by_pseudonym(name)
            if listener is None:
                self.add_error("listener", mock_chat_policies.NO_LISTENER)
            else:
                data["listener_user"] = listener
        return data


# --- buddies -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BuddyRow:
    item: buddy_services.BuddyItem
    form: BuddyCheckInForm
    overdue: bool


def _check_in_form(pair_id: int, bound: tuple[int, BuddyCheckInForm] | None) -> BuddyCheckInForm:
    if bound is not None and bound[0] == pair_id:
        return bound[1]
    return BuddyCheckInForm(auto_id=f"checkin{pair_id}_%s")


def _buddies_page(
    request: HttpRequest,
    *,
    error: str = "",
    status: int = 200,
    bound: tuple[int, BuddyCheckInForm] | None = None,
) -> HttpResponse:
    user = _user(request)
    items = buddy_services.buddies_of(user)
    now = timezone.now()
    rows = [
        BuddyRow(item, _check_in_form(item.pair.pk, bound), item.overdue(now)) for item in items
    ]
    context = {
        "rows": rows,
        "sections": [
            {
                "id": "my-buddies",
                "title": "Your buddy as a new leader",
                "rows": [r for r in rows if r.item.i_am_newcomer],
            },
            {
                "id": "buddying",
                "title": "New leaders you are buddy to",
                "rows": [r for r in rows if not r.item.i_am_newcomer],
            },
        ],
        "error": error,
        "check_in_days": buddy_services.CHECK_IN_DAYS,
    }
    return TemplateResponse(request, "progression/buddies.html", context, status=status)


@login_required
@require_safe
def buddies(request: HttpRequest) -> HttpResponse:
    return _buddies_page(request)


@login_required
@require_POST
def check_in(request: HttpRequest, pair_id: int) -> HttpResponse:
    user = _user(request)
    pair = buddy_services.pair_for_party(user, pair_id)
    if pair is None:
        raise NotFound(buddy_services.NOT_FOUND)
    form = BuddyCheckInForm(request.POST, auto_id=f"checkin{pair_id}_%s")
    if not form.is_valid():
        return _buddies_page(request, status=400, bound=(pair_id, form))
    try:
        done = buddy_services.record_check_in(pair=pair, user=user, note=form.cleaned_data["note"])
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Refused as exc:
        return _buddies_page(request, error=exc.message, status=exc.status, bound=(pair_id, form))
    messages.success(request, "Your check-in is recorded. Thank you!")
    show_help(request, done.screening)
    return redirect("progression-buddies")


# --- mock chats ----------------------------------------------------------------------------


def _mock_chats_page(
    request: HttpRequest,
    *,
    form: MockChatForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    can_assess = bool(mock_chat_policies.may_assess(user))
    context: dict[str, Any] = {
        "can_assess": can_assess,
        "is_listener": user.is_listener,
        "error": error,
        "notes_max": NOTES_MAX_CHARS,
        "max_age_days": mock_chat_policies.MAX_AGE_DAYS,
    }
    if can_assess:
        context["form"] = form or MockChatForm(
            initial={"held_on": timezone.localdate().isoformat()}
        )
        context["recorded"] = list(mock_chat_services.assessments_by(user))
    if user.is_listener:
        context["mine"] = list(mock_chat_services.assessments_for(user))
    return TemplateResponse(request, "progression/mock_chats.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mock_chats(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _mock_chats_page(request)
    user = _user(request)
    decision = mock_chat_policies.may_assess(user)
    if not decision:
        return _mock_chats_page(request, error=decision.reason, status=403)
    form = MockChatForm(request.POST)
    if not form.is_valid():
        return _mock_chats_page(request, form=form, status=400)
    data = form.cleaned_data
    listener: User = data["listener_user"]
    try:
        mock_chat_services.record_mock_chat(
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
