"""The authorization matrix (docs/authz_matrix.csv), walked against the running app.

Every URL route and every WebSocket route has rows in the table: one per relation to the
object it shows (``own``, ``same_band``, ``other_band``; ``-`` when there is no object), with
one expected outcome per role. Every later issue adds its routes to the table; the coverage
tests below fail when the URLconf or the WebSocket router has a route the table lacks, or
when the table names a route that no longer exists.

Outcomes (see tests/authz.py OUTCOMES and docs/authz_matrix.md):

    ok            2xx; for a token route requested with an invalid token, the friendly
                  "bad link" page. WebSocket: the connection is accepted.
    login         3xx to the login page with next= the requested path
    admin_login   3xx to the admin login page with next= the requested path
    redirect      any other 3xx (e.g. allauth sends signed-in people from login/signup home)
    unauthorized  401 (the API without a session)
    forbidden     403
    deny          404, byte-for-byte the answer for a missing object: the test requests a
                  nonexistent object as the same person and compares status and body (CSRF
                  tokens masked). WebSocket: rejected with the close code of a missing object.
    missing       404 because there is nothing there for this person (no object involved)
    reject        WebSocket only: closed before being accepted
    na            not applicable: the cell is not requested

Relations: ``own`` targets the actor, ``same_band`` a peer of the actor's age band,
``other_band`` a peer of the other band. An anonymous visitor has no band: its
``same_band`` target is the adult peer and its ``other_band`` target the teen peer.

Routes of the Django admin are covered by globs (``admin:*``, ``admin:accounts_*``...),
tested on a representative set: the index and each registered model's changelist and add
view. An exact row beats a glob, a more specific glob a looser one (authz.row_for).

The world (one user per role) is built once for this module inside a transaction that is
rolled back at the end; each cell uses a fresh client.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import path as url_path
from django.urls import resolve, reverse

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory, World, WorldBuilder
from peerpath.core.tests import ws
from tests.authz import (
    ROLES,
    Coverage,
    MatrixRow,
    all_routes,
    check_coverage,
    classify_http,
    classify_ws,
    load_matrix,
    mask_csrf,
    outcome_matches,
    row_for,
)

# Marked so that running this file alone still sets up the test database (pytest-django only
# creates it for sessions with a test that asks for it; without it the module's world would be
# written to the configured development database). Each test runs in a savepoint of the
# module's world transaction.
pytestmark = pytest.mark.django_db

MATRIX = load_matrix()
MISSING_USERNAME = "w-nobody-here"
MISSING_ID = "999999999"


# --- Placeholders in sample paths -------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    world: World
    role: str
    actor: User | None
    relation: str


def _target_user(cell: Cell) -> User:
    world, actor = cell.world, cell.actor
    if cell.relation == "own":
        assert actor is not None, "'own' makes no sense for an anonymous visitor: use na"
        return actor
    actor_is_teen = actor is not None and actor.is_teen
    same = world.teen_peer if actor_is_teen else world.adult_peer
    other = world.adult_peer if actor_is_teen else world.teen_peer
    if cell.relation == "same_band":
        return same
    if cell.relation == "other_band":
        return other
    raise AssertionError(f"relation {cell.relation!r} has no target")


@dataclass(frozen=True)
class Placeholder:
    """How to fill ``{name}`` in a sample path: for a cell, and for a missing object."""

    present: Callable[[Cell], str]
    missing: str


# --- Mentoring objects ------------------------------------------------------------------------


@dataclass
class MatrixWorld(World):
    """The shared world plus what the mentoring routes need: a mentor in each band (besides
    the world's ``mentor``, who gets a mentor profile), an active pair in each band that no
    actor belongs to, and an active mentorship of every actor's own (as mentee; the mentor
    role mentors a fresh listener)."""

    teen_mentor: User
    adult_mentor: User
    teen_pair: Any  # Mentorship
    adult_pair: Any
    own_mentorships: dict[int, Any]


_fresh = itertools.count(1)


def build_matrix_world() -> MatrixWorld:
    from peerpath.mentorship.models import MentorProfile, MentorshipSettings
    from peerpath.mentorship.tests.factories import make_mentorship

    world = WorldBuilder().build()
    MentorshipSettings.load()  # the singleton exists, as on every real site
    make = UserFactory.create
    teen_mentor = make(username="w-teen-mentor", teen=True, listener=True, roles=[Role.MENTOR])
    adult_mentor = make(username="w-adult-mentor", listener=True, roles=[Role.MENTOR])
    for mentor in (teen_mentor, adult_mentor, world.mentor):
        MentorProfile.objects.create(user=mentor, capacity=20, approach="Small steps.")
    teen_pair = make_mentorship(
        teen_mentor, make(username="w-teen-mentee", teen=True, listener=True)
    )
    adult_pair = make_mentorship(adult_mentor, make(username="w-adult-mentee", listener=True))
    own: dict[int, Any] = {}
    for role in ROLES:
        actor = world.by_role(role)
        if actor is None:
            continue
        if actor.pk == world.mentor.pk:
            mentee = make(username="w-mentor-mentee", listener=True)
            own[actor.pk] = make_mentorship(actor, mentee)
        else:
            own[actor.pk] = make_mentorship(teen_mentor if actor.is_teen else adult_mentor, actor)
    base = {f.name: getattr(world, f.name) for f in fields(World)}
    return MatrixWorld(
        **base,
        teen_mentor=teen_mentor,
        adult_mentor=adult_mentor,
        teen_pair=teen_pair,
        adult_pair=adult_pair,
        own_mentorships=own,
    )


def _mworld(cell: Cell) -> MatrixWorld:
    assert isinstance(cell.world, MatrixWorld)
    return cell.world


def _by_band(cell: Cell, teen: Any, adult: Any) -> Any:
    """The teen or adult object for ``same_band``/``other_band`` (anonymous: adult, teen)."""
    actor_is_teen = cell.actor is not None and cell.actor.is_teen
    same, other = (teen, adult) if actor_is_teen else (adult, teen)
    if cell.relation == "same_band":
        return same
    if cell.relation == "other_band":
        return other
    raise AssertionError(f"relation {cell.relation!r} has no target")


def _actor(cell: Cell) -> User:
    assert cell.actor is not None, "'own' makes no sense for an anonymous visitor: use na"
    return cell.actor


def _fresh_listener(teen: bool) -> User:
    user: User = UserFactory.create(username=f"w-fresh-{next(_fresh)}", teen=teen, listener=True)
    return user


def _mentor_of(cell: Cell) -> str:
    """own: the actor (a mentor page only for the mentor role); same/other band: a mentor."""
    if cell.relation == "own":
        return _actor(cell).username
    world = _mworld(cell)
    return str(_by_band(cell, world.teen_mentor, world.adult_mentor).username)


def _mentorship_of(cell: Cell) -> str:
    """own: the actor's active mentorship; same/other band: an active pair of two others."""
    world = _mworld(cell)
    if cell.relation == "own":
        return str(world.own_mentorships[_actor(cell).pk].pk)
    return str(_by_band(cell, world.teen_pair, world.adult_pair).pk)


