"""Rooms pages. Thin: parse input (forms), ask a policy/selector, write through a service.

Who may do what is ``rooms.policies``; the facts they read come from ``rooms.selectors``.
A room of the other age band (or a missing one) is a plain 404, identical to a missing room;
a room the person may not enter (badge lock, audience, ban, kick) is a 403 page that says why
and what unlocks it.

Actions (moderation, reports, blocks, sessions) are POST-only and CSRF-protected. They answer
in the form the caller asked for:

* ``Accept: application/json`` (the room page's script): ``{"ok": true, "message": ...}``, or
  ``{"ok": false, "error": ..., "fields": {...}}`` with the refusal's 4xx status;
* an htmx request: the ``rooms/_outcome.html`` partial, with the same status;
* a plain form post (no JavaScript): a redirect back with a flash message, or a page with the
  refusal and its status (a 404 is the site's standard "not found" page).

Before any input is validated, the object is looked up and the person's right to act there
checked, so somebody without that right learns nothing from validation errors, and a hidden
object answers exactly like a missing one. Services check everything again and raise
``core.errors.Refused``; nothing is written when they refuse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from peerpath.accounts.http import signed_in_user as _user
from peerpath.accounts.models import User
from peerpath.core.decisions import Decision
from peerpath.core.errors import Invalid, NotFound, Refused
from peerpath.core.http import Back, Page, View, is_htmx, refusals, wants_json
from peerpath.rooms import policies
from peerpath.rooms.forms import AlertNoteForm, ResolveReportForm
from peerpath.rooms.models import Room, RoomMessage
from peerpath.rooms.policies import Viewer
from peerpath.rooms.selectors.catalogue import room_for
from peerpath.rooms.selectors.common import viewer as load_viewer
from peerpath.rooms.selectors.moderation import moderated_sanctions, moderation_queue
from peerpath.safety import services as safety_services
from peerpath.safety import web as safety_web
from peerpath.safety.models import Outcome
from peerpath.safety.services import Screening

NO_SUCH_ROOM = "No such room."
NO_SUCH_MESSAGE = "No such message."
NO_SUCH_PERSON = "No such person."
NO_SUCH_REPORT = "No such report."
NO_SUCH_ALERT = "No such alert."
SANCTIONS_SHOWN = 50


def back_to(request: HttpRequest, fallback: str) -> str:
    """Where a plain form post returns: a safe local ``next`` field, else ``fallback``."""
    target = request.POST.get("next", "")
    if (
        target.startswith("/")
        and len(target) <= 500
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback


def done(
    request: HttpRequest,
    message: str,
    *,
    back: str,
    data: dict[str, Any] | None = None,
    screening: Screening | None = None,
) -> HttpResponse:
    """Success, in the caller's form; ``screening``: help for the writer of screened text
    (JSON: a "crisis" key like the socket's ack; htmx: the help panel; a redirect: the next
    page shows it)."""
    found = screening.as_payload() if screening is not None else None
    if wants_json(request):
        extra = {"crisis": found} if found else {}
        return JsonResponse({"ok": True, "message": message, **(data or {}), **extra})
    if is_htmx(request):
        context = {"ok": True, "message": message}
        if found:
            context["help_resources"] = found["resources"]
        return TemplateResponse(request, "rooms/_outcome.html", context)
    if screening is not None:
        safety_web.show_help(request, screening)
    messages.success(request, message)
    return redirect(back)


def form_errors(form: Form) -> tuple[str, dict[str, list[str]]]:
    fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
    text = " ".join(e for errors in fields.values() for e in errors)
    return text or "Please check what you entered.", fields


def invalid(form: Form) -> Invalid:
    text, fields = form_errors(form)
    return Invalid(text, fields=fields)


def answer_refusals(*, back: Back, page: Page | None = None) -> Callable[[View], View]:
    """Refusals answered by ``core.http`` in the caller's form (JSON, the htmx outcome
    partial, or a page: ``page``, else the refusal page going ``back``): see the module's
    docstring."""
    return refusals(back=back, partial="rooms/_outcome.html", json=True, page=page)


def to_room(request: HttpRequest, slug: str, **_: object) -> str:
    return back_to(request, reverse("rooms:room", args=[slug]))


def to_list(request: HttpRequest, **_: object) -> str:
    return back_to(request, reverse("rooms:list"))


def to_moderation(request: HttpRequest, **_: object) -> str:
    return back_to(request, reverse("rooms:moderation"))


def to_message_room(request: HttpRequest, message_id: int) -> str:
    """The room of the message (the room list when it is gone)."""
    slug = RoomMessage.objects.filter(pk=message_id).values_list("room__slug", flat=True).first()
    return back_to(request, reverse("rooms:room", args=[slug]) if slug else reverse("rooms:list"))


def viewer_of(request: HttpRequest, now: dt.datetime | None = None) -> tuple[User, Viewer]:
    user = _user(request)
    return user, load_viewer(user, now=now)


def acting_in(
    request: HttpRequest,
    slug: str,
    may: Callable[[Viewer, Room], Decision],
    now: dt.datetime | None = None,
) -> tuple[User, Room]:
    """The person and the room, when ``may`` lets them act there (else 403 with its reason)."""
    user, v = viewer_of(request, now)
    room = room_or_404(v, slug)
    Refused.unless(may(v, room), status=403)
    return user, room


def valid(form: Form) -> Form:
    if not form.is_valid():
        raise invalid(form)
    return form


def room_or_404(v: Viewer, slug: str) -> Room:
    room = room_for(v, slug)
    if room is None:
        raise NotFound(NO_SUCH_ROOM)
    return room


def message_or_404(v: Viewer, message_id: int) -> RoomMessage:
    m = RoomMessage.objects.select_related("room__community").filter(pk=message_id).first()
    if m is None or not policies.can_see_room(v, m.room):
        raise NotFound(NO_SUCH_MESSAGE)
    return m


def room_url(room: Room) -> str:
    return reverse("rooms:room", args=[room.slug])


def queue_page(
    request: HttpRequest,
    v: Viewer,
    *,
    error: str = "",
    status: int = 200,
    failed: tuple[str, int, Form] | None = None,
) -> HttpResponse:
    now = timezone.now()
    queue = moderation_queue(v)
    user = _user(request)
    # The excerpts shown are audited (who read which alert, when).
    safety_services.record_reads(actor=user, alerts=[item.alert for item in queue.alerts], now=now)
    context = {
        "queue": queue,
        "sanctions": moderated_sanctions(v, now, limit=SANCTIONS_SHOWN),
        "error": error,
        # (kind, object id, form) of a form that failed, to show its errors in place
        "failed": failed,
        "resolve_form": ResolveReportForm(),
        "alert_form": AlertNoteForm(),
        "outcomes": Outcome.choices,
    }
    return TemplateResponse(request, "rooms/moderation.html", context, status=status)


def queue_refused(request: HttpRequest, exc: Refused, **_: object) -> HttpResponse:
    """A refused queue action, to a plain post: the queue again, with the reason."""
    v = viewer_of(request)[1]
    return queue_page(request, v, error=exc.message, status=exc.status)


def in_place(request: HttpRequest) -> bool:
    """The caller shows the answer in place (the page's script, or htmx)."""
    return wants_json(request) or is_htmx(request)
