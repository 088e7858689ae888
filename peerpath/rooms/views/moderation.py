"""Moderators' endpoints: sanctions (warn, mute, kick, ban) and lifting them, deleting a
message, slow mode, pausing a room, the moderation queue and following up its
safeguarding alerts. POST-only; answers as ``views.common`` describes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from peerpath.accounts.http import signed_in_user as _user
from peerpath.accounts.models import User
from peerpath.core.errors import NotFound, Refused
from peerpath.rooms import policies
from peerpath.rooms.forms import (
    MODERATION_FORMS,
    AlertNoteForm,
    OptionalReasonForm,
    PauseForm,
    SlowModeForm,
)
from peerpath.rooms.models import Room
from peerpath.rooms.policies import Viewer
from peerpath.rooms.selectors.moderation import room_alerts
from peerpath.rooms.services import moderation
from peerpath.rooms.views.common import (
    NO_SUCH_ALERT,
    NO_SUCH_PERSON,
    acting_in,
    answer_refusals,
    back_to,
    done,
    in_place,
    invalid,
    message_or_404,
    queue_page,
    queue_refused,
    room_url,
    to_message_room,
    to_moderation,
    to_room,
    valid,
    viewer_of,
)
from peerpath.safety.models import SafetyAlert

ACTION_DONE = {
    "warn": "{name} has been warned.",
    "mute": "{name} is muted until {until}.",
    "kick": "{name} has been removed from the room.",
    "ban": "{name} is banned until {until}.",
}


def _person_in_band(room: Room, user_id: int, now: dt.datetime) -> User:
    """Someone a sanction in ``room`` may name: an active account of the room's band."""
    target: User | None = User.objects.filter(pk=user_id, is_active=True).first()
    if target is None or target.age_band_at(now).value != room.band:
        raise NotFound(NO_SUCH_PERSON)
    return target


@login_required
@require_POST
@answer_refusals(back=to_room)
def moderate(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    """Warn, mute, kick or ban the person named by ``target`` in this room."""
    form_class = MODERATION_FORMS.get(action)
    if form_class is None:
        raise NotFound("No such action.")
    now = timezone.now()
    may = policies.can_warn if action == "warn" else policies.can_manage_room
    user, room = acting_in(request, slug, may, now)
    data = valid(form_class(request.POST)).cleaned_data
    target = _person_in_band(room, data["target"], now)
    common: dict[str, Any] = {
        "actor": user,
        "room_id": room.pk,
        "target_id": target.pk,
        "reason": data["reason"],
        "now": now,
    }
    if action == "warn":
        sanction = moderation.warn(**common)
    elif action == "mute":
        sanction = moderation.mute(**common, minutes=data.get("minutes"))
    elif action == "kick":
        sanction = moderation.kick(**common)
    else:
        sanction = moderation.ban(**common, scope=data["scope"], days=data.get("days"))
    until = (
        timezone.localtime(sanction.expires_at).strftime("%d %b %H:%M")
        if sanction.expires_at
        else "it is lifted"
    )
    message = ACTION_DONE[action].format(name=target.username, until=until)
    data = {"sanction": sanction.pk, "target": target.pk}
    return done(request, message, back=to_room(request, slug), data=data)


@login_required
@require_POST
@answer_refusals(back=to_message_room)
def delete_message(request: HttpRequest, message_id: int) -> HttpResponse:
    user, v = viewer_of(request)
    m = message_or_404(v, message_id)
    back = back_to(request, room_url(m.room))
    Refused.unless(policies.can_manage_room(v, m.room), status=403)
    form = OptionalReasonForm(request.POST)
    if not form.is_valid():
        raise invalid(form)
    moderation.delete_message(actor=user, message_id=m.pk, reason=form.cleaned_data["reason"])
    return done(request, "The message was removed for everyone.", back=back, data={"id": m.pk})


@login_required
@require_POST
@answer_refusals(back=to_moderation)
def lift_sanction(request: HttpRequest, sanction_id: int) -> HttpResponse:
    user = _user(request)
    form = OptionalReasonForm(request.POST)
    if not form.is_valid():
        raise invalid(form)
    s = moderation.lift(actor=user, sanction_id=sanction_id, reason=form.cleaned_data["reason"])
    message = f"The {s.get_kind_display().lower()} was lifted."
    return done(request, message, back=to_moderation(request))


@login_required
@require_POST
@answer_refusals(back=to_room)
def slow_mode(request: HttpRequest, slug: str) -> HttpResponse:
    user, room = acting_in(request, slug, policies.can_set_slow_mode)
    seconds: int = valid(SlowModeForm(request.POST)).cleaned_data["seconds"]
    moderation.set_slow_mode(actor=user, room_id=room.pk, seconds=seconds)
    message = (
        f"Slow mode is on: one message every {seconds} seconds." if seconds else "Slow mode is off."
    )
    return done(request, message, back=to_room(request, slug), data={"slow_mode": seconds})


@login_required
@require_POST
@answer_refusals(back=to_room)
def pause_room(request: HttpRequest, slug: str) -> HttpResponse:
    user, room = acting_in(request, slug, policies.can_manage_room)
    reason = valid(PauseForm(request.POST)).cleaned_data["reason"]
    moderation.lock_room(actor=user, room_id=room.pk, reason=reason)
    return done(
        request,
        "The room is paused: everyone can read, only moderators can write.",
        back=to_room(request, slug),
        data={"paused": True},
    )


@login_required
@require_POST
@answer_refusals(back=to_room)
def unpause_room(request: HttpRequest, slug: str) -> HttpResponse:
    user, room = acting_in(request, slug, policies.can_manage_room)
    moderation.unlock_room(actor=user, room_id=room.pk)
    back = to_room(request, slug)
    return done(request, "The room is open again.", back=back, data={"paused": False})


def _moderator(request: HttpRequest) -> tuple[User, Viewer]:
    user, v = viewer_of(request)
    if not policies.can_moderate_anywhere(v):
        raise NotFound("No such page.")
    return user, v


@login_required
@require_safe
def moderation_queue(request: HttpRequest) -> HttpResponse:
    _, v = _moderator(request)
    return queue_page(request, v)


def _alert(v: Viewer, alert_id: int) -> SafetyAlert:
    """A safeguarding alert about text in a room this person moderates (and may act on:
    staff, or one of its responders); anything else looks missing."""
    alert = room_alerts(v).filter(pk=alert_id).first()
    if alert is None:
        raise NotFound(NO_SUCH_ALERT)
    return alert


@login_required
@require_POST
@answer_refusals(back="rooms:moderation", page=queue_refused)
def handle_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Follow up a safeguarding alert from a room one moderates: ``action=acknowledge``
    ("I'm on it": stops the escalation clock), else resolve it with an outcome and a note."""
    back = reverse("rooms:moderation")
    user, v = viewer_of(request)
    alert = _alert(v, alert_id)
    acknowledging = request.POST.get("action") == "acknowledge"
    form = AlertNoteForm(request.POST, auto_id=f"alert-{alert.pk}_%s")
    if not acknowledging and not form.is_valid():
        if in_place(request):
            raise invalid(form)
        return queue_page(request, v, status=400, failed=("alert", alert.pk, form))
    if acknowledging:
        moderation.acknowledge_alert(actor=user, alert_id=alert.pk)
        return done(request, "Thank you: the others know you are on it.", back=back + "#alerts")
    moderation.handle_alert(
        actor=user,
        alert_id=alert.pk,
        outcome=form.cleaned_data["outcome"],
        note=form.cleaned_data["note"],
    )
    return done(request, "Thank you for following up.", back=back)
