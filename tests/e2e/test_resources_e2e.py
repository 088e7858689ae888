"""Resources and spotlights in a real browser: a listener searches the resource library,
opens a resource, then opens the spotlights page and follows the call to action to the
mentor's request page."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.mentorship.tests.factories import make_mentor
from peerpath.spotlights import services
from peerpath.spotlights.models import Spotlight, SpotlightStatus
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e


def test_a_listener_reads_a_resource_and_requests_a_spotlighted_mentor(
    page: Page, browser_problems: BrowserProblems
) -> None:
    staff = factories.UserFactory.create(username="sam-staff", roles=[Role.STAFF])
    mentor = make_mentor(username="mia-mentor")
    listener = factories.UserFactory.create(username="leo-listener", listener=True)
    spotlight = services.draft_spotlight(
        actor=staff,
        mentor=mentor,
        kind="interview",
        month=None,
        title="Meet mia-mentor",
        intro="Five years of listening.",
        answers=[("What brought you to listening?", "Someone listened to me once.")],
    ).spotlight
    # Published directly: the service's live notice push is not the subject here.
    Spotlight.objects.filter(pk=spotlight.pk).update(
        status=SpotlightStatus.PUBLISHED, published_by=staff, published_at=timezone.now()
    )

    # The listener searches the library and opens a resource.
    log_in(page, listener)
    page.wait_for_load_state("load")  # leaving a page mid-load aborts its static files
    page.goto("/resources/")
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text("Resources")
    # Typing narrows the list through htmx (one request after a pause; no button needed).
    page.get_by_role("searchbox", name="Search").fill("boundaries")
    expect(page).to_have_url(re.compile(r"q=boundaries"))
    card = page.locator('[data-testid="resource-card"][data-slug="healthy-boundaries"]')
    expect(card).to_be_visible()
    page.wait_for_load_state("networkidle")
    card.get_by_role("link", name="Healthy boundaries for listeners").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text("Healthy boundaries for listeners")
    expect(page.get_by_test_id("resource")).to_contain_text("Boundaries are the limits")

    # Then the spotlights page, the interview, and the call to action.
    page.goto("/spotlights/")
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Meet mia-mentor").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meet mia-mentor")
    expect(page.get_by_test_id("avatar")).to_be_visible()
    page.get_by_test_id("request-cta").click()
    page.wait_for_load_state("load")
    expect(page).to_have_url(f"/mentors/{mentor.username}/#request-heading")
    expect(page.get_by_role("heading", name="Ask mia-mentor to mentor you")).to_be_visible()
    assert browser_problems.all() == []
