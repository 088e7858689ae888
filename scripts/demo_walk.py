"""Walk the demo in a real browser, as every demo login, and fail on what a person would trip on.

    make demo                                   # in one terminal
    .venv/bin/python scripts/demo_walk.py       # in another (BASE_URL to point elsewhere)

Environment: BASE_URL (default http://127.0.0.1:8000); WALK_LOGINS, a comma-separated subset
of the demo logins; WALK_MAX_PAGES, pages per login (default 60); WALK_FLOWS=0 skips the
issue 7 flows; WALK_VERBOSE=1 prints every page as it is walked.

First the community-programs flows of issue 7, which change the demo as a person would:

1. A new listener signs up, joins the Listener onboarding cohort, answers both written
   discussions and replies to two fellow trainees in each, browses the mentor directory and
   saves a mentor: the program is complete.
2. ``demo-mentor`` volunteers for an open host slot of a coming AMA, and marks the drop-in
   they are hosting right now as held, ticking who came.
3. ``demo-mentor`` (a listener) reads their anonymized feedback.
4. ``demo-staff`` opens the partner dashboard from the header, the analytics, filters the
   mentorships to those with no conversation and messages one pair.

Then every demo login signs in and walks the pages it uses: the pages of ``LOGINS`` first,
then whatever the header, the page navigation and the pages' own links lead to (same origin,
GET only, nothing that changes state or downloads: ``SKIP``), at most WALK_MAX_PAGES pages and
``PER_SHAPE`` pages of one URL shape (three mentors, three rooms, three admin lists...). On
every page it checks that

- the page answered below 500, and a link on one of our pages did not lead to a 404;
- the browser reported no console error, uncaught page error, failed request or
  Content-Security-Policy violation (the rules of tests/e2e/conftest.py);
- every number that stands for what another page lists agrees with that page (``COUNTS``: the
  bell and the notifications, "Mock chat passed 1" and the mock chats, "N open" and the open
  host slots...).

Every failure is collected; the walk ends with the list and exits 1 when there is any. Not part
of ``make test`` (it needs the seeded demo community): the apps' own tests cover each rule.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Request,
    Response,
    expect,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# One home for how the browser runs and what counts as a policy violation: the e2e tests'.
from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    POLICY_CONSOLE_MARKERS,
    REPORT_VIOLATIONS_SCRIPT,
)

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
PASSWORD = "peerpath-demo"  # noqa: S105 - the documented demo password
MAX_PAGES = int(os.environ.get("WALK_MAX_PAGES", "60"))
PER_SHAPE = 3  # pages of one URL shape a login walks (the listed pages are not counted)
MAX_HOLDERS = 4  # numbers of one kind followed per page (the first few event cards...)
MAX_LIST_PAGES = 20  # pages of one paginated list counted
VERBOSE = os.environ.get("WALK_VERBOSE", "") == "1"

# --- Who walks where -----------------------------------------------------------------------

EVERYONE = (
    "/",
    "/path/",
    "/path/buddies/",
    "/path/mock-chats/",
    "/mentors/",
    "/mentorships/",
    "/rooms/",
    "/training/",
    "/events/",
    "/resources/",
    "/spotlights/",
    "/feedback/",
    "/notifications/",
    "/notifications/preferences/",
    "/accounts/profile/",
)
MENTOR = ("/mentors/settings/", "/events/rota/", "/safety/alerts/")
STAFF = (
    "/staff/",
    "/staff/safety/",
    "/staff/analytics/",
    "/staff/mentorships/",
    "/mentorships/staff/matching/",
    "/nudges/",
    "/path/reviews/",
    "/events/rota/",
    "/rooms/moderation/",
    "/admin/",
)
LOGINS: dict[str, tuple[str, ...]] = {
    "demo-member": EVERYONE,
    "demo-teen-member": EVERYONE,
    "demo-listener": EVERYONE,
    "demo-teen-listener": EVERYONE,
    "demo-mentor": EVERYONE + MENTOR,
    "demo-teen-mentor": EVERYONE + MENTOR,
    "demo-moderator": (*EVERYONE, "/rooms/moderation/", "/rooms/hosting/", "/safety/alerts/"),
    "demo-ambassador": (*EVERYONE, "/path/reviews/", "/staff/", "/staff/analytics/"),
    "demo-staff": EVERYONE + STAFF,
}

# Links never followed: leaving, downloads, and anything whose URL names a change of state
# (those are POST forms, but a stray GET link to one is no reason to risk it).
SKIP = re.compile(
    r"logout|unsubscribe|export|download|\.(csv|ics|json|xml|pdf|zip)$|^/api/"
    r"|/(delete|release|cancel|withdraw|accept|decline|join|rsvp|volunteer|held|publish|"
    r"read-all|read|hide|resolve|acknowledge|moderate|pause|unpause|start|end|block|report|"
    r"lift|handle|reject|reply|answer|saved-mentors|message|flags|check-ins|conversations|"
    r"cant-get-in-touch|slow-mode|history)(/|$)"
)
# Links taken first on these pages, past the per-shape cap: the parts of a page a person
# came for (a room they may enter rather than three locked ones).
PRIORITY: tuple[tuple[str, str], ...] = (
    (r"^/$", '[data-testid="dashboard-mentorship"] a'),
    (r"^/mentors/$", '[data-testid="mentor-card"] h3 a'),
    (r"^/mentorships/$", '#mentorships a[href^="/mentorships/"]'),
    (r"^/rooms/$", '[data-testid="room-card"][data-enterable="true"] h3 a'),
    (r"^/mentorships/staff/matching/$", 'main table a[href*="/matching/"]'),
    (r"^/nudges/$", '[data-testid="nudge-rule"] a'),
    (r"^/staff/safety/$", '[data-testid="safety-alert"] h2 a'),
    (r"^/admin/$", '#content-main th[scope="row"] a'),
)


# --- Numbers that promise what another page lists ------------------------------------------


@dataclass(frozen=True)
class Count:
    """A number on ``page`` (a path regex) in each ``holder`` element that stands for what the
    page it links to shows. The linked page's figure is the number of ``items`` there (whose
    text matches ``item_text``, over every page of the list through ``next_page``), or the
    first number in ``total`` there. ``link`` finds the link inside the holder (or is the
    holder itself); ``fallback`` is the page the number summarises when it has no link yet."""

    name: str
    page: str
    holder: str
    number: str = r"(\d[\d,]*)"
    link: str = "a[href]"
    fallback: str = ""
    items: str = ""
    item_text: str = ""
    next_page: str = ""
    total: str = ""

    def __post_init__(self) -> None:
        if bool(self.items) == bool(self.total):
            raise ValueError(f"{self.name}: give items or total, not both")


ACTIVITY_ROW = 'section[aria-labelledby="activity-heading"] tr:has-text("{}")'
EVENT_SLOT_OPEN = r":\s*open\b"
COUNTS: tuple[Count, ...] = (
    Count(
        "bell: unread notifications",
        page=r".",
        holder="a[data-notifications-bell]",
        items='[data-testid="notification"].unread',
        next_page='nav.pager a:text-is("Older")',
    ),
    Count(
        "notifications: N unread",
        page=r"^/notifications/$",
        holder='[data-testid="notification-summary"]',
        fallback="/notifications/",
        items='[data-testid="notification"].unread',
        next_page='nav.pager a:text-is("Older")',
    ),
    Count(
        "dashboard: requests waiting",
        page=r"^/$",
        holder='[data-testid="waiting-requests"]',
        items='[data-testid="incoming-request"]',
    ),
    Count(
        "dashboard: proposed matches",
        page=r"^/$",
        holder='a[href$="#proposals"]',
        items='[data-testid="proposal"]',
    ),
    Count(
        "dashboard: mock chats passed",
        page=r"^/$",
        holder=ACTIVITY_ROW.format("Mock chat passed"),
        fallback="/path/mock-chats/",
        items='[data-testid="my-assessment"]',
        item_text=r"\bPassed\b",
    ),
    Count(
        "dashboard: positive reviews",
        page=r"^/$",
        holder=ACTIVITY_ROW.format("Positive review received"),
        fallback="/feedback/",
        total='[data-testid="aggregate"] dt:has-text("Positive") + dd',
    ),
    Count(
        "dashboard: trainings completed",
        page=r"^/$",
        holder=ACTIVITY_ROW.format("Training completed"),
        fallback="/training/",
        items='[data-testid="program-card"]',
        item_text=r"\bCompleted on\b",
    ),
    Count(
        "training: discussions complete",
        page=r"^/training/$",
        holder='[data-testid="program-card"]:has(.status:has-text("In progress"))',
        number=r"(\d+) of \d+ discussions complete",
        link="h2 a",
        total='[data-testid="program-status"]',
    ),
    Count(
        "events: places taken",
        page=r"^/events/$",
        holder='[data-testid="event-card"]',
        number=r"(\d+) of \d+ places taken",
        total='[data-testid="places"]',
    ),
    Count(
        "events: host slots open",
        page=r"^/events/$",
        holder='[data-testid="event-card"]',
        number=r"(\d+) host slots? open",
        items='[data-testid="slot"]',
        item_text=EVENT_SLOT_OPEN,
    ),
    Count(
        "rota: host slots open",
        page=r"^/events/rota/$",
        holder='[data-testid="open-event"]',
        number=r"(\d+) open\s*$",
        items='[data-testid="slot"]',
        item_text=EVENT_SLOT_OPEN,
    ),
    Count(
        "staff: alerts unacknowledged in the staff queue",
        page=r"^/staff/$",
        holder='[data-testid="triage-queue-link"]',
        number=r"(\d+) of them in the staff queue",
        total='[data-testid="queue-summary"]',
    ),
    Count(
        "staff: safeguarding queue waiting",
        page=r"^/staff/$",
        holder='[data-testid="link-safety-queue"]',
        number=r"\((\d+) open\)",
        total='[data-testid="queue-summary"]',
    ),
)


# --- What went wrong -----------------------------------------------------------------------


@dataclass
class Walk:
    """One login's walk: where it went and what failed (each failure names its page)."""

    login: str
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pages: int = 0
    counts_checked: int = 0
    counts_seen: set[tuple[str, str]] = field(default_factory=set)
    visited: list[str] = field(default_factory=list)
    here: str = ""

    def fail(self, what: str, url: str | None = None) -> None:
        self.failures.append(f"{path_of(url or self.here) or url or '-'}: {what}")

    def note(self, what: str, url: str | None = None) -> None:
        self.notes.append(f"{path_of(url or self.here) or url or '-'}: {what}")


