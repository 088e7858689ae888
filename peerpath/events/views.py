"""Events pages. Thin: parse input (forms), ask a policy/selector, write through a service.

An event of the other age band answers exactly like a missing one (the site's 404 page).
Actions (RSVP, cancel, volunteer, mark held, cancel the event) are POST-only and CSRF
protected; they redirect back to the event with a message, or answer a page with the
refusal and its status (409 for a seat or slot just taken, 400 for bad input). Nothing is
written when a service refuses.
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from peerpath.accounts.http import signed_in_user
from peerpath.accounts.models import User
from peerpath.accounts.policies import is_staff_member
from peerpath.core.errors import NotFound, Refused
from peerpath.core.http import is_htmx, refusals
from peerpath.core.ids import parse_db_id
from peerpath.events import ical, policies, selectors, services
from peerpath.events.forms import AttendanceForm, EventFilterForm, EventForm
from peerpath.events.models import Event, EventBand, EventStatus, RotaSettings, RSVPStatus
from peerpath.safety.web import show_help

FEED_SALT: Final = "events.feed"
CALENDAR_TYPE: Final = "text/calendar; charset=utf-8"


def feed_token(user: User) -> str:
    """The signed, login-free address of a person's calendar feed."""
    return signing.Signer(salt=FEED_SALT).sign(str(user.pk))


def _feed_user(token: str) -> User | None:
    try:
        raw = signing.Signer(salt=FEED_SALT).unsign(token)
    except signing.BadSignature:
        return None
    user_id = parse_db_id(raw)
    if user_id is None:
        return None
    user: User | None = User.objects.filter(pk=user_id, is_active=True).first()
    return user


def _to_event(request: HttpRequest, event_id: int) -> str:
    return reverse("events:detail", args=[event_id])


def _event_or_404(user: User, event_id: int) -> Event:
    event = selectors.event_for(user, event_id)
    if event is None:
        raise NotFound(policies.NOT_FOUND)
    return event


def _organiser_bands(user: User) -> list[str]:
    if is_staff_member(user):
        return list(EventBand.values)
    band = policies.band_of(user)
    return [band] if band else []


def _held(user: User) -> frozenset[str]:
    from peerpath.progression.selectors.awards import held_slugs

    return held_slugs(user)


# --- Pages ------------------------------------------------------------------------------------


@login_required
@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    now = timezone.now()
    form = EventFilterForm(request.GET or None)
    status = 200
    events: list[Event] = []
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        kind = form.cleaned_data.get("kind", "") if form.is_bound else ""
        events = list(selectors.upcoming_for(user, kind=kind, now=now))
    context: dict[str, Any] = {
        "form": form,
        "events": events,
        "mine": list(selectors.my_rsvps(user, now)),
        "to_close": list(selectors.to_mark_held(user, now)),
        "can_organise": bool(policies.can_organise(user, _held(user))),
        "is_mentor": policies.is_mentor(user) or is_staff_member(user),
        "feed_url": reverse("events:feed", args=[feed_token(user)]),
    }
    template = "events/_event_list.html" if is_htmx(request) else "events/list.html"
    return TemplateResponse(request, template, context, status=status)


