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
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.middleware import HtmxDetails

from peerpath.accounts import policies as account_policies
from peerpath.accounts.http import signed_in_user as _user
from peerpath.accounts.models import User
from peerpath.core.decisions import Decision
from peerpath.core.errors import Invalid, NotFound, Refused
from peerpath.core.http import Back, Page, View, is_htmx, refusals, wants_json
from peerpath.rooms import locks, policies, selectors, services
from peerpath.rooms.forms import (
    BAN_SCOPE_CHOICES,
    MODERATION_FORMS,
    SLOW_MODE_CHOICES,
    AlertNoteForm,
    OptionalReasonForm,
    PauseForm,
    ReportForm,
    ResolveReportForm,
    RoomFilterForm,
    SessionForm,
    SlowModeForm,
)
from peerpath.rooms.models import (
    MESSAGE_MAX_CHARS,
    Report,
    Room,
    RoomCategory,
    RoomMessage,
    RoomSession,
)
from peerpath.rooms.policies import Lock, Standing, Viewer
from peerpath.safety import services as safety_services
from peerpath.safety import web as safety_web
from peerpath.safety.models import Outcome, SafetyAlert
from peerpath.safety.services import Screening

NO_SUCH_ROOM = "No such room."
NO_SUCH_MESSAGE = "No such message."
NO_SUCH_PERSON = "No such person."
NO_SUCH_REPORT = "No such report."
NO_SUCH_ALERT = "No such alert."
ROOMS_PER_PAGE = 24
SANCTIONS_SHOWN = 50


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _back(request: HttpRequest, fallback: str) -> str:
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