def path_of(url: str) -> str:
    """The path and query of a URL of ours ('' for another origin)."""
    parts = urlsplit(url)
    if parts.scheme and f"{parts.scheme}://{parts.netloc}" != BASE:
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


def watch(page: Page, walk: Walk) -> None:
    """Record the browser's complaints against the page being walked."""

    def on_console(msg: ConsoleMessage) -> None:
        text = msg.text
        if any(marker in text for marker in POLICY_CONSOLE_MARKERS):
            walk.fail(f"security policy: {text}")
        elif msg.type == "error":
            # The document's own 4xx is judged from its status (a locked room is a 403).
            location = msg.location.get("url", "")
            if text.startswith("Failed to load resource") and path_of(location) == walk.here:
                return
            walk.fail(f"console error: {text} @ {path_of(location) or location}")

    def on_request_failed(request: Request) -> None:
        if request.failure != "net::ERR_ABORTED":  # a navigation cut short a load
            walk.fail(f"request failed: {request.method} {request.url} ({request.failure})")

    def on_response(response: Response) -> None:
        request = response.request
        if request.resource_type == "document" and request.frame == page.main_frame:
            return  # judged by visit()
        if response.status >= 500 or response.status == 404:
            walk.fail(f"{request.method} {path_of(response.url)} answered {response.status}")

    page.on("console", on_console)

    def on_page_error(exc: PlaywrightError) -> None:
        frames = [line.strip() for line in (exc.stack or "").splitlines() if "at " in line]
        where = f" ({frames[0].removeprefix('at ').replace(BASE, '')})" if frames else ""
        walk.fail(f"uncaught page error: {exc.message}{where}")

    page.on("pageerror", on_page_error)
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)


