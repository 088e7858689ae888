"""Hostile input everywhere a client can type: one text cleaner (``core.text``), one id bound
(``core.ids``), one form base (``core.forms``).

- Every form class of the project, allauth's sign-up and the admin's forms use the base.
- Ids past the database's range answer 400 (forms, query strings) on SQLite and PostgreSQL.
- A NUL in a chat ``client_id`` over HTTP is a 400, nothing stored (the sockets:
  tests/test_input_hygiene_sockets.py); bidi overrides and control characters never reach a row.
- CSV export and iCalendar stay clean for rows stored before the cleaner.
- The API's field types and its 400.
- A property test: random Unicode (NUL, controls, bidi, huge numbers...) through every route
  of the authorization matrix, as a role whose form is processed there: never a 500, and no
  query ever carries a NUL, nor a write a bidi override or a control character.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.db import connection, transaction
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import config.urls  # noqa: F401 - loads every view, form and admin of the project
from peerpath.accounts.models import Language, User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.forms import CleanInputMixin, Form
from peerpath.core.ids import MAX_DB_ID
from tests.authz import ROLES, MatrixRow
from tests.test_authz_matrix import MATRIX, Cell, build_matrix_world, fill

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
BIDI_OR_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# --- Every form uses the base -----------------------------------------------------------------


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_form_classes() -> list[type]:
    return sorted(
        {
            cls
            for cls in _subclasses(forms.BaseForm)
            if cls.__module__.startswith("peerpath.")
            and cls.__module__ != "peerpath.core.forms"
            and "tests" not in cls.__module__
        },
        key=lambda c: f"{c.__module__}.{c.__qualname__}",
    )


def test_every_form_of_the_project_uses_the_clean_input_base() -> None:
    found = project_form_classes()
    assert len(found) > 40  # the walk really sees the project's forms
    assert [
        f"{c.__module__}.{c.__qualname__}" for c in found if not issubclass(c, CleanInputMixin)
    ] == []


def test_the_admin_builds_its_forms_on_the_base(world: Any) -> None:
    request = RequestFactory().get("/admin/")
    request.user = world.staff
    for model, model_admin in admin.site._registry.items():
        if model is User:
            continue  # Django's user forms: username by validator, passwords as typed
        form = model_admin.get_form(request)
        assert issubclass(form, CleanInputMixin), model


def test_fields_added_after_init_are_hardened_too() -> None:
    class Late(Form):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.fields["late"] = forms.CharField()

    form = Late({"late": "ok\u202e\x07"})
    assert form.is_valid()
    assert form.cleaned_data["late"] == "ok"
    assert not Late({"late": "a\x00"}).is_valid()


# --- Ids at the edge of the database's range (run on SQLite and PostgreSQL) -------------------


class LanguagesForm(Form):
    languages = forms.ModelMultipleChoiceField(queryset=Language.objects.all())
    language = forms.ModelChoiceField(queryset=Language.objects.all(), required=False)
    code = forms.ModelChoiceField(
        queryset=Language.objects.all(), to_field_name="code", required=False
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"languages": [str(MAX_DB_ID)]}, "languages"),  # in range: looked up, not found
        ({"languages": [str(MAX_DB_ID + 1)]}, "languages"),
        ({"languages": [HUGE, "1"]}, "languages"),
        ({"languages": ["-5"]}, "languages"),
        ({"languages": ["1", "1e3"]}, "languages"),
        ({"languages": ["1"], "language": str(MAX_DB_ID)}, "language"),
        ({"languages": ["1"], "language": HUGE}, "language"),
        ({"languages": ["1"], "language": "٣"}, "language"),
        ({"languages": ["1"], "code": "en\x00"}, "code"),
    ],
)
def test_ids_out_of_range_are_field_errors(data: dict[str, Any], field: str) -> None:
    form = LanguagesForm(data)
    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_the_largest_id_is_a_valid_query_on_this_database() -> None:
    """MAX_DB_ID is the database's own limit: a lookup with it runs (and finds nothing)."""
    assert not Language.objects.filter(pk__in=[MAX_DB_ID]).exists()
    assert not Language.objects.filter(pk=MAX_DB_ID).exists()


