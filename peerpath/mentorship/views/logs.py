"""Logging a conversation and checking in, from the mentorship space."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from peerpath.accounts.http import signed_in_user as _user
from peerpath.core.errors import Invalid, NotFound, Refused
from peerpath.mentorship.forms import (
    CheckInForm,
    ConversationForm,
)
from peerpath.mentorship.services import (
    logs,
)
from peerpath.mentorship.views.lifecycle import space_page
from peerpath.safety.web import show_help


@login_required
@require_POST
def log_conversation(request: HttpRequest, pk: int) -> HttpResponse:
    form = ConversationForm(request.POST, auto_id="conv_%s")
    if not form.is_valid():
        return space_page(request, pk, status=400, conversation_form=form)
    data = form.cleaned_data
    try:
        logged = logs.log_conversation(
            user=_user(request),
            mentorship_id=pk,
            kind=data["kind"],
            day=data["day"],
            note=data["note"],
            key=data["key"],
        )
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Invalid as exc:  # a field's value: shown next to it, the rest of the form kept
        for field, errors in exc.fields.items():
            for e in errors:
                form.add_error(field, e)
        return space_page(request, pk, status=exc.status, conversation_form=form)
    except Refused as exc:
        return space_page(request, pk, error=exc.message, status=exc.status, conversation_form=form)
    show_help(request, logged.screening)
    messages.success(request, "The conversation is in your log.")
    return redirect(reverse("mentorship:space", args=[pk]) + "#log")


@login_required
@require_POST
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    form = CheckInForm(request.POST, auto_id="checkin_%s")
    if not form.is_valid():
        return space_page(request, pk, status=400, check_in_form=form)
    try:
        checked = logs.check_in(
            user=_user(request),
            mentorship_id=pk,
            rating=form.cleaned_data["rating"],
            note=form.cleaned_data["note"],
            key=form.cleaned_data["key"],
        )
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Refused as exc:
        return space_page(request, pk, error=exc.message, status=exc.status, check_in_form=form)
    show_help(request, checked.screening)
    messages.success(request, "Thanks for checking in.")
    return redirect(reverse("mentorship:space", args=[pk]) + "#check-ins")
