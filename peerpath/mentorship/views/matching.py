"""Staff: matching runs (run, preview, publish, discard)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from peerpath.accounts.http import signed_in_user as _user
from peerpath.accounts.models import User
from peerpath.core.http import refusals
from peerpath.mentorship import policies
from peerpath.mentorship.forms import ConfirmForm
from peerpath.mentorship.selectors import matching as matching_reads
from peerpath.mentorship.services import matching as matching_services


def _staff(request: HttpRequest) -> User:
    user = _user(request)
    decision = policies.can_run_matching(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    return user


def _matching_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {"runs": matching_reads.match_runs(limit=20), "error": error}
    return TemplateResponse(request, "mentorship/matching.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@refusals(page=lambda request, exc: _matching_page(request, error=exc.message, status=exc.status))
def matching(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if request.method == "POST":
        run = matching_services.run_matching(actor=user)
        messages.success(
            request, f"Matching run #{run.pk} is ready: check the proposals, then publish."
        )
        return redirect("mentorship:matching_run", pk=run.pk)
    return _matching_page(request)


def _publish_form(n_proposals: int, data: Any = None) -> ConfirmForm:
    return ConfirmForm(
        data,
        auto_id="publish_%s",
        confirm_label=f"Yes, publish {n_proposals} proposal{pluralize(n_proposals)}: "
        "the people in them are told at once",
    )


def _run_page(
    request: HttpRequest,
    pk: int,
    *,
    error: str = "",
    status: int = 200,
    publish_form: ConfirmForm | None = None,
) -> HttpResponse:
    run, page = matching_reads.run_with_proposals_page(pk, request.GET.get("page"))
    context = {
        "run": run,
        "page_obj": page,
        "proposals": page.object_list,
        "error": error,
        "publish_form": publish_form or _publish_form(run.n_proposals),
    }
    return TemplateResponse(request, "mentorship/matching_run.html", context, status=status)


# A refusal of a run action (not a missing thing) is the run again, with the reason.
_run_refusals = refusals(
    page=lambda request, exc, pk: _run_page(request, pk, error=exc.message, status=exc.status)
)


@login_required
@require_safe
def matching_run(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    return _run_page(request, pk)


@login_required
@require_POST
@_run_refusals
def matching_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    run, _ = matching_reads.run_with_proposals_page(pk)
    form = _publish_form(run.n_proposals, request.POST)
    if not form.is_valid():  # publishing cannot be undone: nothing without the ticked box
        return _run_page(request, pk, status=400, publish_form=form)
    run = matching_services.publish_run(actor=user, run_id=pk)
    messages.success(request, f"Run #{run.pk} is published.")
    return redirect("mentorship:matching_run", pk=run.pk)


@login_required
@require_POST
@_run_refusals
def matching_discard(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    run = matching_services.discard_run(actor=user, run_id=pk)
    messages.success(request, f"Run #{run.pk} is discarded: nobody was matched by it.")
    return redirect("mentorship:matching")
