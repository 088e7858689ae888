"""Issue 19, the header: signed in as staff (every link the header can hold: Program,
Safeguarding, the bell with its label), it wrapped onto two lines at 1200 px. It is
one line at 1200 px, and at 800 px and 375 px it degrades neatly: nothing overflows the
viewport, nothing overlaps, every link stays visible and reachable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e

# The header's geometry: its height, the line height of one link, the visible links and
# how many rows they sit on, whether any two overlap, and the page's horizontal overflow.
MEASURE = """() => {
  const header = document.querySelector(".site-header");
  const items = [...header.querySelectorAll(".brand, .nav-list > li")]
    .filter((el) => el.getClientRects().length > 0)
    .map((el) => el.getBoundingClientRect());
  const tops = new Set(items.map((r) => Math.round(r.top + r.height / 2)));
  let overlaps = 0;
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i], b = items[j];
      const across = a.left < b.right - 1 && b.left < a.right - 1;
      if (across && a.top < b.bottom - 1 && b.top < a.bottom - 1) { overlaps++; }
    }
  }
  const link = header.querySelector(".nav-list a");
  return {
    height: header.getBoundingClientRect().height,
    line: parseFloat(getComputedStyle(link).lineHeight) || link.getBoundingClientRect().height,
    rows: tops.size,
    overlaps: overlaps,
    right: Math.max(...items.map((r) => r.right)),
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}"""

LINKS = (
    "Home",
    "Rooms",
    "Mentors",
    "Events",
    "Training",
    "Resources",
    "Spotlights",
    "Your path",
    "Profile",
    "Program",
    "Safeguarding",
)


def _staff() -> User:
    staff: User = factories.UserFactory.create(
        username="sue-staff", roles=[Role.STAFF, Role.SAFEGUARDING]
    )
    User.objects.filter(pk=staff.pk).update(is_staff=True, is_superuser=True)
    return staff


def _measure(page: Page, width: int) -> dict[str, Any]:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    page.wait_for_load_state("load")
    result: dict[str, Any] = page.evaluate(MEASURE)
    return result


def test_the_staff_header_is_one_line_at_1200_and_degrades_neatly(
    page: Page, browser_problems: BrowserProblems
) -> None:
    log_in(page, _staff())
    wide = _measure(page, 1200)
    assert wide["rows"] == 1, wide
    # one line: the header is no taller than one row of links plus its padding
    assert wide["height"] <= wide["line"] + 40, wide
    assert wide["overlaps"] == 0, wide
    assert wide["right"] <= 1200, wide
    nav = page.get_by_role("navigation", name="Main")
    for name in LINKS:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Notifications, 0 unread")).to_contain_text("Notifications")
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()
    # the admin is one of the staff home's tools (Program), not a header link of its own
    expect(nav.get_by_role("link", name="Admin", exact=True)).to_have_count(0)

    for width in (800, 375):
        narrow = _measure(page, width)
        assert narrow["overflow"] <= 0, (width, narrow)  # no sideways scrolling
        assert narrow["overlaps"] == 0, (width, narrow)
        assert narrow["right"] <= width, (width, narrow)
        # wrapped into neat rows, not one link per line down the page
        assert narrow["rows"] <= (4 if width == 800 else 8), (width, narrow)
        for name in LINKS:
            expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
        expect(nav.get_by_role("button", name="Log out")).to_be_visible()
    assert browser_problems.all() == []