@contextmanager
def browser_context(browser: Browser, walk: Walk) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(base_url=BASE, locale="en-GB")
    context.add_init_script(REPORT_VIOLATIONS_SCRIPT)
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch(page, walk)
    try:
        yield page
    finally:
        context.close()


# --- Walking -------------------------------------------------------------------------------


def shape_of(path: str) -> tuple[str, int, tuple[str, ...]]:
    """Pages of one shape: same first segment, same depth, same query keys (three mentors'
    pages, three rooms, three admin change lists...)."""
    parts = urlsplit(path)
    segments = [s for s in parts.path.split("/") if s]
    keys = tuple(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))
    return (segments[0] if segments else "", len(segments), keys)


def followable(href: str) -> str | None:
    """The path to walk for a link's absolute href, or None (another origin, a skipped
    URL, or not a page)."""
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != BASE:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if SKIP.search(parts.path) or SKIP.search(parts.query):
        return None
    return path


def settle(page: Page) -> None:
    """Let htmx's loads and the page's scripts finish (polling pages never go idle)."""
    with suppress(PlaywrightError):
        page.wait_for_load_state("networkidle", timeout=3_000)


def visit(page: Page, walk: Walk, path: str, via: str | None, *, crawl: bool = True) -> int | None:
    """Open a page; judge its status. Returns the status (None when it did not load). Only
    ``crawl`` visits count towards the login's cap (not the pages a number is checked on)."""
    walk.here = path
    if crawl:
        walk.pages += 1
    try:
        response = page.goto(path, wait_until="load")
    except PlaywrightError as exc:
        walk.fail(f"did not load: {exc.message.splitlines()[0]}")
        return None
    settle(page)
    status = response.status if response else 0
    walk.visited.append(f"{status} {path}")
    if VERBOSE:
        print(f"  {walk.login}: {status} {path}", flush=True)
    where = f" (linked from {via})" if via else " (a page this login uses)"
    final = path_of(page.url)
    if status >= 500:
        walk.fail(f"answered {status}{where}")
    elif status == 404:
        walk.fail(f"answered 404{where}")
    elif status >= 400:
        walk.note(f"answered {status}{where}")
    elif final.startswith("/accounts/login/") and not path.startswith("/accounts/login/"):
        walk.fail(f"sent to the log-in page{where}")
    return status


