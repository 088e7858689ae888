"""Issue 19, rooms: a session's "Start" is offered only when it can be started (before that,
from when); the message box is a few Tab presses away however long the log, and a message's
menu is a compact popover that does not reflow the log; a message refused by slow mode leaves
the log, its text stays in the box and the error says how long to wait; "Here now" keeps names
whole; the list puts rooms in the viewer's languages first; badge locks say how far one has to
go, and teens read the teen names of roles."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.rooms.models import RoomMessage, RoomSession, SessionKind
from tests.e2e.test_accessibility_e2e import AXE, WCAG_TAGS
from tests.e2e.test_rooms_e2e import log_in, make_room

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e


def _session(room_id: int, host_id: int, *, starts_in: dt.timedelta, title: str) -> RoomSession:
    starts = timezone.now() + starts_in
    session: RoomSession = RoomSession.objects.create(
        room_id=room_id,
        kind=SessionKind.SUPPORT_SESSION,
        title=title,
        host_id=host_id,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
    )
    return session


def test_start_is_offered_only_when_the_session_can_be_started(
    page: Page, browser_problems: BrowserProblems
) -> None:
    room = make_room("e2e-sessions", "E2E sessions room")
    host = factories.UserFactory.create(username="hal-host", listener=True, roles=[Role.MODERATOR])
    later = _session(room.pk, host.pk, starts_in=dt.timedelta(days=2), title="Later circle")
    soon = _session(room.pk, host.pk, starts_in=dt.timedelta(minutes=5), title="Soon circle")

    log_in(page, host)
    page.wait_for_load_state("load")
    page.goto(f"/rooms/{room.slug}/")
    later_row = page.locator(f'[data-testid="session"][data-session-id="{later.pk}"]')
    expect(later_row.get_by_role("button", name="Start “Later circle”")).to_have_count(0)
    expect(later_row.get_by_test_id("session-opens")).to_contain_text("You can start it from")
    expect(later_row.get_by_role("button", name="Cancel “Later circle”")).to_be_visible()

    soon_row = page.locator(f'[data-testid="session"][data-session-id="{soon.pk}"]')
    expect(soon_row.get_by_test_id("session-opens")).to_have_count(0)
    soon_row.get_by_role("button", name="Start “Soon circle”").click()
    page.wait_for_load_state("load")
    soon_row = page.locator(f'[data-testid="session"][data-session-id="{soon.pk}"]')
    expect(soon_row).to_contain_text("Live now")
    expect(page.get_by_text("can be started from 15 minutes before")).to_have_count(0)
    soon.refresh_from_db()
    assert soon.started_at is not None
    assert browser_problems.all() == []


TAB_BUDGET = 20  # the header's links, the room's skip link, older messages, the log, one menu

FOCUSED_ID = "() => document.activeElement ? document.activeElement.id : ''"
MESSAGE_BOXES = """() => [...document.querySelectorAll('#room-log > li.room-message')]
  .map((li) => { const r = li.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })"""
TABBABLE_MENUS = """() => [...document.querySelectorAll('#room-log .message-menu > summary')]
  .filter((s) => s.tabIndex >= 0).length"""


def _axe_in(page: Page, selector: str) -> list[str]:
    """axe-core's WCAG A/AA violations inside ``selector`` only (the room, not the header)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE)
    result = page.evaluate(
        "async ([sel, tags]) => await axe.run({include: [sel]},"
        " {runOnly: {type: 'tag', values: tags}})",
        [selector, WCAG_TAGS],
    )
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]


def _fill_log(room_id: int, n: int) -> None:
    people = [factories.UserFactory.create(username=f"talker-{i}", listener=True) for i in range(3)]
    start = timezone.now() - dt.timedelta(hours=2)
    RoomMessage.objects.bulk_create(
        RoomMessage(
            room_id=room_id,
            sender=people[i % 3],
            body=f"Message number {i}: thanks for being here tonight.",
            created_at=start + dt.timedelta(seconds=30 * i),
        )
        for i in range(n)
    )


def test_the_message_box_is_a_few_tabs_away_and_menus_are_popovers(
    page: Page, browser_problems: BrowserProblems
) -> None:
    room = make_room("e2e-long-log", "E2E long log")
    _fill_log(room.pk, 60)
    mod = factories.UserFactory.create(username="mo-mod", listener=True, roles=[Role.MODERATOR])

    log_in(page, mod)
    page.goto(f"/rooms/{room.slug}/")
    expect(page.locator("#room-status")).to_have_text("connected")
    expect(page.locator("#room-log .message-menu")).to_have_count(50)  # one history page
    # One message menu at a time is in the tab order, whatever the length of the log.
    assert page.evaluate(TABBABLE_MENUS) == 1

    page.locator("body").focus()
    presses = 0
    while page.evaluate(FOCUSED_ID) != "room-body":
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= TAB_BUDGET, f"the message box is not reached in {TAB_BUDGET} Tabs"

    # The skip link goes straight to the box.
    page.goto(f"/rooms/{room.slug}/")
    expect(page.locator("#room-status")).to_have_text("connected")
    page.get_by_role("link", name="Skip to the message box").focus()
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED_ID) == "room-body"

    # Arrow keys move between the messages' menus; Tab still finds only one.
    newest = page.locator("#room-log .message-menu > summary").last
    newest.focus()
    page.keyboard.press("ArrowUp")
    previous = page.locator("#room-log .message-menu > summary").nth(-2)
    expect(previous).to_be_focused()
    assert page.evaluate(TABBABLE_MENUS) == 1

    # Opening a menu (a moderator's, the longest) moves no message: it is a popover.
    before = page.evaluate(MESSAGE_BOXES)
    previous.click()
    body = page.locator("#room-log .message-menu[open] > .menu-body")
    expect(body).to_be_visible()
    expect(body.get_by_label("What is wrong?")).to_be_visible()
    expect(body.get_by_text("Ban this person")).to_be_visible()
    assert page.evaluate(MESSAGE_BOXES) == before
    box = body.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert viewport is not None
    assert box["height"] <= 420, box  # compact: the moderation forms fold away
    assert box["y"] >= 0, box
    assert box["y"] + box["height"] <= viewport["height"], box
    assert (
        page.evaluate(
            "getComputedStyle(document.querySelector('.message-menu[open] > .menu-body')).position"
        )
        == "fixed"
    )
    assert _axe_in(page, "#room") == []
    # Escape closes it and gives focus back to its button.
    body.get_by_label("What is wrong?").focus()
    page.keyboard.press("Escape")
    expect(body).to_have_count(0)
    expect(previous).to_be_focused()
    assert browser_problems.all() == []


