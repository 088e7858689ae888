"""Raising a flag from the mentorship space."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from peerpath.accounts.http import signed_in_user as _user
from peerpath.core.errors import NotFound, Refused
from peerpath.mentorship.forms import (
    FlagForm,
)
from peerpath.mentorship.services import (
    flags,
)
from peerpath.mentorship.views.common import FLAG_RESOURCES_KEY
from peerpath.mentorship.views.lifecycle import space_page
from peerpath.safety.web import show_help


@login_required
@require_POST
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    form = FlagForm(request.POST, auto_id="flag_%s")
    if not form.is_valid():
        return space_page(request, pk, status=400, flag_form=form)
    data = form.cleaned_data
    try:
        written = flags.raise_flag(
            user=_user(request),
            mentorship_id=pk,
            topic=data["topic"],
            priority=data["priority"],
            note=data["note"],
            key=data["key"],
        )
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Refused as exc:
        return space_page(request, pk, error=exc.message, status=exc.status, flag_form=form)
    show_help(request, written.screening)
    raised = written.obj
    request.session[FLAG_RESOURCES_KEY] = raised.topic  # resources shown on the next page
    if raised.priority == "immediate":
        messages.success(request, "Thank you. Staff have been told at once.")
    else:
        messages.success(request, "Thank you. Staff will look at your concern soon.")
    return redirect("mentorship:space", pk=pk)