def links_on(page: Page) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(
        "a[href]:not([download])", "els => els.map(e => e.href)"
    )
    return hrefs


def priority_links(page: Page, path: str) -> list[str]:
    found: list[str] = []
    for pattern, selector in PRIORITY:
        if re.search(pattern, path.split("?")[0]):
            found += page.eval_on_selector_all(selector, "els => els.map(e => e.href)")[:2]
    return found


def walk_login(browser: Browser, login: str, pages: tuple[str, ...]) -> Walk:
    walk = Walk(login)
    with browser_context(browser, walk) as page:
        walk.here = "/accounts/login/"
        log_in(page, login)
        if page.get_by_role("button", name="Log out").count() == 0:
            walk.fail("could not sign in")
            return walk
        queue: deque[tuple[str, str | None]] = deque((p, None) for p in pages)
        listed = set(pages)
        seen: set[str] = set()
        shapes: Counter[tuple[str, int, tuple[str, ...]]] = Counter()
        while queue and walk.pages < MAX_PAGES:
            path, via = queue.popleft()
            if path in seen:
                continue
            seen.add(path)
            status = visit(page, walk, path, via)
            if status is None or status >= 400 or "html" not in content_type(page):
                continue
            here = path_of(page.url) or path
            first = [p for p in map(followable, priority_links(page, here)) if p]
            for chosen in reversed(first):
                if chosen not in seen:
                    queue.appendleft((chosen, here))
            for href in links_on(page):
                target = followable(href)
                if target is None or target in seen or target in listed:
                    continue
                shape = shape_of(target)
                if shapes[shape] >= PER_SHAPE:
                    continue
                shapes[shape] += 1
                listed.add(target)
                queue.append((target, here))
            check_counts(page, walk, here)
        walk.notes.append(f"{len(queue)} more links not walked (cap {MAX_PAGES})" if queue else "")
    return walk