@login_required
@require_safe
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    user = signed_in_user(request)
    now = timezone.now()
    event = _event_or_404(user, event_id)
    hosts = selectors.host_ids(event)
    rsvp = selectors.rsvp_of(user, event)
    can_run = policies.can_run_event(user, event, hosts)
    slots = selectors.slots_of(event)
    own_slot = next((s.mentor_id for s in slots if s.mentor_id == user.pk), None)
    attendance = None
    if can_run and event.status == EventStatus.SCHEDULED and event.starts_at <= now:
        people = [(r.user_id, r.user.username) for r in selectors.attendees(event)]
        attendance = AttendanceForm(people=people, auto_id="attended_%s")
    context = {
        "event": event,
        "hosts": list(event.hosts.order_by("username")),
        "rsvp": rsvp if rsvp and rsvp.status != RSVPStatus.CANCELLED else None,
        "position": selectors.waitlist_position(event, user),
        "places_taken": selectors.places_taken(event),
        "slots": slots,
        "can_rsvp": policies.can_rsvp(user, event, hosts, now),
        "can_volunteer": policies.can_volunteer(user, event, hosts, now),
        "can_release": bool(policies.can_release_slot(user, own_slot, event, now)),
        "can_cancel": bool(policies.can_cancel_event(user, event, now)),
        "attendance": attendance,
        "is_host": user.pk in hosts,
    }
    return TemplateResponse(request, "events/detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    now = timezone.now()
    decision = policies.can_organise(user, _held(user))
    if not decision:
        raise PermissionDenied(decision.reason)
    bands = _organiser_bands(user)
    status, error = 200, ""
    if request.method == "POST":
        status = 400
        form = EventForm(request.POST, bands=bands, now=now, auto_id="event_%s")
        with timezone.override(user.tzinfo):
            valid = form.is_valid()
        if valid:
            data = form.cleaned_data
            try:
                saved = services.create_event(
                    actor=user,
                    kind=data["kind"],
                    title=data["title"],
                    description=data["description"],
                    band=data["band"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    room_id=data["room"].pk if data["room"] else None,
                    video_url=data["video_url"],
                    capacity=data["capacity"],
                    waitlist=data["waitlist"],
                    host_slots=data["host_slots"],
                    now=now,
                )
            except Refused as exc:
                error, status = exc.message, exc.status
            else:
                event = saved.event
                messages.success(request, f"“{event.title}” is on the calendar.")
                show_help(request, saved.screening)
                return redirect(event.get_absolute_url())
    else:
        form = EventForm(bands=bands, now=now, auto_id="event_%s")
    context = {"form": form, "error": error, "timezone": user.timezone}
    return TemplateResponse(request, "events/form.html", context, status=status)


@login_required
@require_safe
def rota(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    now = timezone.now()
    decision = policies.can_view_rota(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    staff = is_staff_member(user)
    statuses = selectors.rota_statuses(mentor_ids=None if staff else [user.pk], now=now)
    own = next((s for s in statuses if s.mentor_id == user.pk), None)
    context = {
        "staff": staff,
        "own": own,
        "statuses": statuses if staff else [],
        "weeks": selectors.coverage(now=now) if staff else [],
        "settings": RotaSettings.load(),
        "open_events": [
            e for e in selectors.upcoming_for(user, now=now) if getattr(e, "open_slots", 0)
        ],
    }
    return TemplateResponse(request, "events/rota.html", context)


# --- Actions ---------------------------------------------------------------------------------


def _act(request: HttpRequest, event_id: int, action: str) -> HttpResponse:
    """An action on the event; its views answer refusals with ``refusals(back=_to_event)``."""
    user = signed_in_user(request)
    if action == "rsvp":
        row = services.rsvp(user=user, event_id=event_id)
        if row.status == RSVPStatus.CONFIRMED:
            message = "You have a place. See you there!"
        else:
            message = "The event is full: you are on the waitlist."
    elif action == "cancel_rsvp":
        services.cancel_rsvp(user=user, event_id=event_id)
        message = "Your place is cancelled."
    elif action == "cancel":
        services.cancel_event(actor=user, event_id=event_id)
        message = "The event is cancelled; everyone with a place has been told."
    else:
        event = _event_or_404(user, event_id)
        people = [(r.user_id, r.user.username) for r in selectors.attendees(event)]
        form = AttendanceForm(request.POST, people=people)
        if not form.is_valid():
            raise Refused("Tick people from the list.")
        services.mark_held(
            actor=user, event_id=event_id, attended_ids=form.cleaned_data["attended"]
        )
        message = "Marked as held. Thank you for hosting!"
    messages.success(request, message)
    return redirect(_to_event(request, event_id))


@login_required
@require_POST
@refusals(back=_to_event)
def rsvp(request: HttpRequest, event_id: int) -> HttpResponse:
    return _act(request, event_id, "rsvp")


@login_required
@require_POST
@refusals(back=_to_event)
def cancel_rsvp(request: HttpRequest, event_id: int) -> HttpResponse:
    return _act(request, event_id, "cancel_rsvp")


@login_required
@require_POST
@refusals(back=_to_event)
def cancel_event(request: HttpRequest, event_id: int) -> HttpResponse:
    return _act(request, event_id, "cancel")


@login_required
@require_POST
@refusals(back=_to_event)
def mark_held(request: HttpRequest, event_id: int) -> HttpResponse:
    return _act(request, event_id, "held")


@login_required
@require_POST
@refusals(back="events:list")
def volunteer(request: HttpRequest, slot_id: int) -> HttpResponse:
    user = signed_in_user(request)
    slot = services.volunteer(mentor=user, slot_id=slot_id)
    messages.success(request, "Thank you! You are hosting this event.")
    return redirect(reverse("events:detail", args=[slot.event_id]))


@login_required
@require_POST
@refusals(back="events:list")
def release_slot(request: HttpRequest, slot_id: int) -> HttpResponse:
    user = signed_in_user(request)
    slot = services.release_slot(mentor=user, slot_id=slot_id)
    messages.success(request, "You gave the host slot back.")
    return redirect(reverse("events:detail", args=[slot.event_id]))


# --- Calendars -------------------------------------------------------------------------------


def _calendar_event(request: HttpRequest, event: Event) -> ical.CalendarEvent:
    return ical.CalendarEvent(
        uid=f"event-{event.pk}@{request.get_host().split(':')[0] or 'peerpath'}",
        summary=event.title,
        description=event.description,
        location=event.location_text,
        url=request.build_absolute_uri(event.get_absolute_url()),
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        cancelled=event.status == EventStatus.CANCELLED,
    )


def _ics(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
@require_safe
def event_ics(request: HttpRequest, event_id: int) -> HttpResponse:
    user = signed_in_user(request)
    event = _event_or_404(user, event_id)
    text = ical.calendar([_calendar_event(request, event)], name=event.title, stamp=timezone.now())
    return _ics(text, f"event-{event.pk}.ics")


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """A person's events for calendar apps: no login, the signed token is the key."""
    user = _feed_user(token)
    if user is None:
        return HttpResponseNotFound("Not found.", content_type="text/plain; charset=utf-8")
    events = selectors.feed_events(user)
    text = ical.calendar(
        [_calendar_event(request, e) for e in events],
        name=f"{user.username} · peerpath events",
        stamp=timezone.now(),
    )
    return _ics(text, "peerpath-events.ics")