@pytest.mark.parametrize(
    ("path", "who", "data"),
    [
        ("/accounts/signup/", None, {"languages": [HUGE]}),
        ("/accounts/profile/", "adult_member", {"languages": [HUGE], "topics": [HUGE]}),
        ("/mentors/settings/", "mentor", {"capacity": "1", "specialties": [HUGE]}),
        ("/staff/mentorships/message/", "staff", {"scope": "selected", "pair": ["²"]}),
    ],
)
def test_huge_ids_in_forms_answer_400(
    world: Any, path: str, who: str | None, data: dict[str, Any]
) -> None:
    client = Client(raise_request_exception=False)
    if who:
        client.force_login(getattr(world, who))
    before = User.objects.count()
    response = client.post(path, data)
    assert response.status_code == 400, response.status_code
    assert User.objects.count() == before


@pytest.mark.parametrize("cohort", [HUGE, "²", "-1", "1 OR 1=1"])
def test_huge_ids_in_query_strings_are_missing(world: Any, cohort: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.adult_listener)
    response = client.get("/training/group-support-leadership/1/", {"cohort": cohort})
    assert response.status_code == 404


# --- Chat: client ids and text, over HTTP -----------------------------------------------------


@pytest.fixture
def chat(world: Any) -> Any:
    from peerpath.mentorship.tests.factories import make_mentorship

    mentor = UserFactory.create(username="hy-mentor", listener=True, roles=[Role.MENTOR])
    return make_mentorship(mentor, world.adult_listener)


@pytest.mark.parametrize("client_id", ["c\x00", "a b", "x" * 65, "\u202ec"])
def test_a_bad_client_id_over_http_is_400_and_nothing_stored(
    world: Any, chat: Any, client_id: str
) -> None:
    from peerpath.mentorship.models import Message

    client = Client(raise_request_exception=False)
    client.force_login(world.adult_listener)
    response = client.post(
        f"/mentorships/{chat.pk}/messages/", {"body": "hello", "client_id": client_id}
    )
    assert response.status_code == 400
    assert "client_id" in response.content.decode()
    assert not Message.objects.exists()


def test_chat_text_over_http_is_stored_clean(world: Any, chat: Any) -> None:
    from peerpath.mentorship.models import Message

    client = Client(raise_request_exception=False)
    client.force_login(world.adult_listener)
    body = "see\u202e\u2066 file\x07.exe\r\nbye"
    response = client.post(f"/mentorships/{chat.pk}/messages/", {"body": body, "client_id": "k"})
    assert response.status_code == 302
    assert Message.objects.get().body == "see file.exe\nbye"


# --- Exports: rows stored before the cleaner stay harmless ------------------------------------


def test_ics_drops_control_and_bidi_characters_of_old_rows(world: Any) -> None:
    from peerpath.events.models import Event
    from peerpath.events.tests.helpers import make_event

    event = make_event(band="adult")
    Event.objects.filter(pk=event.pk).update(
        title="Talk\u202e\x07 night", description="line\x01one\x1b[31m\nline two"
    )
    client = Client()
    client.force_login(world.adult_member)
    response = client.get(f"/events/{event.pk}/event.ics")
    assert response.status_code == 200
    text = response.content.decode()
    assert "SUMMARY:Talk night" in text
    assert not BIDI_OR_CONTROL.search(text.replace("\r\n", ""))
    assert "\x00" not in text