def _request_of(cell: Cell) -> str:
    """own: a fresh open request by the actor (each walk may withdraw it); same/other band:
    an open request by someone else of that band."""
    from peerpath.mentorship.models import MentorRequest

    if cell.relation == "own":
        return str(MentorRequest.objects.create(mentee=_actor(cell), goal="Grow").pk)
    mentee = _fresh_listener(teen=_by_band(cell, True, False))
    return str(MentorRequest.objects.create(mentee=mentee, goal="Grow").pk)


def _incoming_of(cell: Cell) -> str:
    """A fresh pending request target: own = sent to the actor; same/other band = sent to
    that band's mentor (answering it is theirs alone)."""
    from peerpath.mentorship.models import MentorRequest, RequestTarget, TargetStatus

    world = _mworld(cell)
    if cell.relation == "own":
        mentor = _actor(cell)
    else:
        mentor = _by_band(cell, world.teen_mentor, world.adult_mentor)
    mentee = _fresh_listener(mentor.is_teen)
    request = MentorRequest.objects.create(mentee=mentee, goal="Grow")
    target = RequestTarget.objects.create(
        request=request, mentee=mentee, mentor=mentor, rank=1, status=TargetStatus.PENDING
    )
    return str(target.pk)


def _proposal_of(cell: Cell) -> str:
    """A fresh proposed mentorship: own = the actor is its mentor; same/other band = a
    proposal to that band's mentor."""
    from peerpath.mentorship.tests.factories import make_mentorship

    world = _mworld(cell)
    if cell.relation == "own":
        mentor = _actor(cell)
    else:
        mentor = _by_band(cell, world.teen_mentor, world.adult_mentor)
    m = make_mentorship(
        mentor,
        _fresh_listener(mentor.is_teen),
        status="proposed",
        explanation=["both speak English"],
    )
    return str(m.pk)


