"""My mentorships (the hub: mine, my requests, requests and proposals for me) and one
mentorship's space (chat, log, check-ins, flags; a summary once ended).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from peerpath.accounts.http import signed_in_user as _user
from peerpath.core.http import refusals
from peerpath.mentorship import policies
from peerpath.mentorship.forms import (
    CheckInForm,
    ConversationForm,
    FlagForm,
    ReasonForm,
)
from peerpath.mentorship.models import MentorshipStatus
from peerpath.mentorship.selectors import chat as chat_reads
from peerpath.mentorship.selectors import lifecycle as lifecycle_reads
from peerpath.mentorship.selectors import logs as log_reads
from peerpath.mentorship.selectors import proposals as proposal_reads
from peerpath.mentorship.selectors import requests as request_reads
from peerpath.mentorship.views.common import FLAG_RESOURCES_KEY, other_party
from peerpath.resources import selectors as resource_selectors


def hub_page(
    request: HttpRequest,
    *,
    error: str = "",
    status: int = 200,
    failed_form: tuple[str, int, ReasonForm] | None = None,
) -> HttpResponse:
    user = _user(request)
    pending = list(request_reads.pending_requests_for_mentor(user))
    proposals = list(proposal_reads.proposals_for_mentor(user))
    context = {
        "mentorships": lifecycle_reads.mentorships_of(user),
        "requests": list(request_reads.requests_of_mentee(user)[:20]),
        "pending": pending,
        "proposals": proposals,
        "is_mentor": bool(policies.may_mentor(user)) or bool(pending) or bool(proposals),
        "can_be_mentored": bool(policies.may_be_mentored(user)),
        "error": error,
        # (kind, object id, form) of a decline form that failed, to show its errors in place
        "failed_form": failed_form,
    }
    return TemplateResponse(request, "mentorship/hub.html", context, status=status)


# A refusal of a hub action (not a missing thing) is the hub again, with the reason.
hub_refusals = refusals(
    page=lambda request, exc, **_: hub_page(request, error=exc.message, status=exc.status)
)


@login_required
@require_safe
def hub(request: HttpRequest) -> HttpResponse:
    return hub_page(request)


def space_page(
    request: HttpRequest,
    pk: int,
    *,
    error: str = "",
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    user = _user(request)
    m = lifecycle_reads.mentorship_for_party(user, pk)
    context: dict[str, Any] = {
        "mentorship": m,
        "other": other_party(user, m),
        "me": m.mentor if user.pk == m.mentor_id else m.mentee,  # with the profile loaded
        "role": m.role_of(user.pk),
        "error": error,
        "explanation": [str(line) for line in m.explanation or []],
    }
    if m.status == MentorshipStatus.PROPOSED:
        context["can_answer"] = bool(policies.can_answer_proposal(user, m))
        context["decline_form"] = forms.get("decline_form") or ReasonForm(auto_id="decline_%s")
    elif m.status == MentorshipStatus.ACTIVE:
        conversation_form = forms.get("conversation_form") or ConversationForm(auto_id="conv_%s")
        first, last = policies.loggable_days(m, user.tzinfo)
        conversation_form.fields["day"].widget.attrs.update(
            min=first.isoformat(), max=last.isoformat()
        )
        context.update(
            chat_messages=chat_reads.recent_messages(m.pk),
            chat_enabled=bool(policies.can_chat(user, m)),
            conversations=log_reads.conversations_of(m),
            check_ins=log_reads.check_ins_of(m),
            conversation_form=conversation_form,
            check_in_form=forms.get("check_in_form") or CheckInForm(auto_id="checkin_%s"),
            flag_form=forms.get("flag_form") or FlagForm(auto_id="flag_%s"),
        )
    else:
        context.update(
            conversations=log_reads.conversations_of(m),
            flag_form=forms.get("flag_form") or FlagForm(auto_id="flag_%s"),
        )
    flagged = request.session.pop(FLAG_RESOURCES_KEY, None)  # set once by flag()
    if isinstance(flagged, str):
        context["suggested_resources"] = resource_selectors.for_flag_topic(
            flagged, teen=user.is_teen
        )
    return TemplateResponse(request, "mentorship/space.html", context, status=status)


@login_required
@require_safe
def space(request: HttpRequest, pk: int) -> HttpResponse:
    return space_page(request, pk)