def test_csv_cells_are_one_clean_line_and_no_formula() -> None:
    from peerpath.partners.views import safe_cell

    assert safe_cell("\u202e=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("a\x00b\nc\x07") == "ab c"
    assert safe_cell(None) == ""
    assert safe_cell(12) == "12"


# --- The API's field types --------------------------------------------------------------------


def test_api_types_clean_text_and_bound_ids() -> None:
    from ninja import Schema
    from pydantic import ValidationError

    from peerpath.api.types import ClientId, DbId, Line, Text

    class Sample(Schema):
        body: Text
        title: Line
        client_id: ClientId
        room: DbId

    ok = Sample(body=" a\u202eb\r\nc ", title="x\ny", client_id="k-1", room=5)
    assert (ok.body, ok.title, ok.client_id, ok.room) == ("ab\nc", "x y", "k-1", 5)
    for bad in (
        {"body": "a\x00"},
        {"body": "a\ud800"},
        {"client_id": "a\x00"},
        {"room": MAX_DB_ID + 1},
        {"room": 0},
        {"room": True},
    ):
        with pytest.raises(ValidationError):
            Sample.model_validate({"body": "b", "title": "t", "client_id": "", "room": 1, **bad})


def test_api_invalid_input_is_400_with_a_sentence(rf: RequestFactory) -> None:
    from ninja.errors import ValidationError as NinjaValidationError

    from peerpath.api.api import invalid_input

    error = NinjaValidationError(
        [{"loc": ("body", "text"), "msg": "Value error, The text contains a NUL", "type": "x"}]
    )
    response = invalid_input(rf.post("/api/x"), error)
    assert response.status_code == 400
    payload = json.loads(response.content)
    assert payload["detail"] == "Invalid input. body.text: The text contains a NUL"


# --- The property test: random input through every route of the matrix -----------------------

#: Names the project's forms and views read (introspected), plus allauth's and raw POST ones.
EXTRA_FIELDS = (
    "username",
    "email",
    "password1",
    "password2",
    "login",
    "password",
    "body",
    "client_id",
    "note",
    "next",
    "follow",
    "pair",
    "cohort",
    "decision",
    "page",
    "question_1",
    "answer_1",
    "in_app_welcome",
    "email_welcome",
)


def field_names() -> tuple[str, ...]:
    names = set(EXTRA_FIELDS)
    for cls in project_form_classes():
        names.update(getattr(cls, "base_fields", {}))
    return tuple(sorted(names))


FIELDS = field_names()
HOSTILE = (
    "a\x00b",
    "\x00",
    "\u202eevil\u202c",
    "\u2066x\u2069",
    "\x07\x1b[31m\x7f\x85",
    "line\r\nbreak\u2028",
    HUGE,
    str(MAX_DB_ID + 1),
    "9" * 400,
    "-1",
    "²",
    "٣",
    "1e308",
    "",
    " ",
    "1",
    "true",
    "on",
    "<script>alert(1)</script>",
)
# Surrogates cannot travel in HTTP (not encodable as UTF-8): everything else can.
value = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
payloads = st.fixed_dictionaries(
    {}, optional={name: st.lists(value, min_size=1, max_size=2) for name in FIELDS}
)
ALL_HOSTILE = {name: [HOSTILE[i % len(HOSTILE)], HUGE] for i, name in enumerate(FIELDS)}
NUL_EVERYWHERE = {name: ["a\x00b"] for name in FIELDS}
HUGE_EVERYWHERE = {name: [HUGE] for name in FIELDS}  # alone in its list: reaches pk__in

#: Which role to test a route as: the one whose answer shows its form is processed.
PREFERENCE = {
    "POST": ("invalid", "redirect", "ok", "forbidden", "deny", "missing", "login"),
    "GET": ("ok", "invalid", "redirect", "forbidden", "deny", "missing", "login"),
}


def _pick(rows: list[MatrixRow]) -> tuple[MatrixRow, str]:
    for outcome in PREFERENCE[rows[0].method]:
        for row in rows:
            for role in ROLES:
                if row.outcomes[role] == outcome:
                    return row, role
    raise AssertionError(f"no role is tested on {rows[0].route}")


def _targets() -> list[tuple[str, str, MatrixRow, str]]:
    """(route, method, row, role) for every HTTP route of the matrix outside the admin."""
    grouped: dict[tuple[str, str], list[MatrixRow]] = {}
    for row in MATRIX:
        if row.is_glob or row.is_websocket or row.route.startswith("admin:"):
            continue
        grouped.setdefault((row.route, row.method), []).append(row)
    out = []
    for (route, method), rows in sorted(grouped.items()):
        row, role = _pick(rows)
        out.append((route, method, row, role))
    return out


TARGETS = _targets()


@pytest.fixture(scope="module")
def hygiene_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_matrix_world()
        transaction.set_rollback(True)


@contextmanager
def watched_queries(written: list[str] | None = None) -> Iterator[list[str]]:
    """Every query's problem: a NUL in any parameter, or a bidi override / control character
    in a value written (INSERT or UPDATE). Values written are added to ``written``."""
    problems: list[str] = []

    def watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        rows = params if many else [params]
        write = sql.lstrip().upper().startswith(("INSERT", "UPDATE"))
        for row in rows or []:
            values = row.values() if isinstance(row, dict) else row or []
            for v in values:
                if not isinstance(v, str):
                    continue
                if write and written is not None:
                    written.append(v)
                if "\x00" in v:
                    problems.append(f"NUL in a query parameter: {sql[:120]}")
                elif write and BIDI_OR_CONTROL.search(v) and "django_session" not in sql:
                    problems.append(f"unclean text written: {v[:60]!r} by {sql[:120]}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield problems


def _send(client: Client, method: str, path: str, data: dict[str, list[str]]) -> list[Any]:
    """POST the data (the form behind the page, for a GET row of the matrix), and for a GET
    row also request the page with it as a query string (filters, paging, tokens)."""
    answers = [client.post(path, data)]
    if method == "GET":
        answers.append(client.get(path, data))
    return answers


@pytest.mark.parametrize(
    ("route", "method", "row", "role"), TARGETS, ids=[f"{t[1]} {t[0]}" for t in TARGETS]
)
@settings(
    max_examples=2,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=payloads)
@example(data=ALL_HOSTILE)
@example(data=NUL_EVERYWHERE)
@example(data=HUGE_EVERYWHERE)
def test_random_input_never_gives_500_nor_reaches_the_database_unclean(
    hygiene_world: Any, route: str, method: str, row: MatrixRow, role: str, data: dict[str, Any]
) -> None:
    actor = hygiene_world.by_role(role)
    with transaction.atomic():
        path = fill(row, Cell(hygiene_world, role, actor, row.relation))
        client = Client(raise_request_exception=False)
        if actor is not None:
            client.force_login(actor)
        with watched_queries() as problems:
            answers = _send(client, method, path, data)
        transaction.set_rollback(True)
    statuses = [r.status_code for r in answers]
    assert 500 not in statuses, f"{method} {path} as {role}: {statuses}"
    assert problems == [], f"{method} {path} as {role}: {problems[:3]}"


def test_the_property_test_covers_every_form_route() -> None:
    posted = {route for route, method, _, _ in TARGETS if method == "POST"}
    for route in ("mentorship:post_message", "rooms:report", "notifications:preferences"):
        assert route in posted
    gets = {route for route, method, _, _ in TARGETS if method == "GET"}
    for route in ("account_signup", "accounts:profile", "mentorship:settings", "events:new"):
        assert route in gets  # their GET rows are POSTed to: the form behind the page
    assert len(FIELDS) > 60


# --- The property test on valid forms: hostile text that gets stored ---------------------------

#: Marks the fields of a baseline that get drawn text.
T = "<drawn text>"
PREFIX = "Hello there, friends: "  # long enough for every minimum (statements: 20)


def _lang() -> str:
    return str(Language.objects.get(code="en").pk)


def _topic() -> str:
    from peerpath.accounts.models import Topic

    return str(Topic.objects.order_by("pk").values_list("pk", flat=True)[0])


def _local(hours: int) -> str:
    import datetime as dt

    from django.utils import timezone

    return (timezone.localtime() + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _peer_id(world: Any, actor: User | None) -> str:
    peer = world.teen_peer if actor is not None and actor.is_teen else world.adult_peer
    return str(peer.pk)


Baseline = Callable[[Any, Any], dict[str, Any]]

#: A valid body per form route that stores typed text; ``T`` marks the text fields.
BASELINES: dict[str, Baseline] = {
    "mentorship:post_message": lambda w, a: {"body": T, "client_id": "hy-1"},
    "mentorship:flag": lambda w, a: {"topic": "wellbeing", "priority": "can_wait", "note": T},
    "mentorship:check_in": lambda w, a: {"rating": "3", "note": T},
    "mentorship:log_conversation": lambda w, a: {"kind": "call", "day": _today(), "note": T},
    "mentorship:cant_reach_action": lambda w, a: {"body": T},
    "mentorship:decline_request": lambda w, a: {"reason": T},
    "mentorship:decline_proposal": lambda w, a: {"reason": T},
    "rooms:report": lambda w, a: {"reason": "spam", "note": T},
    "rooms:pause": lambda w, a: {"reason": T},
    "rooms:resolve_report": lambda w, a: {"status": "actioned", "outcome": T},
    "rooms:handle_alert": lambda w, a: {"outcome": "supported", "note": T},
    "rooms:delete_message": lambda w, a: {"reason": T},
    "rooms:moderate": lambda w, a: {"target": _peer_id(w, a), "reason": T},
    "progression-review-decide": lambda w, a: {"decision": "decline", "note": T},
    "progression-buddy-check-in": lambda w, a: {"note": T},
    "accounts:profile": lambda w, a: {
        "display_name": "River",
        "bio": T,
        "timezone": "UTC",
        "languages": [_lang()],
        "topics": [_topic()],
    },
    "mentorship:settings": lambda w, a: {
        "capacity": "2",
        "specialties": [_topic()],
        "track_listeners": "on",
        "approach": T,
        "availability": ["9"],
    },
    "events:new": lambda w, a: {
        "kind": "webinar",
        "title": T,
        "description": T,
        "band": "adult",
        "starts_at": _local(48),
        "ends_at": _local(49),
        "video_url": "https://example.org/live",
        "capacity": "10",
        "host_slots": "0",
    },
    "rooms:schedule": lambda w, a: {
        "kind": "support_session",
        "title": T,
        "description": T,
        "starts_at": _local(2),
        "ends_at": _local(3),
    },
    "spotlights:new": lambda w, a: {
        "kind": "interview",
        "title": T,
        "intro": T,
        "question_1": T,
        "answer_1": T,
    },
    "resources:new": lambda w, a: {
        "title": T,
        "summary": T,
        "body": T,
        "topics": ["listening"],
        "audience": "both",
        "reading_minutes": "2",
    },
}
_POSTED = {t[0] for t in TARGETS if t[1] == "POST"}
#: One target per baseline route: its POST row, else its GET row (the page of the form).
BASELINE_TARGETS = [
    t for t in TARGETS if t[0] in BASELINES and (t[1] == "POST" or t[0] not in _POSTED)
]
#: Routes where drawn text was seen written: each baseline must really be a valid form.
STORED: set[str] = set()
SPECIAL = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\r", "\n", "\t"]
drawn = st.text(
    st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(SPECIAL)), max_size=25
).map(lambda text: PREFIX + text)


@pytest.mark.parametrize(
    ("route", "method", "row", "role"),
    BASELINE_TARGETS,
    ids=[f"{t[1]} {t[0]}" for t in BASELINE_TARGETS],
)
@settings(
    max_examples=3,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=st.lists(drawn, min_size=6, max_size=6))
@example(texts=[PREFIX + "plain words"] * 6)
@example(texts=[PREFIX + "a\u202eb\u2066c\x07d\r\ne"] * 6)
@example(texts=[PREFIX + "nul \x00 here"] * 6)
def test_hostile_text_in_valid_forms_is_refused_or_stored_clean(
    hygiene_world: Any, route: str, method: str, row: MatrixRow, role: str, texts: list[str]
) -> None:
    actor = hygiene_world.by_role(role)
    written: list[str] = []
    with transaction.atomic():
        path = fill(row, Cell(hygiene_world, role, actor, row.relation))
        base = BASELINES[route](hygiene_world, actor)
        pool = iter(texts)
        data = {k: next(pool) if v == T else v for k, v in base.items()}
        client = Client(raise_request_exception=False)
        if actor is not None:
            client.force_login(actor)
        with watched_queries(written) as problems:
            response = client.post(path, data)
        transaction.set_rollback(True)
    where = f"POST {path} as {role}"
    assert response.status_code != 500, f"{where}: 500"
    assert problems == [], f"{where}: {problems[:3]}"
    if any("\x00" in v for v in data.values() if isinstance(v, str)):
        assert response.status_code == 400, f"{where}: a NUL gave {response.status_code}"
    if any(PREFIX in v for v in written):
        STORED.add(route)


def test_every_baseline_stored_its_text() -> None:
    """The baselines are valid forms: drawn text reached a row on every route (checked after
    the property test; run alone, there is nothing to check)."""
    if not STORED:
        pytest.skip("runs after the property test on valid forms")
    assert sorted(set(BASELINES) - STORED) == [], sorted(set(BASELINES) - STORED)
