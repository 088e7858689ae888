"""The catalogue's pages: the room list (own band, grouped by kind, filtered over htmx,
``ROOMS_PER_PAGE`` at a time) and one room (the live chat; 403 with the reason and what
unlocks it when the viewer may not enter, 404 across bands)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_safe
from django_htmx.middleware import HtmxDetails

from peerpath.accounts.models import User
from peerpath.core.decisions import Decision
from peerpath.core.errors import NotFound
from peerpath.rooms import locks, policies
from peerpath.rooms.forms import (
    BAN_SCOPE_CHOICES,
    SLOW_MODE_CHOICES,
    PauseForm,
    ReportForm,
    RoomFilterForm,
)
from peerpath.rooms.models import MESSAGE_MAX_CHARS, Room, RoomCategory, RoomSession
from peerpath.rooms.policies import Lock, Standing, Viewer
from peerpath.rooms.selectors.catalogue import RoomCard, RoomFilters, RoomPage, room_cards, room_for
from peerpath.rooms.selectors.common import standing as load_standing
from peerpath.rooms.selectors.posting import HISTORY_PAGE, messages_before
from peerpath.rooms.selectors.presence import present_people
from peerpath.rooms.selectors.sessions import sessions_for_room, sessions_to_rate
from peerpath.rooms.views.common import NO_SUCH_ROOM, viewer_of

ROOMS_PER_PAGE = 24


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@dataclass(frozen=True, slots=True)
class CardView:
    """A room card with why the viewer cannot enter (bans and kicks included)."""

    card: RoomCard
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


def _card_view(v: Viewer, card: RoomCard) -> CardView:
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
    user, v = viewer_of(request, now)
    form = RoomFilterForm(request.GET or None)
    status = 200
    groups: list[CategoryGroup] = []
    shown = page = 0
    room_page: RoomPage | None = None
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data: dict[str, Any] = form.cleaned_data if form.is_bound else {}
        filters = RoomFilters(
            q=(data.get("q") or "").strip(),
            category=data.get("category") or "",
            audience=data.get("audience") or "",
            open_only=bool(data.get("open")),
        )
        page = data.get("page") or 1
        room_page = room_cards(
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


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A coming session as the room page shows it. ``can_run``: the viewer hosts or
    moderates it; ``can_start``: and its time allows starting it now (the policy the service
    checks); before that the page says from when (``opens_at``)."""

    session: RoomSession
    can_run: bool
    can_start: bool
    opens_at: dt.datetime


def _session_row(v: Viewer, room: Room, s: RoomSession, now: dt.datetime) -> SessionRow:
    can_run = bool(policies.can_run_session(v, room, s.host_id))
    return SessionRow(
        session=s,
        can_run=can_run,
        can_start=can_run and bool(policies.can_start_session(s, now)),
        opens_at=policies.session_opens_at(s),
    )


def _enter(user: User, v: Viewer, room: Room, now: dt.datetime) -> tuple[Lock, Standing, Decision]:
    lock = locks.locks_for(user, [room], now=now)[room.pk]
    standing = load_standing(user.pk, room, now=now)
    return lock, standing, policies.can_enter(v, room, lock, standing, now)


@login_required
@require_safe
def room_detail(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    user, v = viewer_of(request, now)
    room = room_for(v, slug)
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
    page = HISTORY_PAGE
    history = messages_before(room.pk, None, page + 1, hidden)
    more = len(history) > page
    history = history[-page:]
    is_moderator = policies.is_moderator(v, room)
    sessions = [_session_row(v, room, s, now) for s in sessions_for_room(room, now=now)]
    live = next((row.session for row in sessions if row.session.running), None)
    context: dict[str, Any] = {
        "room": room,
        "history": history,
        "more_history": more,
        "first_id": history[0].pk if history else 0,
        "last_id": history[-1].pk if history else 0,
        "present": present_people(room.pk, hidden),
        "sessions": sessions,
        "to_rate": sessions_to_rate(user.pk, room, now=now),
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