def test_a_message_refused_by_slow_mode_leaves_the_log_and_stays_in_the_box(
    page: Page, browser_problems: BrowserProblems
) -> None:
    room = make_room("e2e-slow", "E2E slow room", slow_mode_seconds=60)
    ana = factories.UserFactory.create(username="ana-slow")

    log_in(page, ana)
    page.goto(f"/rooms/{room.slug}/")
    expect(page.locator("#room-status")).to_have_text("connected")
    box = page.locator("#room-body")
    box.fill("First thing I wanted to say.")
    box.press("Enter")
    mine = page.locator("#room-log .room-message.room-mine")
    expect(mine.locator(".room-state")).to_have_text(["sent"])

    box.fill("And a second thing, too soon.")
    box.press("Enter")
    error = page.locator("#room-error")
    expect(error).to_contain_text("Slow mode is on")
    expect(error).to_contain_text(re.compile(r"You can send again in \d+ s"))
    expect(mine).to_have_count(1)
    expect(page.locator("#room-log")).not_to_contain_text("too soon")
    expect(page.locator("#room-log")).not_to_contain_text("not sent")
    expect(box).to_have_value("And a second thing, too soon.")
    assert [m.body for m in RoomMessage.objects.filter(room=room)] == [
        "First thing I wanted to say."
    ]
    assert browser_problems.all() == []


# How many lines each name in "Here now" takes, and whether it is shown whole or cut short.
NAME_LINES = """() => [...document.querySelectorAll('#room-people > li')].map((li) => {
  const range = document.createRange();
  range.selectNodeContents(li);
  const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
  return [li.textContent, li.title, tops.size];
})"""


def test_here_now_keeps_names_whole(page: Page, browser_problems: BrowserProblems) -> None:
    room = make_room("e2e-here-now", "E2E here now")
    long_name = "listener-with-a-long-pseudonym"  # 30 characters, the most a pseudonym has
    who = factories.UserFactory.create(username=long_name, listener=True)

    log_in(page, who)
    page.goto(f"/rooms/{room.slug}/")
    expect(page.locator("#room-status")).to_have_text("connected")
    expect(page.locator("#room-people")).to_contain_text(long_name)
    # One line per name: never broken at a hyphen; the whole name is its title (hover).
    assert page.evaluate(NAME_LINES) == [[long_name, long_name, 1]]
    assert browser_problems.all() == []


def test_rooms_in_the_viewers_languages_come_first(
    page: Page, browser_problems: BrowserProblems
) -> None:
    make_room("e2e-apoyo", "E2E Apoyo general (español)", language="es")
    make_room("e2e-welcome", "E2E Welcome Room", language="en")
    ana = factories.UserFactory.create(username="ana-english")  # speaks English

    log_in(page, ana)
    page.goto("/rooms/?q=E2E")
    slugs = page.get_by_test_id("room-card").evaluate_all(
        "(cards) => cards.map((c) => c.dataset.slug)"
    )
    assert slugs.index("e2e-welcome") < slugs.index("e2e-apoyo"), slugs
    assert browser_problems.all() == []


def test_locks_say_how_far_and_teens_read_teen_names(
    page: Page, browser_problems: BrowserProblems
) -> None:
    make_room("e2e-verified", "E2E verified lounge", lock_criteria={"held": "verified-listener"})
    ben = factories.UserFactory.create(username="ben-listener", listener=True)
    tia = factories.UserFactory.create(username="tia-teen-listener", teen=True, listener=True)

    log_in(page, ben)
    page.goto("/rooms/?q=E2E+verified")
    lock = page.locator('[data-testid="room-card"][data-slug="e2e-verified"]').get_by_test_id(
        "lock"
    )
    expect(lock).to_contain_text("needs the Verified Listener badge (")
    expect(lock).to_contain_text(re.compile(r"\d+ of \d+ "))

    page.context.clear_cookies()
    log_in(page, tia)
    page.goto("/rooms/?q=Teen+Stars")
    stars = page.locator('[data-testid="room-card"][data-slug="teen-stars-room"]')
    expect(stars.get_by_test_id("lock")).to_contain_text("needs the Teen Star role")
    expect(stars).not_to_contain_text("Group Support Mentor")
    assert browser_problems.all() == []