def _done(
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


def _form_errors(form: Form) -> tuple[str, dict[str, list[str]]]:
    fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
    text = " ".join(e for errors in fields.values() for e in errors)
    return text or "Please check what you entered.", fields


def _invalid(form: Form) -> Invalid:
    text, fields = _form_errors(form)
    return Invalid(text, fields=fields)


def _refusals(*, back: Back, page: Page | None = None) -> Callable[[View], View]:
    """Refusals answered by ``core.http`` in the caller's form (JSON, the htmx outcome
    partial, or a page: ``page``, else the refusal page going ``back``): see the module's
    docstring."""
    return refusals(back=back, partial="rooms/_outcome.html", json=True, page=page)


def _to_room(request: HttpRequest, slug: str, **_: object) -> str:
    return _back(request, reverse("rooms:room", args=[slug]))


def _to_list(request: HttpRequest, **_: object) -> str:
    return _back(request, reverse("rooms:list"))


def _to_moderation(request: HttpRequest, **_: object) -> str:
    return _back(request, reverse("rooms:moderation"))


def _to_message_room(request: HttpRequest, message_id: int) -> str:
    """The room of the message (the room list when it is gone)."""
    slug = RoomMessage.objects.filter(pk=message_id).values_list("room__slug", flat=True).first()
    return _back(request, reverse("rooms:room", args=[slug]) if slug else reverse("rooms:list"))


# --- Lookups: the object, if this person may see it at all ------------------------------------


def _viewer(request: HttpRequest, now: dt.datetime | None = None) -> tuple[User, Viewer]:
    user = _user(request)
    return user, selectors.viewer(user, now=now)


def _acting_in(
    request: HttpRequest,
    slug: str,
    may: Callable[[Viewer, Room], Decision],
    now: dt.datetime | None = None,
) -> tuple[User, Room]:
    """The person and the room, when ``may`` lets them act there (else 403 with its reason)."""
    user, v = _viewer(request, now)
    room = _room(v, slug)
    Refused.unless(may(v, room), status=403)
    return user, room


def _valid(form: Form) -> Form:
    if not form.is_valid():
        raise _invalid(form)
    return form


def _room(v: Viewer, slug: str) -> Room:
    room = selectors.room_for(v, slug)
    if room is None:
        raise NotFound(NO_SUCH_ROOM)
    return room


def _message(v: Viewer, message_id: int) -> RoomMessage:
    m = RoomMessage.objects.select_related("room__community").filter(pk=message_id).first()
    if m is None or not policies.can_see_room(v, m.room):
        raise NotFound(NO_SUCH_MESSAGE)
    return m


def _report(v: Viewer, report_id: int) -> Report:
    """An open or handled report, for a moderator of its room only."""
    report = Report.objects.select_related("message__room").filter(pk=report_id).first()
    if report is None or not policies.is_moderator(v, report.message.room):
        raise NotFound(NO_SUCH_REPORT)
    return report


def _alert(v: Viewer, alert_id: int) -> SafetyAlert:
    """A safeguarding alert about text in a room this person moderates (and may act on:
    staff, or one of its responders); anything else looks missing."""
    alert = selectors.room_alerts(v).filter(pk=alert_id).first()
    if alert is None:
        raise NotFound(NO_SUCH_ALERT)
    return alert


def _person_in_band(room: Room, user_id: int, now: dt.datetime) -> User:
    """Someone a sanction in ``room`` may name: an active account of the room's band."""
    target: User | None = User.objects.filter(pk=user_id, is_active=True).first()
    if target is None or target.age_band_at(now).value != room.band:
        raise NotFound(NO_SUCH_PERSON)
    return target


def _room_url(room: Room) -> str:
    return reverse("rooms:room", args=[room.slug])


# --- The room list -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardView:
    """A room card with why the viewer cannot enter (bans and kicks included)."""

    card: selectors.RoomCard
    reason: str  # "" when they can enter
    locked: bool  # the reason is the badge lock: show what unlocks it

    @property
    def can_enter(self) -> bool:
        return not self.reason


@dataclass(frozen=True, slots=True)
class CategoryGroup:
    value: str
    label: str
    cards: list[CardView]


def _card_view(v: Viewer, card: selectors.RoomCard) -> CardView:
    standing = card.standing
    locked = (
        bool(card.entry_reason)
        and not card.lock.open
        and not standing.banned
        and standing.kicked_until is None
        and bool(policies.audience_allows(v, card.room))
        and not v.suspended
    )
    return CardView(card=card, reason=card.entry_reason, locked=locked)


def _grouped(cards: list[CardView]) -> list[CategoryGroup]:
    by_category: dict[str, list[CardView]] = {}
    for c in cards:
        by_category.setdefault(c.card.room.category, []).append(c)
    return [
        CategoryGroup(value, str(label), by_category[value])
        for value, label in RoomCategory.choices
        if value in by_category
    ]


def _list_url(form: RoomFilterForm, page: int) -> str:
    """The list's address with the same filters, at ``page``."""
    params = {
        name: form.data[name]
        for name in form.fields
        if name != "page" and form.is_bound and form.data.get(name)
    }
    if page > 1:
        params["page"] = str(page)
    query = urlencode(params)
    return reverse("rooms:list") + (f"?{query}" if query else "")


@login_required
@require_safe
def room_list(request: HtmxHttpRequest) -> HttpResponse:
    """The rooms of the viewer's age band, grouped by kind, each with why it is closed,
    ``ROOMS_PER_PAGE`` at a time: "Show more rooms" adds the next page in place (htmx), or
    opens it (no JavaScript). Searching and the filters reach every room."""
    now = timezone.now()
    user, v = _viewer(request, now)
    form = RoomFilterForm(request.GET or None)
    status = 200
    groups: list[CategoryGroup] = []
    shown = page = 0
    room_page: selectors.RoomPage | None = None
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data: dict[str, Any] = form.cleaned_data if form.is_bound else {}
        filters = selectors.RoomFilters(
            q=(data.get("q") or "").strip(),
            category=data.get("category") or "",
            audience=data.get("audience") or "",
            open_only=bool(data.get("open")),
        )
        page = data.get("page") or 1
        room_page = selectors.room_cards(
            user, v, filters, now=now, offset=(page - 1) * ROOMS_PER_PAGE, limit=ROOMS_PER_PAGE
        )
        groups = _grouped([_card_view(v, c) for c in room_page.cards])
        shown = room_page.total
    filtered = form.is_bound and any(request.GET.get(k) for k in form.fields if k != "page")
    context: dict[str, Any] = {
        "form": form,
        "groups": groups,
        "shown": shown,
        "filtered": filtered,
        "page": room_page,
        "first_url": _list_url(form, 1) if page > 1 else "",
        "more_url": _list_url(form, page + 1) if room_page and room_page.has_more else "",
        "can_moderate": policies.can_moderate_anywhere(v),
        "band": v.band,
    }
    if request.htmx and page > 1:
        # "Show more rooms": the next cards only, the first ones into their group if it is
        # already on the page (htmx out-of-band), and the next "Show more rooms".
        template = "rooms/_room_page.html"
    elif request.htmx:
        template = "rooms/_room_list.html"
    else:
        template = "rooms/list.html"
    return TemplateResponse(request, template, context, status=status)


# --- One room ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionRow:
    session: RoomSession
    can_run: bool


def _enter(user: User, v: Viewer, room: Room, now: dt.datetime) -> tuple[Lock, Standing, Decision]:
    lock = locks.locks_for(user, [room], now=now)[room.pk]
    standing = selectors.standing(user.pk, room, now=now)
    return lock, standing, policies.can_enter(v, room, lock, standing, now)


@login_required
@require_safe
def room_detail(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    user, v = _viewer(request, now)
    room = selectors.room_for(v, slug)
    if room is None:
        raise NotFound(NO_SUCH_ROOM)
    lock, standing, entry = _enter(user, v, room, now)
    if not entry:
        locked = (
            not lock.open
            and not standing.banned
            and not (standing.kicked_until and standing.kicked_until > now)
            and bool(policies.audience_allows(v, room))
        )
        denied = {"room": room, "reason": entry.reason, "lock": lock, "locked": locked}
        return TemplateResponse(request, "rooms/forbidden.html", denied, status=403)
    posting = policies.can_post(v, room, lock, standing, now)
    hidden = standing.blocked_ids
    page = selectors.HISTORY_PAGE
    history = selectors.messages_before(room.pk, None, page + 1, hidden)
    more = len(history) > page
    history = history[-page:]
    is_moderator = policies.is_moderator(v, room)
    sessions = [
        SessionRow(s, bool(policies.can_run_session(v, room, s.host_id)))
        for s in selectors.sessions_for_room(room, now=now)
    ]
    live = next((row.session for row in sessions if row.session.running), None)
    context: dict[str, Any] = {
        "room": room,
        "history": history,
        "more_history": more,
        "first_id": history[0].pk if history else 0,
        "last_id": history[-1].pk if history else 0,
        "present": selectors.present_people(room.pk, hidden),
        "sessions": sessions,
        "to_rate": selectors.sessions_to_rate(user.pk, room, now=now),
        "live_session": live,
        "can_post": bool(posting),
        "why_not": posting.reason,
        "is_moderator": is_moderator,
        "may_warn": bool(policies.can_warn(v, room)),
        "can_slow_mode": bool(policies.can_set_slow_mode(v, room)),
        "can_schedule": bool(policies.can_schedule(v, room)),
        "can_moderate_anywhere": policies.can_moderate_anywhere(v),
        "is_staff": v.is_staff,
        "message_max": MESSAGE_MAX_CHARS,
        "report_form": ReportForm(auto_id="report_%s"),
        "slow_mode_choices": SLOW_MODE_CHOICES,
        "ban_scopes": BAN_SCOPE_CHOICES,
        "pause_form": PauseForm(auto_id="pause_%s"),
    }
    return TemplateResponse(request, "rooms/room.html", context)


# --- Moderating people and messages ------------------------------------------------------------

ACTION_DONE = {
    "warn": "{name} has been warned.",
    "mute": "{name} is muted until {until}.",
    "kick": "{name} has been removed from the room.",
    "ban": "{name} is banned until {until}.",
}


@login_required
@require_POST
@_refusals(back=_to_room)
def moderate(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    """Warn, mute, kick or ban the person named by ``target`` in this room."""
    form_class = MODERATION_FORMS.get(action)
    if form_class is None:
        raise NotFound("No such action.")
    now = timezone.now()
    may = policies.can_warn if action == "warn" else policies.can_manage_room
    user, room = _acting_in(request, slug, may, now)
    data = _valid(form_class(request.POST)).cleaned_data
    target = _person_in_band(room, data["target"], now)
    common: dict[str, Any] = {
        "actor": user,
        "room_id": room.pk,
        "target_id": target.pk,
        "reason": data["reason"],
        "now": now,
    }
    if action == "warn":
        sanction = services.warn(**common)
    elif action == "mute":
        sanction = services.mute(**common, minutes=data.get("minutes"))
    elif action == "kick":
        sanction = services.kick(**common)
    else:
        sanction = services.ban(**common, scope=data["scope"], days=data.get("days"))
    until = (
        timezone.localtime(sanction.expires_at).strftime("%d %b %H:%M")
        if sanction.expires_at
        else "it is lifted"
    )
    message = ACTION_DONE[action].format(name=target.username, until=until)
    data = {"sanction": sanction.pk, "target": target.pk}
    return _done(request, message, back=_to_room(request, slug), data=data)


@login_required
@require_POST
@_refusals(back=_to_message_room)
def delete_message(request: HttpRequest, message_id: int) -> HttpResponse:
    user, v = _viewer(request)
    m = _message(v, message_id)
    back = _back(request, _room_url(m.room))
    Refused.unless(policies.can_manage_room(v, m.room), status=403)
    form = OptionalReasonForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    services.delete_message(actor=user, message_id=m.pk, reason=form.cleaned_data["reason"])
    return _done(request, "The message was removed for everyone.", back=back, data={"id": m.pk})


@login_required
@require_POST
@_refusals(back=_to_message_room)
def report_message(request: HttpRequest, message_id: int) -> HttpResponse:
    user, v = _viewer(request)
    m = _message(v, message_id)
    back = _back(request, _room_url(m.room))
    Refused.unless(policies.can_report(v, m.room, m.sender_id), status=403)
    form = ReportForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    reported = services.report_message(
        reporter=user,
        message_id=m.pk,
        reason=form.cleaned_data["reason"],
        note=form.cleaned_data["note"],
        key=form.cleaned_data["key"],
    )
    return _done(
        request,
        "Thank you for telling us. A moderator will look at it soon.",
        back=back,
        data={"report": reported.report.pk},
        screening=reported.screening,
    )


@login_required
@require_POST
@_refusals(back=_to_list)
def block_person(request: HttpRequest, user_id: int) -> HttpResponse:
    """Block someone: they disappear from each other's rooms (and private spaces)."""
    user = _user(request)
    target: User | None = User.objects.filter(pk=user_id, is_active=True).first()
    if target is None or not account_policies.can_view_profile(user, target):
        raise NotFound(NO_SUCH_PERSON)
    services.block(blocker=user, blocked_id=target.pk)
    return _done(
        request,
        f"You blocked {target.username}. You won't see each other's messages in rooms.",
        back=_to_list(request),
        data={"blocked": target.pk},
    )


@login_required
@require_POST
@_refusals(back=_to_moderation)
def lift_sanction(request: HttpRequest, sanction_id: int) -> HttpResponse:
    user = _user(request)
    form = OptionalReasonForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    s = services.lift(actor=user, sanction_id=sanction_id, reason=form.cleaned_data["reason"])
    message = f"The {s.get_kind_display().lower()} was lifted."
    return _done(request, message, back=_to_moderation(request))


# --- Room controls -------------------------------------------------------------------------------


@login_required
@require_POST
@_refusals(back=_to_room)
def slow_mode(request: HttpRequest, slug: str) -> HttpResponse:
    user, room = _acting_in(request, slug, policies.can_set_slow_mode)
    seconds: int = _valid(SlowModeForm(request.POST)).cleaned_data["seconds"]
    services.set_slow_mode(actor=user, room_id=room.pk, seconds=seconds)
    message = (
        f"Slow mode is on: one message every {seconds} seconds." if seconds else "Slow mode is off."
    )
    return _done(request, message, back=_to_room(request, slug), data={"slow_mode": seconds})


@login_required
@require_POST
@_refusals(back=_to_room)
def pause_room(request: HttpRequest, slug: str) -> HttpResponse:
    user, room = _acting_in(request, slug, policies.can_manage_room)
    reason = _valid(PauseForm(request.POST)).cleaned_data["reason"]
    services.lock_room(actor=user, room_id=room.pk, reason=reason)
    return _done(
        request,
        "The room is paused: everyone can read, only moderators can write.",
        back=_to_room(request, slug),
        data={"paused": True},
    )


@login_required
@require_POST
@_refusals(back=_to_room)
def unpause_room(request: HttpRequest, slug: str) -> HttpResponse:
    user, room = _acting_in(request, slug, policies.can_manage_room)
    services.unlock_room(actor=user, room_id=room.pk)
    back = _to_room(request, slug)
    return _done(request, "The room is open again.", back=back, data={"paused": False})


# --- The moderation queue ------------------------------------------------------------------------


def _queue_page(
    request: HttpRequest,
    v: Viewer,
    *,
    error: str = "",
    status: int = 200,
    failed: tuple[str, int, Form] | None = None,
) -> HttpResponse:
    now = timezone.now()
    queue = selectors.moderation_queue(v)
    user = _user(request)
    # The excerpts shown are audited (who read which alert, when).
    safety_services.record_reads(actor=user, alerts=[item.alert for item in queue.alerts], now=now)
    context = {
        "queue": queue,
        "sanctions": selectors.moderated_sanctions(v, now, limit=SANCTIONS_SHOWN),
        "error": error,
        # (kind, object id, form) of a form that failed, to show its errors in place
        "failed": failed,
        "resolve_form": ResolveReportForm(),
        "alert_form": AlertNoteForm(),
        "outcomes": Outcome.choices,
    }
    return TemplateResponse(request, "rooms/moderation.html", context, status=status)


def _moderator(request: HttpRequest) -> tuple[User, Viewer]:
    user, v = _viewer(request)
    if not policies.can_moderate_anywhere(v):
        raise NotFound("No such page.")
    return user, v


@login_required
@require_safe
def moderation_queue(request: HttpRequest) -> HttpResponse:
    _, v = _moderator(request)
    return _queue_page(request, v)


def _queue_refused(request: HttpRequest, exc: Refused, **_: object) -> HttpResponse:
    """A refused queue action, to a plain post: the queue again, with the reason."""
    v = _viewer(request)[1]
    return _queue_page(request, v, error=exc.message, status=exc.status)


def _in_place(request: HttpRequest) -> bool:
    """The caller shows the answer in place (the page's script, or htmx)."""
    return wants_json(request) or is_htmx(request)


@login_required
@require_POST
@_refusals(back="rooms:moderation", page=_queue_refused)
def resolve_report(request: HttpRequest, report_id: int) -> HttpResponse:
    user, v = _viewer(request)
    report = _report(v, report_id)
    form = ResolveReportForm(request.POST, auto_id=f"report-{report.pk}_%s")
    if not form.is_valid():
        if _in_place(request):
            raise _invalid(form)
        return _queue_page(request, v, status=400, failed=("report", report.pk, form))
    services.resolve_report(
        actor=user,
        report_id=report.pk,
        status=form.cleaned_data["status"],
        outcome=form.cleaned_data["outcome"],
    )
    return _done(request, "The report is resolved. Thank you.", back=reverse("rooms:moderation"))


@login_required
@require_POST
@_refusals(back="rooms:moderation", page=_queue_refused)
def handle_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Follow up a safeguarding alert from a room one moderates: ``action=acknowledge``
    ("I'm on it": stops the escalation clock), else resolve it with an outcome and a note."""
    back = reverse("rooms:moderation")
    user, v = _viewer(request)
    alert = _alert(v, alert_id)
    acknowledging = request.POST.get("action") == "acknowledge"
    form = AlertNoteForm(request.POST, auto_id=f"alert-{alert.pk}_%s")
    if not acknowledging and not form.is_valid():
        if _in_place(request):
            raise _invalid(form)
        return _queue_page(request, v, status=400, failed=("alert", alert.pk, form))
    if acknowledging:
        services.acknowledge_alert(actor=user, alert_id=alert.pk)
        return _done(request, "Thank you: the others know you are on it.", back=back + "#alerts")
    services.handle_alert(
        actor=user,
        alert_id=alert.pk,
        outcome=form.cleaned_data["outcome"],
        note=form.cleaned_data["note"],
    )
    return _done(request, "Thank you for following up.", back=back)


# --- Sessions ----------------------------------------------------------------------------------


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
    user, v = _viewer(request, now)
    room = selectors.room_for(v, slug)
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
                scheduled = services.schedule_session(
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
                return redirect(_room_url(room) + "#sessions")
    else:
        form = SessionForm(now=now, auto_id="session_%s")
    context = {"room": room, "form": form, "error": error, "timezone": user.timezone}
    return TemplateResponse(request, "rooms/session_form.html", context, status=status)


def _session_action(request: HttpRequest, session_id: int, action: str) -> HttpResponse:
    """Start, end or cancel a session; its views answer refusals (back to the room list)."""
    user = _user(request)
    if action == "start":
        s = services.start_session(actor=user, session_id=session_id)
        message = f"“{s.title}” has started. Welcome everyone in!"
    elif action == "end":
        s = services.end_session(actor=user, session_id=session_id)
        message = f"“{s.title}” has ended. Thank you for hosting."
    else:
        s = services.cancel_session(actor=user, session_id=session_id)
        message = f"“{s.title}” is cancelled."
    back = _back(request, reverse("rooms:room", args=[s.room.slug]) + "#sessions")
    return _done(request, message, back=back, data={"session": s.pk})


@login_required
@require_POST
@_refusals(back=_to_list)
def start_session(request: HttpRequest, session_id: int) -> HttpResponse:
    return _session_action(request, session_id, "start")


@login_required
@require_POST
@_refusals(back=_to_list)
def end_session(request: HttpRequest, session_id: int) -> HttpResponse:
    return _session_action(request, session_id, "end")


@login_required
@require_POST
@_refusals(back=_to_list)
def cancel_session(request: HttpRequest, session_id: int) -> HttpResponse:
    return _session_action(request, session_id, "cancel")


# --- Hosting time ------------------------------------------------------------------------------


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
    user, v = _viewer(request, now)
    if v.is_staff or policies.can_moderate_anywhere(v):
        rows = selectors.hosting_by_month(now=now)
        if not v.is_staff:
            rows = [r for r in rows if r.host.age_band_at(now).value == v.band]
        everyone = True
    elif _hosts_anything(user, v):
        rows = selectors.hosting_by_month(host_ids=[user.pk], now=now)
        everyone = False
    else:
        raise NotFound("No such page.")
    context = {"rows": rows, "everyone": everyone}
    return TemplateResponse(request, "rooms/hosting.html", context)
