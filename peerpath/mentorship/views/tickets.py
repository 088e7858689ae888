""" "I can't get in touch": the page and its branches (the outreach message, a ticket to
staff, unmatch and rematch, unmatch for good, leave the program).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from peerpath.accounts.http import signed_in_user as _user
from peerpath.accounts.models import User
from peerpath.core.errors import NotFound, Refused
from peerpath.mentorship import notify
from peerpath.mentorship.forms import (
    EndForm,
    StaffTicketForm,
)
from peerpath.mentorship.models import Mentorship, MentorshipStatus
from peerpath.mentorship.selectors import lifecycle as lifecycle_reads
from peerpath.mentorship.selectors import tickets as ticket_reads
from peerpath.mentorship.services import (
    lifecycle,
    tickets,
)
from peerpath.mentorship.views.common import other_party
from peerpath.safety.web import show_help

CANT_REACH_BRANCHES = ("leave", "outreach", "staff", "rematch", "no-rematch")
# The branches that cannot be undone, and what their confirmation box says.
CONFIRM_LABELS = {
    "rematch": "Yes, end my mentorship with {name}",
    "no-rematch": "Yes, end my mentorship with {name} for good",
    "leave": "Yes, remove me from the mentoring program",
}


def _end_form(branch: str, other_name: str, data: Any = None) -> EndForm:
    return EndForm(
        data,
        auto_id=f"{branch.replace('-', '')}_%s",
        confirm_label=CONFIRM_LABELS[branch].format(name=other_name),
    )


def _cant_reach(
    request: HttpRequest,
    pk: int,
    *,
    error: str = "",
    status: int = 200,
    bound: dict[str, Any] | None = None,
) -> HttpResponse:
    forms = bound or {}
    user = _user(request)
    m = lifecycle_reads.mentorship_for_party(user, pk)
    current = m.status in (MentorshipStatus.ACTIVE, MentorshipStatus.PROPOSED)
    other = other_party(user, m)
    name = other.profile.shown_name
    context: dict[str, Any] = {
        "mentorship": m,
        "other": other,
        "role": m.role_of(user.pk),
        "current": current,
        "error": error,
        "outreach_text": tickets.outreach_text(m, user) if m.is_active else "",
        "reaching_out_resources": (
            ticket_reads.reaching_out_resources(user, m) if m.is_active else []
        ),
        "leave_form": forms.get("leave_form") or _end_form("leave", name),
        "staff_form": forms.get("staff_form") or StaffTicketForm(auto_id="staff_%s"),
        "rematch_form": forms.get("rematch_form") or _end_form("rematch", name),
        "no_rematch_form": forms.get("no_rematch_form") or _end_form("no-rematch", name),
    }
    return TemplateResponse(request, "mentorship/cant_reach.html", context, status=status)


def _rematch_done(user: User, m: Mentorship) -> str:
    """What the person who asked for another match reads: what happens next, for a proposal
    declined before it started as for a mentorship ended."""
    name = other_party(user, m).profile.shown_name
    if m.status == MentorshipStatus.PROPOSED:
        if m.role_of(user.pk) == "mentee":
            return f"You asked for another match instead of {name}. {notify.NEXT_ROUND}"
        return f"You declined the proposed match with {name}. Your place stays free."
    if m.role_of(user.pk) == "mentee":
        return (
            "This mentorship has ended. You're back in matching: we'll suggest a new "
            "match, and you can also choose one in the directory."
        )
    return "This mentorship has ended. Your place is free for a new mentee."


@login_required
@require_safe
def cant_reach(request: HttpRequest, pk: int) -> HttpResponse:
    return _cant_reach(request, pk)


@login_required
@require_POST
def cant_reach_action(request: HttpRequest, pk: int, branch: str) -> HttpResponse:
    if branch not in CANT_REACH_BRANCHES:
        raise NotFound("No such choice.")
    user = _user(request)
    m = lifecycle_reads.mentorship_for_party(user, pk)  # 404 for anyone else, before anything runs
    form_name = {
        "leave": "leave_form",
        "staff": "staff_form",
        "rematch": "rematch_form",
        "no-rematch": "no_rematch_form",
    }.get(branch)
    form: EndForm | StaffTicketForm | None = None
    if branch == "staff":
        form = StaffTicketForm(request.POST, auto_id="staff_%s")
    elif form_name is not None:  # ending: nothing happens unless the box is ticked
        form = _end_form(branch, other_party(user, m).profile.shown_name, request.POST)
    if form is not None and form_name is not None and not form.is_valid():
        return _cant_reach(request, pk, status=400, bound={form_name: form})
    note = form.cleaned_data.get("note", "") if form is not None else ""
    try:
        if branch == "leave":
            show_help(
                request, lifecycle.leave_program(user=user, mentorship_id=m.pk, note=note).screening
            )
            messages.success(
                request,
                "You've left the mentoring program. Your mentoring is paused: raise your "
                "capacity in your mentor settings when you'd like mentees again."
                if m.role_of(user.pk) == "mentor"
                else "You've left the mentoring program. You can come back any time from the "
                "mentor directory.",
            )
            return redirect("mentorship:hub")
        if branch == "outreach":
            tickets.send_outreach_template(user=user, mentorship_id=m.pk)
            messages.success(request, "Your message is sent. Give them a day or two to answer.")
            return redirect(reverse("mentorship:space", args=[m.pk]) + "#chat")
        if branch == "staff":
            assert form is not None  # noqa: S101
            ticket = tickets.open_staff_ticket(
                user=user,
                body=form.cleaned_data["body"],
                mentorship_id=m.pk,
                key=form.cleaned_data["key"],
            )
            show_help(request, ticket.screening)
            messages.success(request, "Staff have your message and will be in touch soon.")
            return redirect("mentorship:space", pk=m.pk)
        if branch == "rematch":
            show_help(
                request,
                lifecycle.request_rematch(user=user, mentorship_id=m.pk, note=note).screening,
            )
            messages.success(request, _rematch_done(user, m))
            return redirect("mentorship:space", pk=m.pk)
        ended = lifecycle.mentor_unmatch_no_rematch(mentor=user, mentorship_id=m.pk, note=note)
        show_help(request, ended.screening)
        messages.success(
            request,
            f"This mentorship has ended. You won't be matched with "
            f"{other_party(user, m).profile.shown_name} again, and you'll take one fewer mentee "
            "from now on.",
        )
        return redirect("mentorship:space", pk=m.pk)
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Refused as exc:
        bound = {form_name: form} if form_name and form is not None else {}
        return _cant_reach(request, pk, error=exc.message, status=exc.status, bound=bound)
