"""Events in a real browser: a mentor opens an AMA that needs a host, volunteers for the open
slot and the page shows them as its host; then a listener RSVPs and sees their place."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.events.models import RSVP, Event, EventKind, RotaSlot, RSVPStatus
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e


def test_a_mentor_volunteers_to_host_an_ama_and_a_listener_rsvps(
    page: Page, browser_problems: BrowserProblems
) -> None:
    staff = factories.UserFactory.create(username="eve-staff", roles=[Role.STAFF])
    mentor = factories.UserFactory.create(username="max-mentor", listener=True, roles=[Role.MENTOR])
    listener = factories.UserFactory.create(username="lin-listener", listener=True)
    starts = timezone.now() + dt.timedelta(days=4)
    ama = Event.objects.create(
        kind=EventKind.AMA,
        title="AMA: your first month as a listener",
        description="Bring your questions, commas, and all.",
        band="adult",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        video_url="https://video.example.org/ama",
        capacity=10,
        created_by=staff,
    )
    RotaSlot.objects.create(event=ama, position=1)

    # The mentor finds the AMA on /events/ and volunteers for its open host slot.
    log_in(page, mentor)
    page.wait_for_load_state("load")  # leaving a page mid-load aborts its static files
    page.goto("/events/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Events")
    card = page.locator(f'[data-testid="event-card"][data-id="{ama.pk}"]')
    expect(card).to_contain_text("1 host slot open")
    card.get_by_role("link", name=ama.title).click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text(ama.title)
    expect(page.get_by_test_id("hosts")).to_have_text("None yet")
    page.get_by_role("button", name="Volunteer to host").click()
    page.wait_for_load_state("load")

    expect(page.get_by_text("Thank you! You are hosting this event.")).to_be_visible()
    expect(page.get_by_test_id("hosts")).to_have_text("max-mentor")
    expect(page.get_by_test_id("you-host")).to_be_visible()
    expect(page.get_by_test_id("slot")).to_contain_text("max-mentor")
    expect(page.get_by_role("button", name="Volunteer to host")).to_have_count(0)
    assert list(ama.hosts.values_list("username", flat=True)) == ["max-mentor"]

    # A listener RSVPs and sees their place.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state("load")
    log_in(page, listener)
    page.wait_for_load_state("load")
    page.goto(f"/events/{ama.pk}/")
    page.get_by_role("button", name="RSVP").click()
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("rsvp-status")).to_have_text("You have a place.")
    expect(page.get_by_test_id("places")).to_contain_text("1 of 10 taken")
    assert RSVP.objects.get(event=ama, user=listener).status == RSVPStatus.CONFIRMED
    assert browser_problems.all() == []
