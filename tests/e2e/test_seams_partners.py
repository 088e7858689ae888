"""Issue 19, the mentorships table: its rollup lags up to 5 minutes, so a bulk celebration
reached a pair that had just ended. Sending checks each pair's current state and says how
many it skipped. The bulk form is styled like the other forms, with labelled fields, and a
"select all" box in the table's header that also works without JavaScript."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from peerpath.accounts.tests import factories
from peerpath.mentorship.models import EndReason, Mentorship, MentorshipStatus
from peerpath.notifications.models import Notification
from peerpath.partners.models import BulkMessage
from peerpath.partners.rollup import rebuild_pair_stats
from peerpath.partners.tests.dataset import build
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e


def test_a_celebration_skips_a_pair_that_ended_after_the_table_was_refreshed(
    page: Page, browser_problems: BrowserProblems
) -> None:
    data = build()
    rebuild_pair_stats()
    ended = data.pairs["P1"]
    Mentorship.objects.filter(pk=ended.pk).update(
        status=MentorshipStatus.ENDED, ended_at=timezone.now(), end_reason=EndReason.COMPLETED
    )  # after the rollup: the table still lists it as active

    log_in(page, data.staff)
    page.goto("/staff/mentorships/")
    page.wait_for_load_state("load")
    rows = page.locator("#pairs input[type=checkbox][name=pair]")
    expect(rows).to_have_count(5)
    select_all = page.get_by_role("checkbox", name="Select every pair on this page")
    select_all.check()
    for row in rows.all():
        expect(row).to_be_checked()
    rows.first.uncheck()
    expect(select_all).not_to_be_checked()
    select_all.check()

    form = page.locator("#bulk-form")
    form.get_by_label("Kind").select_option("celebration")
    form.get_by_label("Recipients").select_option("both")
    page.get_by_role("button", name="Send message").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text("Sent to 7 people in 4 pairs.")
    expect(page.locator(".messages")).to_contain_text(
        "1 pair had ended since the table was refreshed and was skipped."
    )
    told = set(
        Notification.objects.filter(source="partners:celebration").values_list(
            "recipient_id", flat=True
        )
    )
    assert ended.mentee_id not in told
    assert BulkMessage.objects.get().skipped_pairs == 1
    assert browser_problems.all() == []


def test_the_bulk_form_is_styled_and_labelled(
    page: Page, browser_problems: BrowserProblems
) -> None:
    data = build()
    rebuild_pair_stats()
    log_in(page, data.staff)
    page.goto("/staff/mentorships/")
    page.wait_for_load_state("load")
    form = page.locator("#bulk-form")
    expect(form).to_have_class("stacked-form")
    for label in ("Kind", "Recipients", "Title", "Message"):
        expect(form.get_by_label(label)).to_be_visible()
    expect(form.get_by_role("radio", name="The selected pairs")).to_be_checked()
    box = form.get_by_label("Message").bounding_box()
    assert box is not None
    assert box["width"] >= 300  # full width like other forms, not a bare textarea
    assert browser_problems.all() == []


def test_select_all_works_without_javascript(
    browser: Browser, live_asgi_server: LiveServer
) -> None:
    data = build()
    rebuild_pair_stats()
    context = browser.new_context(
        base_url=live_asgi_server.url, locale="en-GB", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("#id_login").fill(data.staff.username)
        page.locator("#id_password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Log in", exact=True).click()
        page.goto("/staff/mentorships/")
        page.get_by_role("checkbox", name="Select every pair on this page").check()
        expect(page.locator("#pairs input[type=checkbox][name=pair]:checked")).to_have_count(0)
        form = page.locator("#bulk-form")
        form.get_by_label("Recipients").select_option("mentee")
        form.get_by_label("Title").fill("Hello")
        form.get_by_label("Message").fill("How are you both?")
        page.get_by_role("button", name="Send message").click()
        expect(page.locator(".messages")).to_contain_text("Sent to 5 people in 5 pairs.")
    finally:
        context.close()
