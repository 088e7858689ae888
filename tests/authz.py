"""The authorization matrix: load ``docs/authz_matrix.csv`` and walk the app's routes.

The matrix lists every URL route (from the root URLconf) and every WebSocket route (from
``config.routing.websocket_urlpatterns``) with the outcome each role should get.
``tests/test_authz_matrix.py`` walks it against the running app; this module holds the
pure parts so they can be unit-tested: the CSV loader (with validation), the route walker,
the coverage check (routes missing from the table, rows naming no route) and the
classification of an HTTP answer into the outcome vocabulary.

Route keys:
    * a named URL pattern is keyed by its full view name, namespaces included
      (``accounts:profile_detail``, ``account_login``, ``admin:index``);
    * an unnamed URL pattern by its namespace (if any) and its full path
      (``admin:/admin/auth/group/<path:object_id>/``);
    * a WebSocket route by ``ws:`` and its name, or ``ws:/`` and its full path.

A table row's ``route`` is a key, or a glob over keys (``admin:*``); an exact row beats a
glob, and a more specific glob (more literal characters) beats a looser one.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import parse_qs, urlsplit

from django.urls import URLPattern, URLResolver, get_resolver

MATRIX_PATH: Final = Path(__file__).resolve().parent.parent / "docs" / "authz_matrix.csv"

ROLES: Final[tuple[str, ...]] = (
    "anonymous",
    "teen_member",
    "adult_member",
    "teen_listener",
    "adult_listener",
    "mentor",
    "moderator",
    "ambassador",
    "staff",
    "suspended",
)

NO_RELATION: Final = "-"
RELATIONS: Final[tuple[str, ...]] = (NO_RELATION, "own", "same_band", "other_band")
OBJECT_RELATIONS: Final[tuple[str, ...]] = ("own", "same_band", "other_band")

WS_METHOD: Final = "WS"
METHODS: Final[frozenset[str]] = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})

#: The outcome vocabulary. Keep in sync with docs/authz_matrix.md.
OUTCOMES: Final[Mapping[str, str]] = {
    "ok": "2xx (for a token route requested with an invalid token: the friendly 'bad link' "
    "page); for a WebSocket: the connection is accepted",
    "login": "3xx to the login page (settings.LOGIN_URL) with next= the requested path",
    "admin_login": "3xx to the admin login page with next= the requested path",
    "redirect": "any other 3xx (e.g. allauth sends signed-in people from login/signup home)",
    "unauthorized": "401 (the API without a session)",
    "invalid": "400: the request was understood and its (empty) input refused, e.g. a POST "
    "row walked with an empty body by someone allowed to act there",
    "forbidden": "403",
    "deny": "404 that is byte-for-byte the answer for a missing object (same status, same "
    "body once CSRF tokens are masked); for a WebSocket: rejected with the close code of a "
    "missing object",
    "missing": "404 because there is nothing there for this person (no object is involved, "
    "e.g. recovery codes of someone without two-factor authentication)",
    "reject": "WebSocket only: the connection is closed before it is accepted",
    "na": "not applicable: the cell is not requested (e.g. 'own' for an anonymous visitor)",
}
HTTP_OUTCOMES: Final = frozenset(OUTCOMES) - {"reject"}
WS_OUTCOMES: Final = frozenset({"ok", "reject", "deny", "na"})

FIXED_COLUMNS: Final[tuple[str, ...]] = ("route", "method", "path", "relation")
NOTES_COLUMN: Final = "notes"
PLACEHOLDER_RE: Final = re.compile(r"\{([a-z_]+)\}")


class MatrixError(ValueError):
    """The CSV is malformed: unknown columns, outcomes or relations, duplicate rows."""


@dataclass(frozen=True)
class MatrixRow:
    route: str
    method: str
    path: str
    relation: str
    outcomes: Mapping[str, str]
    notes: str = ""
    line: int = 0

    @property
    def is_glob(self) -> bool:
        return any(ch in self.route for ch in "*?[")

    @property
    def is_websocket(self) -> bool:
        return self.method == WS_METHOD

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(PLACEHOLDER_RE.findall(self.path))

    @property
    def label(self) -> str:
        """Method, route and relation: how a failure names the row."""
        if self.relation == NO_RELATION:
            return f"{self.method} {self.route}"
        return f"{self.method} {self.route} [{self.relation}]"

    def covers(self, key: str) -> bool:
        return fnmatch.fnmatchcase(key, self.route) if self.is_glob else key == self.route


@dataclass(frozen=True)
class Route:
    key: str
    kind: Literal["http", "ws"]
    path: str
    name: str | None = None


@dataclass(frozen=True)
class Coverage:
    missing: tuple[Route, ...] = field(default_factory=tuple)
    stale: tuple[MatrixRow, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.stale

    def describe(self) -> str:
        lines: list[str] = []
        if self.missing:
            lines.append("Routes missing from docs/authz_matrix.csv (add a row for each):")
            lines += [f"  {r.key}  ({r.kind} /{r.path})" for r in self.missing]
        if self.stale:
            lines.append("Rows in docs/authz_matrix.csv naming no existing route:")
            lines += [f"  line {r.line}: {r.route}" for r in self.stale]
        return "\n".join(lines)


# --- Loading the table ------------------------------------------------------------------------


def parse_matrix(text: str, *, source: str = "<matrix>") -> list[MatrixRow]:
    """Parse and validate the CSV text. Raises MatrixError naming the line at fault."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or ()]
    expected = [*FIXED_COLUMNS, *ROLES]
    extra = [h for h in header if h not in expected and h != NOTES_COLUMN]
    if header[: len(expected)] != expected or extra:
        raise MatrixError(
            f"{source}: header must be {','.join(expected)}[,{NOTES_COLUMN}]; got {header}"
        )
    rows: list[MatrixRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    for raw in reader:
        line = reader.line_num
        cells = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            raise MatrixError(f"{source}:{line}: more cells than columns")
        if not any(cells.values()):
            continue
        row = _parse_row(cells, line=line, source=source)
        ident = (row.route, row.method, row.relation)
        if ident in seen:
            raise MatrixError(f"{source}:{line}: duplicate of line {seen[ident]} ({row.label})")
        seen[ident] = line
        rows.append(row)
    return rows


def _parse_row(cells: Mapping[str, str], *, line: int, source: str) -> MatrixRow:
    where = f"{source}:{line}"
    route, method = cells["route"], cells["method"].upper()
    path, relation = cells["path"], cells["relation"] or NO_RELATION
    if not route:
        raise MatrixError(f"{where}: empty route")
    if method != WS_METHOD and method not in METHODS:
        raise MatrixError(f"{where}: unknown method {method!r}")
    if relation not in RELATIONS:
        raise MatrixError(f"{where}: unknown relation {relation!r} (one of {RELATIONS})")
    if not path.startswith("/"):
        raise MatrixError(f"{where}: the sample path must start with '/': {path!r}")
    allowed = WS_OUTCOMES if method == WS_METHOD else HTTP_OUTCOMES
    outcomes: dict[str, str] = {}
    for role in ROLES:
        outcome = cells.get(role, "")
        if outcome not in allowed:
            raise MatrixError(
                f"{where}: {route} × {role}: unknown outcome {outcome!r} "
                f"(one of {', '.join(sorted(allowed))})"
            )
        outcomes[role] = outcome
    return MatrixRow(
        route=route,
        method=method,
        path=path,
        relation=relation,
        outcomes=outcomes,
        notes=cells.get(NOTES_COLUMN, ""),
        line=line,
    )


def load_matrix(path: Path | str = MATRIX_PATH) -> list[MatrixRow]:
    path = Path(path)
    return parse_matrix(path.read_text(encoding="utf-8"), source=path.name)


def row_for(rows: Sequence[MatrixRow], key: str, method: str) -> MatrixRow | None:
    """The row that decides ``key`` (relation ``-``): an exact row, else the most specific glob
    covering it (the one with the most literal characters). Two equally specific globs are an
    error."""
    candidates = [
        r for r in rows if r.method == method and r.relation == NO_RELATION and r.covers(key)
    ]
    exact = [r for r in candidates if not r.is_glob]
    if exact:
        return exact[0]
    if not candidates:
        return None

    def literal(row: MatrixRow) -> int:
        return len(re.sub(r"[*?]|\[[^\]]*\]", "", row.route))

    best = max(literal(r) for r in candidates)
    top = [r for r in candidates if literal(r) == best]
    if len(top) > 1:
        raise MatrixError(f"{key}: globs {[r.route for r in top]} are equally specific")
    return top[0]


# --- Walking the routes -----------------------------------------------------------------------


def _join(namespace: str | None, inner: str | None) -> str | None:
    if namespace and inner:
        return f"{namespace}:{inner}"
    return inner or namespace


def iter_url_routes(
    patterns: Iterable[URLPattern | URLResolver] | None = None,
    *,
    prefix: str = "",
    namespace: str | None = None,
) -> list[Route]:
    """Every URL pattern reachable from ``patterns`` (default: the root URLconf)."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    routes: list[Route] = []
    for pattern in patterns:
        full = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += iter_url_routes(
                pattern.url_patterns, prefix=full, namespace=_join(namespace, pattern.namespace)
            )
        else:
            name = _join(namespace, pattern.name) if pattern.name else None
            key = name or (f"{namespace}:/{full}" if namespace else f"/{full}")
            routes.append(Route(key=key, kind="http", path=full, name=name))
    return routes


def iter_websocket_routes(
    patterns: Iterable[Any] | None = None, *, prefix: str = ""
) -> list[Route]:
    """Every route of the Channels router (default: ``config.routing``), nested routers too."""
    if patterns is None:
        from config.routing import websocket_urlpatterns

        patterns = websocket_urlpatterns
    routes: list[Route] = []
    for pattern in patterns:
        full = prefix + str(pattern.pattern)
        inner = getattr(getattr(pattern, "callback", None), "routes", None)
        if isinstance(pattern, URLResolver):
            inner = pattern.url_patterns
        if inner is not None:
            routes += iter_websocket_routes(inner, prefix=full)
            continue
        name: str | None = getattr(pattern, "name", None)
        key = f"ws:{name}" if name else f"ws:/{full}"
        routes.append(Route(key=key, kind="ws", path=full, name=name))
    return routes


def all_routes(
    url_patterns: Iterable[URLPattern | URLResolver] | None = None,
    ws_patterns: Iterable[Any] | None = None,
) -> list[Route]:
    return [*iter_url_routes(url_patterns), *iter_websocket_routes(ws_patterns)]


def check_coverage(rows: Sequence[MatrixRow], routes: Sequence[Route]) -> Coverage:
    """Routes no row covers, and rows (or globs) covering no route.

    WebSocket rows (method ``WS``) cover WebSocket routes only, other rows URL routes only.
    """

    def same_kind(row: MatrixRow, route: Route) -> bool:
        return row.is_websocket == (route.kind == "ws")

    missing = tuple(
        route
        for route in routes
        if not any(same_kind(row, route) and row.covers(route.key) for row in rows)
    )
    stale = tuple(
        row for row in rows if not any(same_kind(row, r) and row.covers(r.key) for r in routes)
    )
    return Coverage(missing=missing, stale=stale)


# --- Classifying answers ----------------------------------------------------------------------

CSRF_RE: Final = re.compile(
    rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]+(")'
)


def mask_csrf(body: bytes) -> bytes:
    """The page with every CSRF token replaced, so two renders can be compared."""
    return CSRF_RE.sub(rb"\1<csrf>\2", body)


def _redirect_next(location: str, target: str, requested: str) -> bool:
    parts = urlsplit(location)
    return parts.path == target and parse_qs(parts.query).get("next") == [requested]


def classify_http(
    status: int, location: str, *, requested: str, login_url: str, admin_login_url: str
) -> str:
    """The observed outcome of an HTTP answer, in the table's vocabulary.

    404 is reported as ``not_found`` (the table's ``deny`` and ``missing`` both expect it);
    statuses outside the vocabulary as ``status_<n>``.
    """
    if 200 <= status < 300:
        return "ok"
    if 300 <= status < 400:
        if _redirect_next(location, login_url, requested):
            return "login"
        if _redirect_next(location, admin_login_url, requested):
            return "admin_login"
        return "redirect"
    return {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found"}.get(
        status, f"status_{status}"
    )


def classify_ws(accepted: bool) -> str:
    return "ok" if accepted else "reject"


def outcome_matches(expected: str, observed: str, *, websocket: bool = False) -> bool:
    """Does the observed outcome satisfy the table's? (``deny`` also needs the body or close
    code compared with a missing object's, which the matrix test does.)"""
    if expected == "deny":
        return observed == ("reject" if websocket else "not_found")
    if expected == "missing":
        return observed == "not_found"
    return expected == observed