def _run_of(cell: Cell) -> str:
    """A fresh draft matching run: own = started by the actor; otherwise by the periodic job
    (runs have no age band: the relations differ only in who started them)."""
    from peerpath.mentorship.models import MatchRun

    started_by = cell.actor if cell.relation == "own" else None
    return str(MatchRun.objects.create(started_by=started_by).pk)


def _application_of(cell: Cell) -> str:
    """A fresh pending application for Chatroom Moderator: own = the actor's; same/other
    band = a listener's of that band."""
    from peerpath.progression.models import Achievement, Application

    user = _actor(cell) if cell.relation == "own" else _fresh_listener(_by_band(cell, True, False))
    application = Application.objects.create(
        user=user,
        achievement=Achievement.objects.get(slug="chatroom-moderator"),
        statement="I have been supporting the rooms for months and would like to help more.",
    )
    return str(application.pk)


def _certificate_of(cell: Cell) -> str:
    """A Room Supporter certificate: own = the actor's; same/other band = a listener's."""
    from peerpath.progression.models import Achievement, AwardSource
    from peerpath.progression.services.awards import grant_award

    user = _actor(cell) if cell.relation == "own" else _fresh_listener(_by_band(cell, True, False))
    award = grant_award(
        user=user,
        achievement=Achievement.objects.get(slug="room-supporter"),
        source=AwardSource.STAFF,
        reasons="matrix",
    )
    return str(award.certificate.id)


def _pair_of(cell: Cell) -> str:
    """A buddy pair: own = the actor is the newcomer (with a fresh buddy of their band);
    same/other band = two fresh listeners of that band."""
    from django.utils import timezone

    from peerpath.progression.models import Achievement, BuddyPair

    teen = (
        cell.actor.is_teen if cell.relation == "own" and cell.actor else _by_band(cell, True, False)
    )
    newcomer = _actor(cell) if cell.relation == "own" else _fresh_listener(teen)
    pair = BuddyPair.objects.create(
        newcomer=newcomer,
        buddy=_fresh_listener(teen),
        achievement=Achievement.objects.get(slug="room-supporter"),
        check_in_due=timezone.now(),
    )
    return str(pair.pk)


# --- Room objects -----------------------------------------------------------------------------


def _band_room(teen: bool, *, moderated_by: User | None = None) -> Any:
    """The open room of a band (members and listeners, no lock), created once; with
    ``moderated_by``, a fresh room of that band with that person appointed as its moderator."""
    from peerpath.rooms.models import Room, RoomCommunity, RoomStaff, RoomStaffKind

    band = "teen" if teen else "adult"
    community, _ = RoomCommunity.objects.get_or_create(
        slug=f"w-{band}-rooms", defaults={"name": f"w {band} rooms"}
    )
    fields = {"category": "member_support", "community": community, "band": band}
    if moderated_by is None:
        room, _ = Room.objects.get_or_create(
            slug=f"w-{band}-room",
            defaults={**fields, "name": f"w {band} room", "audience": "everyone"},
        )
        return room
    n = next(_fresh)
    room = Room.objects.create(
        slug=f"w-{band}-room-{n}", name=f"w {band} room {n}", audience="everyone", **fields
    )
    RoomStaff.objects.create(user=moderated_by, kind=RoomStaffKind.MODERATOR, room=room)
    return room


def _room_of_cell(cell: Cell) -> Any:
    """own: a fresh room of the actor's band that they moderate (an appointment); same/other
    band: the open room of that band."""
    if cell.relation == "own":
        actor = _actor(cell)
        return _band_room(actor.is_teen, moderated_by=actor)
    return _band_room(_by_band(cell, True, False))


def _message_of(cell: Cell) -> str:
    """A fresh message by the cell's person (own: the actor) in the open room of their band."""
    from peerpath.rooms.models import RoomMessage

    sender = _target_user(cell)
    return str(RoomMessage.objects.create(room=_band_room(sender.is_teen), sender=sender).pk)