def content_type(page: Page) -> str:
    try:
        value: str = page.evaluate("document.contentType")
    except PlaywrightError:
        return ""
    return value


# --- Counting ------------------------------------------------------------------------------


def number_in(text: str, pattern: str = r"(\d[\d,]*)") -> int | None:
    match = re.search(pattern, text, re.MULTILINE)
    return int(match.group(1).replace(",", "")) if match else None


def check_counts(page: Page, walk: Walk, path: str) -> None:
    """Check every number on this page that ``COUNTS`` knows against the page it links to."""
    bare = path.split("?")[0]
    promises: list[tuple[Count, int, str, str]] = []
    for rule in COUNTS:
        if not re.search(rule.page, bare):
            continue
        holders = page.locator(rule.holder)
        for i in range(min(holders.count(), MAX_HOLDERS)):
            holder = holders.nth(i)
            text = " ".join(holder.inner_text().split())
            shown = number_in(text, rule.number)
            if shown is None:
                continue
            href = link_of(holder, rule) or rule.fallback
            if not href:
                continue  # a figure this login sees without the page behind it
            target = followable(href) if "://" in href else href
            if not target:
                walk.fail(f"{rule.name}: '{text}' links nowhere we can follow ({href!r})")
                continue
            if (rule.name, target) not in walk.counts_seen:
                walk.counts_seen.add((rule.name, target))
                promises.append((rule, shown, target, text))
    by_target: dict[str, list[tuple[Count, int, str]]] = {}
    for rule, shown, target, text in promises:
        by_target.setdefault(target, []).append((rule, shown, text))
    for target, checks in by_target.items():
        # One visit per linked page; lists that page on (clicking "Older") are counted last.
        checks.sort(key=lambda check: bool(check[0].next_page))
        fresh = False
        for rule, shown, text in checks:
            walk.counts_checked += 1
            if not fresh:
                status = visit(page, walk, target, path, crawl=False)
                if status is None or status >= 400:
                    break
            found, fresh = figure_on(page, walk, rule, path)
            if found is not None and found != shown:
                walk.fail(f"{rule.name}: shows {shown} ('{text[:80]}'), {target} has {found}", path)


def link_of(holder: Locator, rule: Count) -> str:
    if holder.evaluate("e => e.tagName") == "A":
        href: str = holder.evaluate("e => e.href")
        return href
    links = holder.locator(rule.link)
    if links.count():
        inner: str = links.first.evaluate("e => e.href")
        return inner
    return ""


def figure_on(page: Page, walk: Walk, rule: Count, source: str) -> tuple[int | None, bool]:
    """The linked page's figure for ``rule``, and whether the page is still as it loaded."""
    if rule.total:
        element = page.locator(rule.total)
        value = number_in(element.first.inner_text()) if element.count() else None
        if value is None:
            walk.fail(f"{rule.name}: no number at {rule.total} (the page {source} promises one)")
        return value, True
    total, fresh = 0, True
    for _ in range(MAX_LIST_PAGES):
        for text in page.locator(rule.items).all_inner_texts():
            if not rule.item_text or re.search(rule.item_text, text):
                total += 1
        more = page.locator(rule.next_page) if rule.next_page else None
        if more is None or more.count() == 0:
            break
        more.first.click()
        page.wait_for_load_state("load")
        settle(page)
        fresh = False
    return total, fresh


