"""Issue 19, events: the list and the event page agree on places taken; a mentor who just
volunteered to host is not offered to cancel an event others have joined; the staff rota
tells a teen AMA from an adult one with the same title."""

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
    from peerpath.accounts.models import User
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e


def _ama(creator: User, *, band: str = "adult", slots: int = 0, title: str = "AMA") -> Event:
    starts = timezone.now() + dt.timedelta(days=4)
    event = Event.objects.create(
        kind=EventKind.AMA,
        title=title,
        band=band,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        video_url="https://video.example.org/ama",
        capacity=30,
        created_by=creator,
    )
    RotaSlot.objects.bulk_create(RotaSlot(event=event, position=n) for n in range(1, slots + 1))
    return event


def _join(event: Event, n: int) -> None:
    for i in range(n):
        person = factories.UserFactory.create(username=f"guest-{event.pk}-{i}", listener=True)
        RSVP.objects.create(
            event=event, user=person, status=RSVPStatus.CONFIRMED, queued_at=timezone.now()
        )


def test_the_list_and_the_page_agree_on_places_taken(
    page: Page, browser_problems: BrowserProblems
) -> None:
    staff = factories.UserFactory.create(username="eve-staff", roles=[Role.STAFF])
    listener = factories.UserFactory.create(username="lin-listener", listener=True)
    ama = _ama(staff, slots=3, title="AMA with three host slots")
    _join(ama, 2)

    log_in(page, listener)
    page.wait_for_load_state("load")
    page.goto("/events/")
    card = page.locator(f'[data-testid="event-card"][data-id="{ama.pk}"]')
    expect(card).to_contain_text("2 of 30 places taken")
    card.get_by_role("link", name=ama.title).click()
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("places")).to_contain_text("2 of 30 taken")
    assert browser_problems.all() == []


def test_a_new_host_is_not_offered_to_cancel_an_event_others_joined(
    page: Page, browser_problems: BrowserProblems
) -> None:
    staff = factories.UserFactory.create(username="eve-staff", roles=[Role.STAFF])
    mentor = factories.UserFactory.create(username="max-mentor", listener=True, roles=[Role.MENTOR])
    ama = _ama(staff, slots=1, title="AMA people have joined")
    _join(ama, 3)

    log_in(page, mentor)
    page.wait_for_load_state("load")
    page.goto(f"/events/{ama.pk}/")
    page.get_by_role("button", name="Volunteer to host").click()
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("you-host")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel this event")).to_have_count(0)
    # what a host may do is still offered: give the slot back
    expect(page.get_by_role("button", name="Give it back")).to_be_visible()

    # the organiser (staff) is offered it
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state("load")
    log_in(page, staff)
    page.wait_for_load_state("load")
    page.goto(f"/events/{ama.pk}/")
    expect(page.get_by_role("button", name="Cancel this event")).to_be_visible()
    assert browser_problems.all() == []


def test_the_staff_rota_shows_each_events_band(
    page: Page, browser_problems: BrowserProblems
) -> None:
    staff = factories.UserFactory.create(username="eve-staff", roles=[Role.STAFF])
    teen = _ama(staff, band="teen", slots=1, title="AMA: ask a mentor")
    adult = _ama(staff, band="adult", slots=1, title="AMA: ask a mentor")

    log_in(page, staff)
    page.wait_for_load_state("load")
    page.goto("/events/rota/")
    rows = page.locator("li").filter(has=page.get_by_role("link", name="AMA: ask a mentor"))
    expect(rows).to_have_count(2)
    texts = rows.all_inner_texts()
    assert sum("Teens" in t for t in texts) == 1, texts
    assert sum("Adults" in t for t in texts) == 1, texts
    assert {teen.band, adult.band} == {"teen", "adult"}
    assert browser_problems.all() == []
