"""Browser tests: the real ASGI app served by uvicorn in a thread, driven by Chromium.

Run them with ``make e2e`` (``PEERPATH_E2E=1 pytest -m e2e``): that setting gives the test
database a file, so the server thread and the test see the same committed rows.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from django.conf import settings
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    sync_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
E2E_DIR = Path(__file__).resolve().parent
SERVER_START_TIMEOUT = 15.0


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is a browser test: mark it before ``-m`` selects."""
    for item in items:
        if E2E_DIR in item.path.resolve().parents:
            item.add_marker(pytest.mark.e2e)


# --- Content-Security-Policy and Permissions-Policy violations fail every browser test ------

# What Chromium writes to the console when a policy refuses something ("Refused to execute
# inline script because it violates the following Content Security Policy directive...")
# or cannot read a policy ("Error with Permissions-Policy header: Unrecognized feature").
POLICY_CONSOLE_MARKERS = (
    "Content Security Policy",
    "Content-Security-Policy",
    "Refused to",
    "Permissions-Policy",
    "Permissions policy",
)
# Every page of every context also reports the DOM's securitypolicyviolation event, so a
# violation is caught even where Chromium would not log it.
REPORT_VIOLATIONS_SCRIPT = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("Content Security Policy violation: " + e.effectiveDirective + " refused "
    + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
}, true);
"""
POLICY_VIOLATIONS = pytest.StashKey[list[str]]()


@pytest.fixture(autouse=True)
def _fail_on_policy_violations(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Watch every browser context a test opens (the ``page`` fixture's and the test's own
    ``browser.new_context()``); pytest_runtest_call below fails the test on any violation."""
    if "browser" not in request.fixturenames:
        return
    browser: Browser = request.getfixturevalue("browser")
    violations = request.node.stash.setdefault(POLICY_VIOLATIONS, [])
    new_context = browser.new_context

    def on_console(msg: ConsoleMessage) -> None:
        if any(marker in msg.text for marker in POLICY_CONSOLE_MARKERS):
            violations.append(f"{msg.type}: {msg.text} @ {msg.location.get('url', '')}")

    def watched_new_context(*args: Any, **kwargs: Any) -> BrowserContext:
        context = new_context(*args, **kwargs)
        context.add_init_script(REPORT_VIOLATIONS_SCRIPT)
        context.on("console", on_console)
        return context

    monkeypatch.setattr(browser, "new_context", watched_new_context)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    result = yield
    violations = item.stash.get(POLICY_VIOLATIONS, [])
    if violations:
        pytest.fail(
            "The browser reported security-policy violations (fix the template or script, "
            "not the policy):\n" + "\n".join(dict.fromkeys(violations)),
            pytrace=False,
        )
    return result


# --- Server --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveServer:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def _require_shared_test_database() -> None:
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3" and not os.environ.get("PEERPATH_E2E"):
        pytest.fail(
            "Browser tests need PEERPATH_E2E=1 so the SQLite test database is a file the "
            "server thread can share. Run them with `make e2e`.",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def live_asgi_server(django_db_setup: None, django_db_blocker: Any) -> Iterator[LiveServer]:
    """config.asgi.application (Django over HTTP, Channels over WebSocket) on a free port."""
    _require_shared_test_database()
    from config.asgi import application

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    config = uvicorn.Config(
        application,
        host=host,
        port=port,
        lifespan="on",  # config.asgi: marks the server process, starts the embedded live relay
        loop="asyncio",
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)  # off the main thread it leaves signals alone
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:  # reported to the test session below
            errors.append(exc)

    with django_db_blocker.unblock():
        thread = threading.Thread(target=serve, name="e2e-uvicorn", daemon=True)
        thread.start()
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not server.started:
            if errors or not thread.is_alive():
                pytest.fail(f"uvicorn did not start: {errors!r}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not start within {SERVER_START_TIMEOUT}s")
            time.sleep(0.02)
        try:
            yield LiveServer(host, port)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()
    if thread.is_alive():
        pytest.fail("uvicorn did not shut down within 10s")
    if errors:
        pytest.fail(f"uvicorn stopped with an error: {errors!r}")


@pytest.fixture(autouse=True)
def _committed_db(transactional_db: None) -> None:
    """Browser tests commit, so the server thread sees their rows. (The flush after each
    test re-creates the reference topics and languages through post_migrate.)"""


# --- Browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
            "`make e2e` (or `make test`) installs it with apt-get install chromium.",
            pytrace=False,
        )
    # Playwright's sync API keeps an event loop in this thread; Django would otherwise refuse
    # ORM calls made by the tests (and by transactional_db's flush) while it is alive.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class BrowserProblems:
    """What went wrong in the page: console errors, uncaught exceptions, failed requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    bad_static: list[str] = field(default_factory=list)
    static_ok: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.console_errors, *self.page_errors, *self.failed_requests, *self.bad_static]

    def clear(self) -> None:
        for bucket in (
            self.console_errors,
            self.page_errors,
            self.failed_requests,
            self.bad_static,
            self.static_ok,
        ):
            bucket.clear()


@pytest.fixture
def browser_problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def page(
    browser: Browser, live_asgi_server: LiveServer, browser_problems: BrowserProblems
) -> Iterator[Page]:
    context = browser.new_context(base_url=live_asgi_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    static_prefix = f"{live_asgi_server.url}{settings.STATIC_URL}"

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            browser_problems.console_errors.append(f"console: {msg.text} @ {msg.location}")

    def on_request_failed(request: Request) -> None:
        # The browser aborts what a page was still loading when the test moves on (a click
        # that navigates, an htmx request replaced by a newer one): not a failure of ours.
        # Refused, reset or 4xx/5xx responses are still caught (here and in bad_static).
        if request.failure == "net::ERR_ABORTED":
            return
        browser_problems.failed_requests.append(
            f"request failed: {request.method} {request.url} ({request.failure})"
        )

    def on_response(response: Response) -> None:
        if response.url.startswith(static_prefix):
            if response.status >= 400:
                browser_problems.bad_static.append(f"static {response.status}: {response.url}")
            else:
                browser_problems.static_ok.append(response.url)

    pg.on("console", on_console)
    pg.on("pageerror", lambda exc: browser_problems.page_errors.append(f"page error: {exc}"))
    pg.on("requestfailed", on_request_failed)
    pg.on("response", on_response)
    try:
        yield pg
    finally:
        context.close()