def _sanction_of(cell: Cell) -> str:
    """A fresh mute on the cell's person (own: the actor) in the open room of their band."""
    import datetime as dt

    from django.utils import timezone

    from peerpath.rooms.models import Sanction

    user = _target_user(cell)
    mute = Sanction.objects.create(
        user=user,
        kind="mute",
        room=_band_room(user.is_teen),
        reason="matrix",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    return str(mute.pk)


def _report_of(cell: Cell) -> str:
    """A fresh open report of a peer's message: own = filed by the actor (in their band);
    same/other band = filed by a fresh listener of that band."""
    from peerpath.rooms.models import Report, RoomMessage

    world = cell.world
    teen = _actor(cell).is_teen if cell.relation == "own" else _by_band(cell, True, False)
    reporter = _actor(cell) if cell.relation == "own" else _fresh_listener(teen)
    sender = world.teen_peer if teen else world.adult_peer
    message = RoomMessage.objects.create(room=_band_room(teen), sender=sender)
    return str(Report.objects.create(message=message, reporter=reporter, reason="spam").pk)


def _alert_of(cell: Cell) -> str:
    """A fresh safeguarding alert about a message by the cell's person (own: the actor) in
    the open room of their band, screened like a real message (responders: the room's
    moderators). Each alert's words are new: the same words again would join the open one."""
    from peerpath.rooms.models import RoomMessage
    from peerpath.rooms.services.common import room_space
    from peerpath.safety import services as safety

    user = _target_user(cell)
    room = _band_room(user.is_teen)
    body = f"I want to end my life ({next(_ALERT_NUMBERS)})"
    message = RoomMessage.objects.create(room=room, sender=user, body=body)
    screening = safety.screen(writer=user, text=body, space=room_space(room), source=message)
    assert screening.alert is not None
    return str(screening.alert.pk)


_ALERT_NUMBERS = itertools.count(1)


def _session_for(cell: Cell, *, running: bool) -> str:
    """A fresh session hosted by the cell's person (own: the actor) in the open room of their
    band: about to start (it can be started or cancelled), or running (it can be ended)."""
    import datetime as dt

    from django.utils import timezone

    from peerpath.rooms.models import RoomSession

    host = _target_user(cell)
    now = timezone.now()
    starts = now - dt.timedelta(minutes=1) if running else now + dt.timedelta(minutes=5)
    session = RoomSession.objects.create(
        room=_band_room(host.is_teen),
        kind="support_session",
        title="matrix",
        host=host,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        started_at=starts if running else None,
    )
    return str(session.pk)


def _notification_of(cell: Cell) -> str:
    """A fresh notification of the actor's (own) or of the peer of that band."""
    from peerpath.notifications.services import notify

    owner = _actor(cell) if cell.relation == "own" else _target_user(cell)
    notify([owner], "welcome", "Hello", "A notification for the matrix.")
    latest = owner.notifications.order_by("-pk").values_list("pk", flat=True).first()
    return str(latest)


def _event_of(cell: Cell) -> str:
    """A coming event: of the actor's band with their confirmed place (own), of the actor's
    band, or of the other band."""
    from peerpath.events.models import RSVP
    from peerpath.events.tests.helpers import make_event

    if cell.relation == "own":
        actor = _actor(cell)
        event = make_event(band="teen" if actor.is_teen else "adult")
        RSVP.objects.create(event=event, user=actor, status="confirmed", queued_at=event.created_at)
        return str(event.pk)
    teen, adult = make_event(band="teen"), make_event(band="adult")
    return str(_by_band(cell, teen, adult).pk)


def _safety_alert_of(cell: Cell) -> str:
    """A fresh safeguarding alert: own = the actor is its responder (about a fresh listener of
    their band); same/other band = about the peer of that band, with no responder (the staff
    queue's)."""
    from peerpath.safety.models import Channel, SafetyAlert

    if cell.relation == "own":
        actor = _actor(cell)
        writer, responder = _fresh_listener(actor.is_teen), actor
    else:
        writer, responder = _target_user(cell), None
    alert = SafetyAlert.objects.create(
        channel=Channel.ROOM,
        where="Room “w room”",
        source="rooms.RoomMessage",
        writer=writer,
        writer_band="teen" if writer.is_teen else "adult",
        excerpt="matrix",
        category="suicide",
        severity="high",
        queued=responder is None,
    )
    if responder is not None:
        alert.responders.set([responder])
    return str(alert.pk)


#: Later issues add placeholders for their objects (rooms, programs...), each with an
#: object in the actor's band, one in the other band, one the actor owns, and a missing key.
PLACEHOLDERS: dict[str, Placeholder] = {
    "target": Placeholder(lambda cell: _target_user(cell).username, MISSING_USERNAME),
    "mentor": Placeholder(_mentor_of, "w-no-such-mentor"),
    "mentorship": Placeholder(_mentorship_of, MISSING_ID),
    "request": Placeholder(_request_of, MISSING_ID),
    "incoming": Placeholder(_incoming_of, MISSING_ID),
    "proposal": Placeholder(_proposal_of, MISSING_ID),
    "run": Placeholder(_run_of, MISSING_ID),
    "application": Placeholder(_application_of, MISSING_ID),
    "certificate": Placeholder(_certificate_of, "A" * 22),
    "pair": Placeholder(_pair_of, MISSING_ID),
    "room": Placeholder(lambda cell: str(_room_of_cell(cell).slug), "w-no-such-room"),
    "room_id": Placeholder(lambda cell: str(_room_of_cell(cell).pk), MISSING_ID),
    "message": Placeholder(_message_of, MISSING_ID),
    "person": Placeholder(lambda cell: str(_target_user(cell).pk), MISSING_ID),
    "sanction": Placeholder(_sanction_of, MISSING_ID),
    "report": Placeholder(_report_of, MISSING_ID),
    "alert": Placeholder(_alert_of, MISSING_ID),
    "session": Placeholder(lambda cell: _session_for(cell, running=False), MISSING_ID),
    "live_session": Placeholder(lambda cell: _session_for(cell, running=True), MISSING_ID),
    "notification": Placeholder(_notification_of, MISSING_ID),
    "event": Placeholder(_event_of, MISSING_ID),
    "safety_alert": Placeholder(_safety_alert_of, MISSING_ID),
}


def fill(row: MatrixRow, cell: Cell | None, *, missing: bool = False) -> str:
    path = row.path
    for name in row.placeholders:
        holder = PLACEHOLDERS[name]
        value = holder.missing if missing or cell is None else holder.present(cell)
        path = path.replace("{" + name + "}", value)
    return path


# --- Glob rows: representative routes ---------------------------------------------------------


def admin_representatives() -> list[tuple[str, str]]:
    """The admin index and every registered model's changelist and add view."""
    names = ["admin:index"]
    for model in admin.site._registry:
        opts = model._meta
        names += [
            f"admin:{opts.app_label}_{opts.model_name}_changelist",
            f"admin:{opts.app_label}_{opts.model_name}_add",
        ]
    return [(name, reverse(name)) for name in names]


#: Glob families and how to pick their concretely tested routes.
REPRESENTATIVES: dict[str, Callable[[], list[tuple[str, str]]]] = {
    "admin:*": admin_representatives,
}


@dataclass(frozen=True)
class Case:
    row: MatrixRow
    key: str  # the concrete route tested (the row's route, or one a glob covers)
    path: str

    @property
    def id(self) -> str:
        return self.key if self.row.relation == "-" else f"{self.key}[{self.row.relation}]"


def build_cases(rows: list[MatrixRow]) -> list[Case]:
    """One case per exact row, plus one per representative route that a glob decides."""
    cases = [Case(row, row.route, row.path) for row in rows if not row.is_glob]
    for provider in REPRESENTATIVES.values():
        for key, path in provider():
            row = row_for(rows, key, "GET")
            if row is not None and row.is_glob:
                cases.append(Case(row, key, path))
    return cases


CASES = build_cases(MATRIX)


# --- Probing the app --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The world, built once for the module and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_matrix_world()
        transaction.set_rollback(True)


def http_get(actor: User | None, path: str, method: str = "GET") -> HttpResponseBase:
    """Request ``path`` as ``actor`` with a fresh client (no messages or cookies carried over).
    A crash answers the 500 page instead of raising, so it is reported as one mismatch."""
    client = Client(raise_request_exception=False)
    if actor is not None:
        client.force_login(actor)
    response: HttpResponseBase = client.generic(method, path)
    return response


def body_of(response: HttpResponseBase) -> bytes:
    assert isinstance(response, HttpResponse | StreamingHttpResponse)
    return response.getvalue()


LOGIN_URL = resolve_url(settings.LOGIN_URL)


def observe_http(response: HttpResponseBase, requested: str) -> str:
    return classify_http(
        response.status_code,
        response.get("Location", ""),
        requested=requested,
        login_url=LOGIN_URL,
        admin_login_url=reverse("admin:login"),
    )


def describe_http(response: HttpResponseBase) -> str:
    location = response.get("Location")
    return f"{response.status_code}" + (f" -> {location}" if location else "")


async def refused_after_accept(socket: Any) -> int | None:
    """The close code when a consumer accepted only to refuse at once (the room socket does,
    so a browser can read why: a ``{"type": "closed"}`` frame, then the close); None when its
    first frame is anything else (a hello) or it sends nothing."""
    import json

    if await socket.receive_nothing(timeout=3, interval=0.01):
        return None
    first = await socket.receive_output(timeout=3)
    if first["type"] == "websocket.close":
        return int(first.get("code") or 1000)
    if first["type"] != "websocket.send":
        return None
    try:
        frame = json.loads(first.get("text") or "")
    except ValueError:
        return None
    if not isinstance(frame, dict) or frame.get("type") != "closed":
        return None
    then = await socket.receive_output(timeout=3)
    return int(then.get("code") or 1000) if then["type"] == "websocket.close" else None


def ws_connect(app: Any, path: str, actor: User | None) -> tuple[bool, int | None]:
    """Open a WebSocket as ``actor`` through ``app`` with Channels' WebsocketCommunicator;
    (accepted, close code if rejected)."""

    cookie = ws.session_cookie(actor)

    async def attempt() -> tuple[bool, int | None]:
        socket = ws.communicator(app, path, cookie=cookie)
        accepted, detail = await socket.connect(timeout=3)
        refused_code = await refused_after_accept(socket) if accepted else None
        # What a server sends once the socket is gone: the consumer then stops.
        await socket.disconnect()
        if refused_code is not None:
            return False, refused_code
        return bool(accepted), None if accepted else int(detail or 1000)

    result: tuple[bool, int | None] = async_to_sync(attempt)()
    return result


@pytest.fixture
def ws_app(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real ASGI WebSocket stack. Channels closes "old" connections around each database
    call, which would break the module's open transaction: make that a no-op here."""
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)
    from config.asgi import application

    return application


SECURITY_HEADERS = ("Content-Security-Policy", "Permissions-Policy")


def missing_security_headers(response: HttpResponseBase) -> list[str]:
    """The security headers an HTML answer lacks (issue 16: every HTML response has both)."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    return [name for name in SECURITY_HEADERS if not response.get(name)]


def check_http_cell(case: Case, cell: Cell, expected: str) -> tuple[str, str | None]:
    """(observed outcome, problem or None)."""
    requested = fill(case.row, cell) if case.row.placeholders else case.path
    response = http_get(cell.actor, requested, case.row.method)
    observed = observe_http(response, requested)
    if not outcome_matches(expected, observed):
        return observed, f"expected {expected}, got {observed} ({describe_http(response)})"
    if missing := missing_security_headers(response):
        return observed, f"HTML answer without {', '.join(missing)} ({describe_http(response)})"
    if expected == "deny":
        missing_path = fill(case.row, cell, missing=True)
        absent = http_get(cell.actor, missing_path, case.row.method)
        if absent.status_code != response.status_code:
            return observed, (
                f"deny answers {response.status_code} but a missing object "
                f"{absent.status_code} ({missing_path})"
            )
        if mask_csrf(body_of(absent)) != mask_csrf(body_of(response)):
            return observed, f"deny page differs from the missing-object page ({missing_path})"
    return observed, None


def check_ws_cell(case: Case, cell: Cell, expected: str, app: Any) -> tuple[str, str | None]:
    requested = fill(case.row, cell)
    try:
        accepted, code = ws_connect(app, requested, cell.actor)
    except Exception as exc:
        return "error", f"expected {expected}, the connection failed: {exc!r}"
    observed = classify_ws(accepted)
    if not outcome_matches(expected, observed, websocket=True):
        return observed, f"expected {expected}, got {observed} (close code {code})"
    if expected == "deny":
        _, missing_code = ws_connect(app, fill(case.row, cell, missing=True), cell.actor)
        if missing_code != code:
            return observed, f"deny closes with {code} but a missing object with {missing_code}"
    return observed, None


# --- The matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_matrix(case: Case, matrix_world: World, request: pytest.FixtureRequest) -> None:
    """Every role gets the table's outcome on this route and relation."""
    app = request.getfixturevalue("ws_app") if case.row.is_websocket else None
    problems: list[str] = []
    for role in ROLES:
        expected = case.row.outcomes[role]
        if expected == "na":
            continue
        cell = Cell(matrix_world, role, matrix_world.by_role(role), case.row.relation)
        if case.row.is_websocket:
            _, problem = check_ws_cell(case, cell, expected, app)
        else:
            _, problem = check_http_cell(case, cell, expected)
        if problem:
            problems.append(f"{case.key} × {role} × {case.row.relation}: {problem}")
    assert not problems, f"{case.row.label} (docs/authz_matrix.csv line {case.row.line}):\n" + (
        "\n".join(problems)
    )


# --- The table covers the app, and only the app -----------------------------------------------


def test_every_route_has_a_row() -> None:
    """Fails when the URLconf or the WebSocket router has a route the table lacks."""
    coverage = check_coverage(MATRIX, all_routes())
    if coverage.missing:
        pytest.fail(Coverage(missing=coverage.missing).describe(), pytrace=False)


def test_every_row_names_a_route() -> None:
    """Fails when the table names a route that does not exist (or a glob matching none)."""
    coverage = check_coverage(MATRIX, all_routes())
    if coverage.stale:
        pytest.fail(Coverage(stale=coverage.stale).describe(), pytrace=False)


def test_every_glob_row_is_tested() -> None:
    globs = {row.route for row in MATRIX if row.is_glob}
    tested = {case.row.route for case in CASES}
    assert globs <= tested, (
        f"glob rows {sorted(globs - tested)} decide no representative route: name the "
        "routes in the table one by one, or add a provider to REPRESENTATIVES"
    )


def test_every_account_route_has_its_own_row() -> None:
    """allauth's routes (login, signup, password reset, email, 2FA...) are listed one by one."""
    exact = {row.route for row in MATRIX if not row.is_glob}
    unlisted = [r.key for r in all_routes() if r.path.startswith("accounts/")]
    assert [k for k in unlisted if k not in exact] == []
    for name in ("account_login", "account_signup", "account_reset_password", "mfa_index"):
        assert name in exact


def test_sample_paths_resolve_to_their_route() -> None:
    wrong = []
    for row in MATRIX:
        if row.is_glob or row.is_websocket:
            continue
        sample = fill(row, None, missing=True)
        view_name = resolve(sample).view_name
        if view_name != row.route:
            wrong.append(f"line {row.line}: {sample} resolves to {view_name}, not {row.route}")
    assert not wrong, "\n".join(wrong)


def test_object_rows_have_every_relation() -> None:
    relations: dict[tuple[str, str], set[str]] = {}
    for row in MATRIX:
        unknown = set(row.placeholders) - set(PLACEHOLDERS)
        assert not unknown, f"line {row.line}: unknown placeholders {unknown}"
        relations.setdefault((row.route, row.method), set()).add(row.relation)
        if not row.placeholders:
            assert row.relation == "-", f"line {row.line}: a relation needs an object in the path"
        else:
            assert row.relation != "-", f"line {row.line}: an object route needs a relation"
    for (route, method), found in relations.items():
        if found != {"-"}:
            assert found == {"own", "same_band", "other_band"}, f"{method} {route}: {found}"


def test_anonymous_never_has_an_own_object() -> None:
    for row in MATRIX:
        if row.relation == "own":
            assert row.outcomes["anonymous"] == "na", f"line {row.line}"


# --- Self-checks: the probes can tell outcomes apart ------------------------------------------


def test_websocket_probe_tells_accept_from_reject(matrix_world: World, monkeypatch) -> None:
    """No consumer exists yet: prove the WebSocket half of the matrix works on a fake one."""
    from channels.auth import AuthMiddlewareStack
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.routing import URLRouter
    from channels.security.websocket import AllowedHostsOriginValidator

    class SignedInOnly(AsyncWebsocketConsumer):  # type: ignore[misc]
        async def connect(self) -> None:
            if self.scope["user"].is_authenticated:
                await self.accept()
            else:
                await self.close(code=4401)

    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)
    app = AllowedHostsOriginValidator(
        AuthMiddlewareStack(URLRouter([url_path("ws/self-check/", SignedInOnly.as_asgi())]))
    )
    assert ws_connect(app, "/ws/self-check/", None) == (False, 4401)
    assert ws_connect(app, "/ws/self-check/", matrix_world.teen_member) == (True, None)