# --- Signing in and the issue 7 flows ------------------------------------------------------


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_load_state("load")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_load_state("load")


class FlowFailed(Exception):
    pass


def onboarding(page: Page) -> None:
    name = f"walker-{secrets.token_hex(3)}"
    password = secrets.token_urlsafe(12)
    page.goto("/accounts/signup/")
    page.get_by_label("Pseudonym").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.org")
    page.locator("#id_password1").fill(password)
    page.locator("#id_password2").fill(password)
    page.get_by_label("Date of birth").fill("1995-05-17")
    page.get_by_role("radio", name="Listener", exact=True).check()
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_role("checkbox", name="English", exact=True).check()
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
    print(f"1. signed up as {name}")

    page.goto("/training/listener-onboarding/")
    page.get_by_role("button", name="Join").first.click()
    page.wait_for_load_state("load")
    for step in (1, 2):
        page.goto(f"/training/listener-onboarding/{step}/")
        page.get_by_label("Your answer").fill(
            f"My answer to step {step}: I want to listen without rushing to fix things."
        )
        page.get_by_role("button", name="Post my answer").click()
        expect(page.get_by_test_id("training-notice")).to_contain_text("Your answer is posted.")
        buttons = page.get_by_role("button", name="Reply to ")
        peers = [b.inner_text().removeprefix("Reply to ").strip() for b in buttons.all()]
        if len(peers) < 2:
            raise FlowFailed(f"step {step}: fellow trainees to reply to: {peers}")
        for n, peer in enumerate(peers[:2], start=1):
            page.get_by_label(f"Reply to {peer}").fill(f"Thank you {peer}, that rang true.")
            page.get_by_role("button", name=f"Reply to {peer}").click()
            if n < 2:
                expect(page.get_by_test_id("peer-count")).to_have_text("1 of 2 peer replies")
        expect(page.get_by_test_id("step-complete")).to_be_visible()
        print(f"   discussion {step}: answered and replied to {peers[:2]}: complete")
    page.goto("/training/listener-onboarding/3/")
    page.get_by_role("link", name="mentor directory").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_contain_text("entor")
    page.go_back()
    page.wait_for_load_state("load")
    page.get_by_role("link", name="save a mentor").click()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Save this mentor").first.click()
    page.wait_for_load_state("load")
    page.goto("/training/listener-onboarding/")
    for step in (1, 2, 3):
        expect(page.get_by_test_id(f"step-{step}")).to_have_attribute("data-state", "complete")
    expect(page.locator("body")).to_contain_text("complete")
    print("   discussion 3: browsed the mentors and saved one: program complete")
    log_out(page)


def mentor_hosts(page: Page) -> None:
    log_in(page, "demo-mentor")
    page.goto("/events/")
    page.get_by_role("link", name="AMA: your first month as a listener").first.click()
    page.wait_for_load_state("load")
    if page.get_by_role("button", name="Give it back").count():  # walked before: start over
        page.get_by_role("button", name="Give it back").click()
        page.wait_for_load_state("load")
    page.get_by_role("button", name="Volunteer to host").first.click()
    page.wait_for_load_state("load")
    expect(page.locator("body")).to_contain_text("demo-mentor")
    print("2. demo-mentor volunteered to host the AMA")
    page.goto("/events/")
    drop_in = page.get_by_test_id("to-close").get_by_role("link", name="Drop-in: meet the mentors")
    if drop_in.count():
        drop_in.click()
        page.wait_for_load_state("load")
        page.get_by_role("checkbox").first.check()
        page.get_by_role("button", name="Mark as held").click()
        page.wait_for_load_state("load")
        expect(page.locator("body")).to_contain_text("held")
        print("   demo-mentor marked the drop-in held")
    else:
        print("   the drop-in was marked held by an earlier walk")
    page.goto("/events/rota/")
    print("   rota: " + str(page.locator("main").inner_text().split("\n")[0:6]))
    log_out(page)


