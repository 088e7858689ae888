"""Unit tests of the authorization-matrix loader and route walker (tests/authz.py).

They prove the coverage check can fail: an extra URL pattern, an extra WebSocket route or a
row naming nothing is reported.
"""

from __future__ import annotations

import pytest
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import URLRouter
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path, re_path

import config.routing
import config.urls
from tests import authz
from tests.authz import (
    MATRIX_PATH,
    OUTCOMES,
    ROLES,
    MatrixError,
    Route,
    all_routes,
    check_coverage,
    classify_http,
    iter_url_routes,
    iter_websocket_routes,
    load_matrix,
    mask_csrf,
    outcome_matches,
    parse_matrix,
    row_for,
)

HEADER = "route,method,path,relation," + ",".join(ROLES) + ",notes"


def line(route: str, path_: str = "/x/", relation: str = "-", outcome: str = "ok", **cells: str):
    outcomes = [cells.get(role, outcome) for role in ROLES]
    return ",".join([route, cells.get("method", "GET"), path_, relation, *outcomes, "a note"])


def csv_text(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def fake_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("fake")


class FakeConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        await self.accept()


# A URLconf for override: the real one plus one route nobody added to the table.
urlpatterns = [
    *config.urls.urlpatterns,
    path("fake-extra/", fake_view, name="fake_extra"),
]


# --- Loader -----------------------------------------------------------------------------------


def test_parse_reads_rows_with_one_outcome_per_role() -> None:
    rows = parse_matrix(
        csv_text(
            line("home", "/"),
            line("accounts:profile_detail", "/p/{target}/", "own", anonymous="na"),
            line("ws:room", "/ws/r/", method="WS", outcome="reject"),
        )
    )
    assert [r.route for r in rows] == ["home", "accounts:profile_detail", "ws:room"]
    assert rows[0].outcomes == dict.fromkeys(ROLES, "ok")
    assert rows[0].notes == "a note"
    assert rows[1].relation == "own"
    assert rows[1].placeholders == ("target",)
    assert rows[1].outcomes["anonymous"] == "na"
    assert rows[2].is_websocket
    assert rows[1].line == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (csv_text(line("home", outcome="maybe")), "unknown outcome 'maybe'"),
        (csv_text(line("home", outcome="reject")), "unknown outcome 'reject'"),
        (csv_text(line("ws:x", method="WS", outcome="login")), "unknown outcome 'login'"),
        (csv_text(line("home", relation="cousin")), "unknown relation"),
        (csv_text(line("home", method="FETCH")), "unknown method"),
        (csv_text(line("home", path_="x/")), "must start with '/'"),
        (csv_text(line("home"), line("home")), "duplicate of line 2"),
        (csv_text(line("home", staff="")), "home × staff: unknown outcome ''"),
        (HEADER.replace(",staff", "") + "\n", "header must be"),
        (HEADER.replace(",notes", ",notes,extra") + "\n", "header must be"),
    ],
)
def test_parse_rejects_malformed_tables(text: str, message: str) -> None:
    with pytest.raises(MatrixError, match=message.replace("(", r"\(")):
        parse_matrix(text)


def test_checked_in_table_loads() -> None:
    rows = load_matrix()
    assert MATRIX_PATH.name == "authz_matrix.csv"
    assert {r.route for r in rows} >= {"home", "healthz", "account_login", "admin:*"}


def test_docs_define_every_outcome() -> None:
    doc = (MATRIX_PATH.parent / "authz_matrix.md").read_text(encoding="utf-8")
    for outcome in OUTCOMES:
        assert f"`{outcome}`" in doc, outcome


# --- Walker -----------------------------------------------------------------------------------


def test_walker_keys_routes_by_full_view_name() -> None:
    inner: tuple[list[URLPattern | URLResolver], str] = (
        [path("a/<int:pk>/", fake_view, name="detail")],
        "inner",
    )
    outer: tuple[list[URLPattern | URLResolver], str] = (
        [
            path("in/", include(inner)),
            path("bare/", fake_view),
        ],
        "outer",
    )
    patterns: list[URLPattern | URLResolver] = [
        path("", fake_view, name="top"),
        path("nested/", include(outer)),
        path("plain/", include([path("x/", fake_view, name="plain_x")])),
        re_path(r"^re/(?P<slug>[a-z]+)/$", fake_view),
    ]
    routes = iter_url_routes(patterns)
    assert [(r.key, r.path) for r in routes] == [
        ("top", ""),
        ("outer:inner:detail", "nested/in/a/<int:pk>/"),
        ("outer:/nested/bare/", "nested/bare/"),
        ("plain_x", "plain/x/"),
        ("/^re/(?P<slug>[a-z]+)/$", "^re/(?P<slug>[a-z]+)/$"),
    ]
    assert all(r.kind == "http" for r in routes)


def test_walker_finds_the_real_routes() -> None:
    keys = {r.key for r in iter_url_routes()}
    assert {
        "home",
        "healthz",
        "accounts:profile_detail",
        "account_login",
        "mfa_index",
        "admin:index",
        "api:me",
    } <= keys


def test_websocket_walker_recurses_into_routers() -> None:
    patterns = [
        path("ws/rooms/<slug:room>/", FakeConsumer.as_asgi(), name="room"),
        path("ws/", URLRouter([path("notify/", FakeConsumer.as_asgi())])),
    ]
    routes = iter_websocket_routes(patterns)
    assert routes == [
        Route(key="ws:room", kind="ws", path="ws/rooms/<slug:room>/", name="room"),
        Route(key="ws:/ws/notify/", kind="ws", path="ws/notify/", name=None),
    ]


