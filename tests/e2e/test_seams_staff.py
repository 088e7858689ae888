"""Issue 19, the staff home: from the header, staff reach /staff/ and from there every staff
tool (matching, nudges, safeguarding queue, review queue, rota, mentorships table, analytics,
admin); the counts on /staff/ are the counts of the pages they link to; the leadership funnel
counts a staff-granted role."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.analytics.rollup import refresh
from peerpath.progression.models import Achievement, Application, Award
from peerpath.safety import services as safety_services
from peerpath.safety.models import Channel
from tests.e2e.test_accessibility_e2e import axe_violations
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e

# Each tool's card on /staff/ and the first-level heading of the page it opens.
TOOLS = {
    "matching": "Matching",
    "nudges": "Nudges",
    "safety": "Safeguarding queue",
    "reviews": "Applications to review",
    "rota": "Mentor rota",
    "mentorships": "Mentorships",
    "analytics": "Analytics",
    "admin": "Site administration",
}


def _world() -> User:
    staff: User = factories.UserFactory.create(username="sue-staff", roles=[Role.STAFF])
    User.objects.filter(pk=staff.pk).update(is_staff=True)
    teen = factories.UserFactory.create(username="tia-teen", teen=True, listener=True)
    adult = factories.UserFactory.create(username="al-adult", listener=True)
    for writer, n in ((teen, 1), (adult, 2)):
        safety_services.screen(
            writer=writer,
            text=f"honestly i want to end my life ({n})",
            space=safety_services.Space(channel=Channel.ROOM, where="Room “Evenings”"),
            source=("rooms.RoomMessage", None),
        )
    moderator = Achievement.objects.get(slug="chatroom-moderator")
    for person in (teen, adult):
        Application.objects.create(user=person, achievement=moderator, statement="I would.")
    now = timezone.now()
    Award.objects.create(
        user=adult,
        achievement=moderator,
        state="active",
        source="staff",
        granted_at=now,
        changed_at=now,
    )
    refresh.rebuild(now=now)
    return staff


def _home(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Program").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner dashboard")


def _count(page: Page, key: str) -> int:
    text = page.get_by_test_id(f"tool-{key}").get_by_test_id("tool-count").inner_text()
    found = re.fullmatch(r"\((\d+) \w+\)", text)
    assert found is not None, text
    return int(found[1])


def test_staff_reach_every_tool_from_the_staff_home(
    page: Page, browser_problems: BrowserProblems
) -> None:
    staff = _world()
    log_in(page, staff)
    _home(page)
    expect(page.get_by_test_id("staff-tools").locator("li.card")).to_have_count(len(TOOLS))
    assert axe_violations(page) == []
    alerts, pending = _count(page, "safety"), _count(page, "reviews")
    assert (alerts, pending) == (2, 2)

    for key, heading in TOOLS.items():
        page.get_by_test_id(f"tool-{key}").get_by_role("heading").get_by_role("link").click()
        page.wait_for_load_state("load")
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            re.compile(heading, re.IGNORECASE)
        )
        if key == "safety":  # the number on /staff/ is the list it opens
            expect(page.get_by_test_id("queue-summary")).to_contain_text(f"{alerts} alerts (open")
        if key == "reviews":
            expect(page.get_by_test_id("application")).to_have_count(pending)
        if key == "analytics":  # the staff-granted moderator is on the funnel
            moderators = page.get_by_test_id("table-funnel").locator("tr", has_text="Moderator")
            expect(moderators.locator("td").nth(1)).to_have_text("1")
        if key == "admin":
            page.goto("/staff/")
        else:
            _home(page)
    assert browser_problems.all() == []


def test_members_have_no_staff_home_link(page: Page) -> None:
    member = factories.UserFactory.create(username="mia-member")
    log_in(page, member)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Program")).to_have_count(0)
