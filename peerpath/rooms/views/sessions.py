"""Sessions: scheduling in the viewer's time zone, starting, ending and cancelling, and
hosting time per host per month against the quota."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from peerpath.accounts import policies as account_policies
from peerpath.accounts.http import signed_in_user as _user
from peerpath.accounts.models import User
from peerpath.core.errors import NotFound, Refused
from peerpath.rooms import policies
from peerpath.rooms.forms import SessionForm
from peerpath.rooms.models import Room, RoomSession
from peerpath.rooms.policies import Viewer
from peerpath.rooms.selectors.catalogue import room_for
from peerpath.rooms.selectors.sessions import hosting_by_month
from peerpath.rooms.services import sessions
from peerpath.rooms.views.common import (
    NO_SUCH_PERSON,
    NO_SUCH_ROOM,
    answer_refusals,
    back_to,
    done,
    room_url,
    to_list,
    viewer_of,
)
from peerpath.safety import web as safety_web


def _host_id(form: SessionForm, user: User, room: Room) -> int | None:
    """The host named on the form (a username of the room's band), or None for oneself."""
    name: str = form.cleaned_data.get("host") or ""
    if not name:
        return None
    host: User | None = User.objects.by_pseudonym(name).first()
    if host is None or not account_policies.can_view_profile(user, host):
        form.add_error("host", "There is no one with that username.")
        return None
    return host.pk


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def schedule_session(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    user, v = viewer_of(request, now)
    room = room_for(v, slug)
    if room is None:
        raise NotFound(NO_SUCH_ROOM)
    decision = policies.can_schedule(v, room)
    if not decision:
        raise PermissionDenied(decision.reason)
    status, error = 200, ""
    if request.method == "POST":
        status = 400
        form = SessionForm(request.POST, now=now, auto_id="session_%s")
        with timezone.override(user.tzinfo):
            valid = form.is_valid()
        host_id = _host_id(form, user, room) if valid else None
        if valid and not form.errors:
            data = form.cleaned_data
            try:
                scheduled = sessions.schedule_session(
                    actor=user,
                    room_id=room.pk,
                    kind=data["kind"],
                    title=data["title"],
                    description=data["description"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    host_id=host_id,
                    now=now,
                )
            except NotFound as exc:
                if exc.message != NO_SUCH_PERSON:
                    raise
                form.add_error("host", "There is no one with that username.")
            except Refused as exc:
                error, status = exc.message, exc.status
            else:
                session = scheduled.session
                safety_web.show_help(request, scheduled.screening)
                when = timezone.localtime(session.starts_at, user.tzinfo)
                messages.success(
                    request,
                    f"“{session.title}” is scheduled for {when:%d %b %Y at %H:%M}.",
                )
                return redirect(room_url(room) + "#sessions")
    else:
        form = SessionForm(now=now, auto_id="session_%s")
    context = {"room": room, "form": form, "error": error, "timezone": user.timezone}
    return TemplateResponse(request, "rooms/session_form.html", context, status=status)


def _session_action(request: HttpRequest, session_id: int, action: str) -> HttpResponse:
    """Start, end or cancel a session; its views answer refusals (back to the room list)."""
    user = _user(request)
    if action == "start":
        s = sessions.start_session(actor=user, session_id=session_id)
        message = f"“{s.title}” has started. Welcome everyone in!"
    elif action == "end":
        s = sessions.end_session(actor=user, session_id=session_id)
        message = f"“{s.title}” has ended. Thank you for hosting."
    else:
        s = sessions.cancel_session(actor=user, session_id=session_id)
        message = f"“{s.title}” is cancelled."
    back = back_to(request, reverse("rooms:room", args=[s.room.slug]) + "#sessions")
    return done(request, message, back=back, data={"session": s.pk})


@login_required
@require_POST
@answer_refusals(back=to_list)
def start_session(request: HttpRequest, session_id: int) -> HttpResponse:
    return _session_action(request, session_id, "start")


@login_required
@require_POST
@answer_refusals(back=to_list)
def end_session(request: HttpRequest, session_id: int) -> HttpResponse:
    return _session_action(request, session_id, "end")


@login_required
@require_POST
@answer_refusals(back=to_list)
def cancel_session(request: HttpRequest, session_id: int) -> HttpResponse:
    return _session_action(request, session_id, "cancel")


def _hosts_anything(user: User, v: Viewer) -> bool:
    if v.hosts_rooms or v.hosts_communities or policies.HOST_SLUG in v.held:
        return True
    return RoomSession.objects.filter(host=user).exists()


@login_required
@require_safe
def hosting(request: HttpRequest) -> HttpResponse:
    """Hosting time per host per month against the quota: staff and moderators see every
    host of their band (staff: everyone); a host sees their own rows; others get 404."""
    now = timezone.now()
    user, v = viewer_of(request, now)
    if v.is_staff or policies.can_moderate_anywhere(v):
        rows = hosting_by_month(now=now)
        if not v.is_staff:
            rows = [r for r in rows if r.host.age_band_at(now).value == v.band]
        everyone = True
    elif _hosts_anything(user, v):
        rows = hosting_by_month(host_ids=[user.pk], now=now)
        everyone = False
    else:
        raise NotFound("No such page.")
    context = {"rows": rows, "everyone": everyone}
    return TemplateResponse(request, "rooms/hosting.html", context)
