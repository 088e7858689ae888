"""The chat's no-JavaScript fallback: the chat form posts here when there is no WebSocket.

The live path is ``consumers.MentorshipChatConsumer``; both store through
``chat.post_message``, so the rules (party, active, same band, size cap, rate limit,
resend by client_id) are one and the same.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from peerpath.accounts.models import User
from peerpath.core.errors import Refused
from peerpath.core.http import refusals
from peerpath.mentorship.services import (
    chat,
)
from peerpath.safety.web import show_help


def _chat_error(request: HttpRequest, exc: Refused, pk: int) -> HttpResponse:
    """A refused message: why, with the way back to the chat (a missing or not-yours
    mentorship is the site's 404 page instead: ``core.http``)."""
    context = {"message": exc.message, "mentorship_id": pk}
    return render(request, "mentorship/chat_error.html", context, status=exc.status)


@login_required
@require_POST
@refusals(page=_chat_error)
def post_message(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by login_required
    posted = chat.post_message(
        sender=user,
        mentorship_id=pk,
        body=request.POST.get("body", ""),
        client_id=request.POST.get("client_id", ""),
    )
    show_help(request, posted.screening)  # the chat page shows the help lines once
    return redirect(reverse("mentorship:space", args=[pk]) + "#chat")
