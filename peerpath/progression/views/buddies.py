"""The buddies page (``/path/buddies/``): one's pairings and the two-week check-in. Thin: parse
input, ask a policy/selector/service, render.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from peerpath.accounts.http import signed_in_user as _user
from peerpath.core.errors import NotFound, Refused
from peerpath.progression.forms import BuddyCheckInForm
from peerpath.progression.selectors.buddies import NOT_FOUND, BuddyItem, buddies_of, pair_for_party
from peerpath.progression.services.buddies import CHECK_IN_DAYS, record_check_in
from peerpath.safety.web import show_help


@dataclass(frozen=True, slots=True)
class BuddyRow:
    item: BuddyItem
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
    items = buddies_of(user)
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
        "check_in_days": CHECK_IN_DAYS,
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
    pair = pair_for_party(user, pair_id)
    if pair is None:
        raise NotFound(NOT_FOUND)
    form = BuddyCheckInForm(request.POST, auto_id=f"checkin{pair_id}_%s")
    if not form.is_valid():
        return _buddies_page(request, status=400, bound=(pair_id, form))
    try:
        done = record_check_in(pair=pair, user=user, note=form.cleaned_data["note"])
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Refused as exc:
        return _buddies_page(request, error=exc.message, status=exc.status, bound=(pair_id, form))
    messages.success(request, "Your check-in is recorded. Thank you!")
    show_help(request, done.screening)
    return redirect("progression-buddies")
