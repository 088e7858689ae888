"""Safeguarding in training, in real browsers (issue 17): a trainee posts crisis words as
their answer; the help shows at once in place (the answer is still posted). In an adult
cohort the facilitator's bell rings; a teen cohort without facilitators has nobody to tell, so
the alert waits in the staff queue at /staff/safety/, where staff find it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.safety.models import SafetyAlert
from peerpath.training import services
from peerpath.training.models import Post
from peerpath.training.tests.factories import make_cohort
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

D1 = "/training/group-support-leadership/1/"
CRISIS = "honestly I want to end my life tonight"


def _post_crisis_answer(page: Page) -> None:
    page.goto(D1)
    page.wait_for_load_state("load")  # htmx is wired up once the page has loaded
    page.get_by_label("Your answer").fill(CRISIS)
    sent = time.monotonic()
    page.get_by_role("button", name="Post my answer").click()
    help_panel = page.get_by_test_id("crisis-help")
    expect(help_panel).to_be_visible(timeout=1_000)
    assert time.monotonic() - sent < 1.0
    expect(help_panel.locator(".crisis-resources li").first).to_be_visible()
    expect(help_panel).to_contain_text("shared with your cohort as usual")
    expect(page.get_by_test_id("training-notice")).to_contain_text("Your answer is posted.")


def test_a_facilitator_is_alerted_when_a_trainee_posts_crisis_words(
    page: Page, live_asgi_server: LiveServer, browser_problems: BrowserProblems
) -> None:
    fay = factories.UserFactory.create(
        username="fay-facilitator", listener=True, roles=[Role.AMBASSADOR]
    )
    cohort = make_cohort(band="adult", name="E2E adults", facilitators=(fay,))
    ada = factories.UserFactory.create(username="ada-trainee", listener=True)
    services.join_cohort(user=ada, cohort_id=cohort.pk)

    browser = page.context.browser
    assert browser is not None
    fay_context = browser.new_context(base_url=live_asgi_server.url, locale="en-GB")
    fay_context.set_default_timeout(10_000)
    try:
        fay_page = fay_context.new_page()
        log_in(fay_page, fay)
        bell = fay_page.locator("[data-notifications-bell]")
        expect(bell).to_have_attribute("data-socket-state", "open")
        expect(bell.locator("[data-count]")).to_have_text("0")

        log_in(page, ada)
        _post_crisis_answer(page)
        assert Post.objects.get(author=ada).body == CRISIS

        expect(bell.locator("[data-count]")).to_have_text("1")
        alert = SafetyAlert.objects.get(source="training.Post")
        assert list(alert.responders.all()) == [fay]
    finally:
        fay_context.close()
    assert browser_problems.all() == []


def test_a_teen_cohort_without_facilitators_reaches_the_staff_queue(
    page: Page, browser_problems: BrowserProblems
) -> None:
    cohort = make_cohort(band="teen", name="E2E teens")
    assert not cohort.facilitators.exists()
    tia = factories.UserFactory.create(username="tia-teen-trainee", teen=True, listener=True)
    services.join_cohort(user=tia, cohort_id=cohort.pk)
    staff = factories.UserFactory.create(username="sue-staff", roles=[Role.STAFF])

    log_in(page, tia)
    _post_crisis_answer(page)
    alert = SafetyAlert.objects.get(source="training.Post")
    assert (alert.writer_band, alert.queued, alert.responders.count()) == ("teen", True, 0)
    assert browser_problems.all() == []

    page.context.clear_cookies()
    log_in(page, staff)
    page.goto("/staff/safety/")
    row = page.locator(f'[data-testid="safety-alert"][data-alert="{alert.pk}"]')
    expect(row).to_contain_text(CRISIS)