def feedback(page: Page) -> None:
    log_in(page, "demo-mentor")
    page.goto("/feedback/")
    main = page.locator("main")
    expect(main).to_contain_text("Responses")
    text = main.inner_text()
    if "demo-" in text:
        raise FlowFailed("an author's name is shown on the feedback page")
    print("3. demo-mentor reads their feedback: " + " | ".join(text.split("\n")[:8]))
    log_out(page)


def staff_program(page: Page) -> None:
    log_in(page, "demo-staff")
    page.get_by_role("link", name="Program").click()
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("freshness")).to_contain_text("Figures as of")
    print("4. demo-staff opens the partner dashboard: " + page.locator("main h1").inner_text())
    page.goto("/staff/analytics/")
    expect(page.locator("canvas").first).to_be_visible()
    page.goto("/staff/mentorships/")
    page.locator("#id_conversations").select_option("0")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"conversations=0"))  # htmx swapped the table
    page.wait_for_load_state("networkidle")
    count = page.get_by_test_id("pair-count").inner_text()
    rows = page.locator("#pairs input[type=checkbox][name=pair]")
    if rows.count() == 0:
        raise FlowFailed("no pair without a conversation on the demo")
    rows.first.check()
    page.locator("#bulk-form select[name=recipients]").select_option("both")
    page.locator("#bulk-form input[name=title]").fill("Checking in")
    page.locator("#bulk-form textarea[name=body]").fill("Is there anything we can help with?")
    page.get_by_role("button", name="Send message").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text("Sent to")
    print(f"   filtered to 0 conversations ({count}) and messaged one pair")
    log_out(page)


FLOWS: tuple[Callable[[Page], None], ...] = (onboarding, mentor_hosts, feedback, staff_program)


def run_flows(browser: Browser) -> Walk:
    walk = Walk("issue 7 flows")
    for flow in FLOWS:
        with browser_context(browser, walk) as page:
            walk.here = flow.__name__
            try:
                flow(page)
            except (AssertionError, PlaywrightError, FlowFailed) as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                walk.fail(f"flow {flow.__name__} stopped: {first}", page.url)
    return walk


# --- Main ----------------------------------------------------------------------------------


def report(walks: list[Walk]) -> int:
    failed = [w for w in walks if w.failures]
    print("\n=== Summary ===")
    for w in walks:
        print(
            f"{w.login}: {w.pages} pages, {w.counts_checked} counts checked, "
            f"{len(w.failures)} failure{'s' if len(w.failures) != 1 else ''}"
        )
    for w in walks:
        notes = [n for n in w.notes if n]
        if notes:
            print(f"\n{w.login}, notes:")
            for line in dict.fromkeys(notes):
                print(f"  - {line}")
    for w in failed:
        print(f"\n{w.login}, FAILURES:")
        for line in dict.fromkeys(w.failures):
            print(f"  ✗ {line}")
    print("\nwalk " + ("FAILED" if failed else "complete"))
    return 1 if failed else 0


def main() -> int:
    chosen = [x.strip() for x in os.environ.get("WALK_LOGINS", "").split(",") if x.strip()]
    unknown = set(chosen) - set(LOGINS)
    if unknown:
        raise SystemExit(f"unknown logins: {sorted(unknown)}; the demo logins: {list(LOGINS)}")
    walks: list[Walk] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        if os.environ.get("WALK_FLOWS", "1") != "0":
            walks.append(run_flows(browser))
        for login in chosen or list(LOGINS):
            started = time.monotonic()
            walk = walk_login(browser, login, LOGINS[login])
            print(
                f"{login}: walked {walk.pages} pages in {time.monotonic() - started:.0f} s, "
                f"{len(walk.failures)} failures",
                flush=True,
            )
            walks.append(walk)
        browser.close()
    return report(walks)


if __name__ == "__main__":
    sys.exit(main())
