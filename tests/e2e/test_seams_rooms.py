"""Issue 19, rooms: a session's "Start" is offered only when it can be started (before that,
from when); the message box is a few Tab presses away however long the log, and a message's
menu is a compact popover that does not reflow the log; a message refused by slow mode leaves
the log, its text stays in the box and the error says how long to wait; "Here now" keeps names
whole; the list puts rooms in the viewer's languages first; badge locks say how far one has to
go, and teens read the teen names of roles."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.rooms.models import RoomSession, SessionKind
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
