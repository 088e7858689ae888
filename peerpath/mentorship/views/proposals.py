"""A mentor's answer to a matching proposal (from the hub)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from peerpath.accounts.http import signed_in_user as _user
from peerpath.mentorship.forms import (
    ReasonForm,
)
from peerpath.mentorship.services import (
    proposals,
)
from peerpath.mentorship.views.lifecycle import hub_page, hub_refusals
from peerpath.safety.web import show_help


@login_required
@require_POST
@hub_refusals
def accept_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    m = proposals.accept_proposal(mentor=_user(request), mentorship_id=pk)
    messages.success(request, f"You're now mentoring {m.mentee.profile.shown_name}. Say hello!")
    return redirect("mentorship:space", pk=m.pk)


@login_required
@require_POST
@hub_refusals
def decline_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST, auto_id=f"decline-proposal-{pk}_%s")
    if not form.is_valid():
        return hub_page(request, status=400, failed_form=("proposal", pk, form))
    declined = proposals.decline_proposal(
        mentor=_user(request), mentorship_id=pk, reason=form.cleaned_data["reason"]
    )
    show_help(request, declined.screening)
    messages.success(
        request,
        f"You declined the proposed match with {declined.obj.mentee.profile.shown_name}. "
        "We've told them, and you won't be proposed to each other again.",
    )
    return redirect("mentorship:hub")
