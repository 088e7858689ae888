"""The production smoke test: ``make serve`` exactly as deployed, walked by every role.

``scripts/serve.sh`` (DEBUG off, ``check --deploy``, ``collectstatic`` into the hashed
manifest, ``migrate``, two uvicorn worker processes behind one port and a Huey consumer) runs
on a fresh PostgreSQL database and Redis, behind a simulated TLS proxy: the test connects from
127.0.0.1, which is ``TRUSTED_PROXIES``, and sends ``X-Forwarded-Proto: https`` as the proxy
would. A user of every role of the authorization matrix is created through the services
(``tests/production_world.py``; demo logins are refused with DEBUG off), signs in through the
real login form, and requests every GET route of the matrix with the placeholders filled as
the matrix walk fills them. Then:

* 0 answers of 5xx, and every answer is the outcome the matrix gives that role;
* static assets are served from the manifest with far-future caching;
* the Chart.js page (/staff/analytics/) renders its charts in Chromium with no CSP violation;
* login rate limits count across the two worker processes and across a restart (the shared
  cache), and ``X-Forwarded-For`` is believed only from a trusted proxy.

It runs in the PostgreSQL + Redis pass of ``make test`` and is skipped (with the reason) on
the SQLite pass. This is the test that would have caught a deployment answering 500 on every
page while ``check --deploy`` passed.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.authz import classify_http, outcome_matches
from tests.rooms_servers import free_port

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = "peerpath_smoke"
REDIS_DB = 15
START_TIMEOUT = 240.0
LOGIN_URL = "/accounts/login/"
ADMIN_LOGIN_URL = "/admin/login/"
CHROMIUM = Path("/usr/bin/chromium")
logging.getLogger("httpx").setLevel(logging.WARNING)

_db_url = os.environ.get("DATABASE_URL", "")
_redis_url = os.environ.get("REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not (_db_url.startswith("postgres") and _redis_url.startswith("redis")),
    reason="the production smoke test runs in the PostgreSQL + Redis pass (make pytest-services)",
)


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return parts._replace(path=f"/{name}").geturl()


def _fresh_database(url: str, name: str) -> None:
    import psycopg

    admin = _with_db(url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _fresh_redis(url: str, db: int) -> str:
    import redis

    target = _with_db(url, str(db))
    redis.Redis.from_url(target).flushdb()
    return target


@dataclass
class Site:
    url: str
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    world: dict[str, Any] = field(default_factory=dict)
    builder: subprocess.Popen[str] | None = None

    def next_cells(self) -> dict[str, Any]:
        """The world builder's next phase (tests/production_world.py), as JSON."""
        assert self.builder is not None
        assert self.builder.stdout is not None
        line = self.builder.stdout.readline()
        assert line.startswith("{"), f"the world builder failed: {line!r} (see world.log)"
        loaded: dict[str, Any] = json.loads(line)
        return loaded

    def objects_cells(self) -> list[dict[str, str]]:
        """Let the builder create the objects of the matrix's object rows, and their cells."""
        assert self.builder is not None
        assert self.builder.stdin is not None
        self.builder.stdin.write("go\n")
        self.builder.stdin.flush()
        cells: list[dict[str, str]] = self.next_cells()["cells"]
        self.builder.wait(timeout=60)
        return cells

    def start(self, *, setup: bool) -> None:
        env = {**self.env, "SERVE_SKIP_SETUP": "0" if setup else "1"}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603
                ["/bin/bash", str(ROOT / "scripts" / "serve.sh")],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"make serve stopped:\n{self.tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"make serve did not answer in {START_TIMEOUT:.0f} s:\n{self.tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("serve")
    _fresh_database(_db_url, DATABASE)
    port = free_port()
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PEERPATH_E2E"))}
    env = {
        **keep,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": _with_db(_db_url, DATABASE),
        "REDIS_URL": _fresh_redis(_redis_url, REDIS_DB),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "TRUSTED_PROXIES": "127.0.0.1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_URL": f"filemail://{tmp / 'mail'}",
        "BIN": str(Path(PYTHON).parent),
    }
    server = Site(url=f"http://127.0.0.1:{port}", env=env, log=tmp / "serve.log")
    try:
        server.start(setup=True)
        builder = subprocess.Popen(  # noqa: S603
            [PYTHON, str(ROOT / "tests" / "production_world.py")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log_of(tmp / "world.log"),
            text=True,
        )
        server.builder = builder
        server.world = server.next_cells()
        yield server
    finally:
        if server.builder is not None and server.builder.poll() is None:
            server.builder.kill()
        server.stop()


def log_of(path: Path) -> Any:
    return path.open("w")


# --- A browser-less client behind the simulated TLS proxy ---------------------------------------


class Visitor:
    """One person's session against the site, as a TLS proxy would forward it.

    The cookies are ``Secure`` (DEBUG is off), so they are kept by hand: an HTTP client's cookie
    jar would rightly refuse to send them over the plain hop from the proxy."""

    def __init__(self, site: Site, *, forwarded_for: str | None = None) -> None:
        self.site = site
        self.cookies: dict[str, str] = {}
        origin = site.url.replace("http://", "https://")
        self.headers = {"X-Forwarded-Proto": "https", "Origin": origin}
        if forwarded_for:
            self.headers["X-Forwarded-For"] = forwarded_for
        self.client = httpx.Client(base_url=site.url, timeout=30, follow_redirects=False)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers = {**self.headers, **({"Cookie": cookie} if cookie else {})}
        headers.update(kwargs.pop("headers", {}))
        response = self.client.request(method, path, headers=headers, **kwargs)
        for name, value in response.cookies.items():
            self.cookies[name] = value
        return response

    def get(self, path: str) -> httpx.Response:
        return self._send("GET", path)

    def login(self, username: str, password: str) -> httpx.Response:
        form = self.get(LOGIN_URL)
        assert form.status_code == 200, form.status_code
        token = self.cookies["csrftoken"]
        return self._send(
            "POST",
            LOGIN_URL,
            data={"login": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": self.headers["Origin"] + LOGIN_URL},
        )


def _signed_in(site: Site, role: str) -> Visitor:
    visitor = Visitor(site)
    if role == "anonymous":
        return visitor
    answer = visitor.login(site.world["users"][role], site.world["password"])
    assert answer.status_code == 302, f"{role} could not sign in: {answer.status_code}"
    assert "sessionid" in visitor.cookies
    return visitor


# --- Every GET route, every role --------------------------------------------------------------


def test_every_get_route_of_the_matrix_for_every_role(site: Site) -> None:
    plain: list[dict[str, str]] = site.world["cells"]
    roles = sorted({c["role"] for c in plain})
    visitors = {role: _signed_in(site, role) for role in roles}
    problems, errors = _walk(site, visitors, plain)
    with_objects = site.objects_cells()  # the rows naming objects, once those exist
    more_problems, more_errors = _walk(site, visitors, with_objects)
    problems += more_problems
    errors += more_errors
    cells = len(plain) + len(with_objects)
    assert cells > 1000, f"only {cells} cells: the world or the matrix is incomplete"
    assert not errors, f"{len(errors)} answers of 5xx:\n" + "\n".join(errors) + "\n" + site.tail()
    assert not problems, "\n".join(problems)


def _walk(
    site: Site, visitors: dict[str, Visitor], cells: list[dict[str, str]]
) -> tuple[list[str], list[str]]:
    """(outcome mismatches, 5xx answers) over ``cells``."""

    def probe(cell: dict[str, str]) -> tuple[dict[str, str], int, str]:
        response = visitors[cell["role"]].get(cell["path"])
        return cell, response.status_code, response.headers.get("location", "")

    problems: list[str] = []
    errors: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        for cell, status, location in pool.map(probe, cells):
            label = f"{cell['route']} {cell['path']} as {cell['role']}"
            if status >= 500:
                errors.append(f"{label}: {status}")
                continue
            observed = classify_http(
                status,
                location,
                requested=cell["path"],
                login_url=LOGIN_URL,
                admin_login_url=ADMIN_LOGIN_URL,
            )
            if not outcome_matches(cell["expected"], observed):
                problems.append(f"{label}: expected {cell['expected']}, got {status} {location}")
    return problems, errors


def test_static_assets_come_from_the_manifest_with_far_future_caching(site: Site) -> None:
    home = Visitor(site).get("/")
    assert home.status_code == 200
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', home.text)
    assert assets, "the home page links no static asset"
    for asset in assets:
        # Hashed by the manifest storage: name.<12 hex>.ext
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", asset), asset
        answer = Visitor(site).get(asset)
        assert answer.status_code == 200, asset
        cache = answer.headers.get("cache-control", "")
        max_age = int(m.group(1)) if (m := re.search(r"max-age=(\d+)", cache)) else 0
        assert max_age >= 365 * 24 * 3600, f"{asset}: Cache-Control {cache!r}"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed")
def test_the_chart_page_renders_its_charts_in_chromium(site: Site) -> None:
    from playwright.sync_api import sync_playwright

    staff = _signed_in(site, "staff")
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            context = browser.new_context(extra_http_headers={"X-Forwarded-Proto": "https"})
            context.add_cookies(
                [
                    {"name": k, "value": v, "url": site.url, "secure": False}
                    for k, v in staff.cookies.items()
                ]
            )
            page = context.new_page()
            page.on(
                "console",
                lambda m: problems.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            answer = page.goto(f"{site.url}/staff/analytics/")
            assert answer is not None
            assert answer.status == 200
            page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length > 0")
            charts = page.evaluate(
                """() => Object.values(Chart.instances).map(c => ({
                    points: c.data.datasets.reduce((n, d) => n + d.data.length, 0),
                    width: c.width, height: c.height}))"""
            )
            canvases = page.locator("canvas").count()
        finally:
            browser.close()
    assert charts, "no chart was drawn"
    assert len(charts) == canvases, f"{len(charts)} charts for {canvases} canvases"
    assert all(c["width"] > 0 and c["height"] > 0 for c in charts), charts
    assert not problems, "browser errors (CSP violations included):\n" + "\n".join(problems)


# --- Login rate limits: shared by the workers, kept over a restart, not fooled by XFF -----------


LIMITED = "Too many failed login attempts"


def _login_attempts(site: Site, logins: list[tuple[str, str]]) -> list[str]:
    """For each (username, forwarded_for): ``checked`` when the password was checked (and found
    wrong), ``limited`` when the rate limit refused before checking."""
    outcomes = []
    for username, forwarded_for in logins:
        # A new connection each time, so the kernel spreads them over both worker processes.
        visitor = Visitor(site, forwarded_for=forwarded_for)
        answer = visitor.login(username, "not-the-password-2026")
        visitor.client.close()
        assert answer.status_code in (400, 429), answer.status_code
        outcomes.append("limited" if LIMITED in answer.text else "checked")
    return outcomes


def test_login_limits_count_across_processes_restarts_and_forged_addresses(site: Site) -> None:
    victim = site.world["users"]["adult_member"]
    # 5 failures per account in 5 minutes: with two processes counting apart, up to 10 got in.
    outcomes = _login_attempts(site, [(victim, f"198.51.100.{n}") for n in range(16)])
    assert outcomes == ["checked"] * 5 + ["limited"] * 11, outcomes

    # A restart keeps the counts (the cache is Redis, not the processes' memory).
    site.stop()
    site.start(setup=False)
    assert _login_attempts(site, [(victim, "198.51.100.99")]) == ["limited"]

    # Password spraying from one address, rotating a forged X-Forwarded-For entry: the trusted
    # proxy appends the real client address, which is the one counted (10 a minute per address).
    sprayed = _login_attempts(
        site, [(f"w-sprayed-{n}", f"10.{n}.{n}.{n}, 203.0.113.9") for n in range(30)]
    )
    assert sprayed.count("checked") == 10, sprayed
    assert sprayed[10:] == ["limited"] * 20, sprayed

    # A client that is not a trusted proxy cannot claim an address (or https) at all.
    with httpx.Client(
        base_url=site.url,
        transport=httpx.HTTPTransport(local_address="127.0.0.2"),
        follow_redirects=False,
    ) as direct:
        forged = direct.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert forged.status_code == 301, "a direct client claimed https through X-Forwarded-Proto"
    assert forged.headers["location"].startswith("https://")


def test_the_site_is_served_with_debug_off(site: Site) -> None:
    missing = Visitor(site).get("/no-such-page-anywhere/")
    assert missing.status_code == 404
    assert "Traceback" not in missing.text