def test_deny_check_catches_a_leaky_404(matrix_world: World, monkeypatch) -> None:
    """A 404 that differs from the missing-object page is reported, not accepted."""
    row = next(r for r in MATRIX if r.route == "accounts:profile_detail")
    row = MatrixRow(
        route=row.route,
        method="GET",
        path=row.path,
        relation="other_band",
        outcomes=dict.fromkeys(ROLES, "deny"),
        line=row.line,
    )
    case = Case(row, row.route, row.path)
    cell = Cell(matrix_world, "teen_member", matrix_world.teen_member, "other_band")
    assert check_http_cell(case, cell, "deny") == ("not_found", None)

    real_get = http_get

    def leaky_get(actor: User | None, path: str, method: str = "GET") -> HttpResponseBase:
        response = real_get(actor, path, method)
        if "w-adult-peer" in path:
            assert isinstance(response, HttpResponse)
            response.content += b"<!-- w-adult-peer exists -->"
        return response

    monkeypatch.setattr(f"{__name__}.http_get", leaky_get)
    _, problem = check_http_cell(case, cell, "deny")
    assert problem is not None
    assert "differs from the missing-object page" in problem


def test_websocket_deny_compares_close_codes(matrix_world: World, monkeypatch) -> None:
    """A WebSocket ``deny`` must close exactly like a missing object: a different close code
    for a hidden person than for a nonexistent one is reported."""
    from channels.auth import AuthMiddlewareStack
    from channels.db import database_sync_to_async
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.routing import URLRouter

    from peerpath.accounts import policies

    leaky = {"on": False}

    class PersonSocket(AsyncWebsocketConsumer):  # type: ignore[misc]
        async def connect(self) -> None:
            name = self.scope["url_route"]["kwargs"]["username"]
            viewer = self.scope["user"]

            def decide() -> tuple[bool, bool]:
                subject = User.objects.filter(username=name).first()
                return subject is not None, bool(
                    subject and policies.can_view_profile(viewer, subject)
                )

            exists, visible = await database_sync_to_async(decide)()
            if not exists:
                await self.close(code=4404)
            elif not visible:
                await self.close(code=4403 if leaky["on"] else 4404)
            else:
                await self.accept()

    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)
    app = AuthMiddlewareStack(
        URLRouter([url_path("ws/people/<str:username>/", PersonSocket.as_asgi())])
    )
    row = MatrixRow(
        route="ws:people",
        method="WS",
        path="/ws/people/{target}/",
        relation="other_band",
        outcomes=dict.fromkeys(ROLES, "deny"),
    )
    case = Case(row, row.route, row.path)
    teen = Cell(matrix_world, "teen_member", matrix_world.teen_member, "other_band")
    assert check_ws_cell(case, teen, "deny", app) == ("reject", None)
    same = Cell(matrix_world, "teen_member", matrix_world.teen_member, "same_band")
    assert check_ws_cell(case, same, "ok", app) == ("ok", None)
    leaky["on"] = True
    observed, problem = check_ws_cell(case, teen, "deny", app)
    assert observed == "reject"
    assert problem is not None
    assert "4403" in problem


def test_header_check_catches_an_html_answer_without_security_headers() -> None:
    """The matrix walk's header check: an HTML answer missing either header is reported;
    other content types (JSON, files) are not its concern."""
    bare = HttpResponse("<p>hi</p>")
    assert missing_security_headers(bare) == list(SECURITY_HEADERS)
    bare["Content-Security-Policy"] = "default-src 'self'"
    assert missing_security_headers(bare) == ["Permissions-Policy"]
    assert missing_security_headers(HttpResponse("{}", content_type="application/json")) == []