# --- Coverage: it can fail --------------------------------------------------------------------


def test_the_real_table_covers_the_real_routes() -> None:
    coverage = check_coverage(load_matrix(), all_routes())
    assert coverage.ok, coverage.describe()


def test_an_extra_url_pattern_is_reported_missing(settings) -> None:
    settings.ROOT_URLCONF = __name__
    coverage = check_coverage(load_matrix(), all_routes())
    assert [r.key for r in coverage.missing] == ["fake_extra"]
    assert coverage.stale == ()
    assert "fake_extra" in coverage.describe()


def test_an_extra_websocket_route_is_reported_missing(monkeypatch) -> None:
    extra = [path("ws/fake/<str:thing>/", FakeConsumer.as_asgi(), name="fake_socket")]
    monkeypatch.setattr(config.routing, "websocket_urlpatterns", extra)
    coverage = check_coverage(load_matrix(), all_routes())
    assert [r.key for r in coverage.missing] == ["ws:fake_socket"]


def test_a_row_naming_no_route_is_reported_stale() -> None:
    rows = [
        *load_matrix(),
        *parse_matrix(
            csv_text(
                line("accounts:gone"),
                line("ws:gone", method="WS"),
                line("nothing:*"),
            )
        ),
    ]
    coverage = check_coverage(rows, all_routes())
    assert [r.route for r in coverage.stale] == ["accounts:gone", "ws:gone", "nothing:*"]
    assert not coverage.missing
    assert "accounts:gone" in coverage.describe()


def test_a_websocket_row_does_not_cover_an_http_route() -> None:
    rows = parse_matrix(csv_text(line("home", method="WS")))
    routes = [Route(key="home", kind="http", path="")]
    coverage = check_coverage(rows, routes)
    assert coverage.missing == tuple(routes)
    assert [r.route for r in coverage.stale] == ["home"]


def test_a_glob_covers_every_matching_route() -> None:
    rows = parse_matrix(csv_text(line("admin:*")))
    routes = [
        Route("admin:index", "http", "admin/"),
        Route("admin:/admin/(?P<url>.*)$", "http", "admin/(?P<url>.*)$"),
        Route("administer", "http", "administer/"),
    ]
    coverage = check_coverage(rows, routes)
    assert [r.key for r in coverage.missing] == ["administer"]
    assert rows[0].is_glob


def test_the_most_specific_row_decides() -> None:
    rows = parse_matrix(
        csv_text(
            line("admin:*", staff="forbidden"),
            line("admin:accounts_*"),
            line("admin:accounts_user_add", staff="forbidden"),
            line("admin:accounts_user_add", "/x/{target}/", "own"),
        )
    )
    assert row_for(rows, "admin:index", "GET") is rows[0]
    assert row_for(rows, "admin:accounts_topic_add", "GET") is rows[1]
    assert row_for(rows, "admin:accounts_user_add", "GET") is rows[2]
    assert row_for(rows, "admin:accounts_user_add", "WS") is None
    assert row_for(rows, "home", "GET") is None
    tie = parse_matrix(csv_text(line("admin:a*"), line("admin:*b")))
    with pytest.raises(MatrixError, match="equally specific"):
        row_for(tie, "admin:ab", "GET")


def test_without_the_table_every_route_is_missing() -> None:
    routes = all_routes()
    assert check_coverage([], routes).missing == tuple(routes)


# --- Classification ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "location", "observed"),
    [
        (200, "", "ok"),
        (204, "", "ok"),
        (302, "/accounts/login/?next=/accounts/profile/", "login"),
        (302, "/accounts/login/?next=%2Faccounts%2Fprofile%2F", "login"),
        (302, "/accounts/login/", "redirect"),
        (302, "/accounts/login/?next=/elsewhere/", "redirect"),
        (302, "/admin/login/?next=/accounts/profile/", "admin_login"),
        (301, "/", "redirect"),
        (401, "", "unauthorized"),
        (403, "", "forbidden"),
        (404, "", "not_found"),
        (405, "", "status_405"),
        (500, "", "status_500"),
    ],
)
def test_classify_http(status: int, location: str, observed: str) -> None:
    assert (
        classify_http(
            status,
            location,
            requested="/accounts/profile/",
            login_url="/accounts/login/",
            admin_login_url="/admin/login/",
        )
        == observed
    )


def test_outcomes_match_observations() -> None:
    assert outcome_matches("deny", "not_found")
    assert outcome_matches("missing", "not_found")
    assert not outcome_matches("ok", "not_found")
    assert not outcome_matches("login", "redirect")
    assert outcome_matches("deny", "reject", websocket=True)
    assert not outcome_matches("deny", "not_found", websocket=True)
    assert authz.classify_ws(accepted=True) == "ok"
    assert authz.classify_ws(accepted=False) == "reject"


def test_mask_csrf_makes_two_renders_comparable() -> None:
    first = (
        b'<body hx-headers=\'{"X-CSRFToken": "abc123"}\'>'
        b'<input type="hidden" name="csrfmiddlewaretoken" value="xyz789">'
    )
    second = (
        b'<body hx-headers=\'{"X-CSRFToken": "zzz999"}\'>'
        b'<input type="hidden" name="csrfmiddlewaretoken" value="qqq000">'
    )
    assert first != second
    assert mask_csrf(first) == mask_csrf(second)
    assert mask_csrf(b"<p>w-adult-peer</p>") != mask_csrf(b"<p>w-nobody</p>")
