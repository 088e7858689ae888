"""Issue 19, mentorship: after "find me a new match" the old mentor's page no longer offers a
request the server would refuse, and someone with a mentor is told so with a link to it;
ending a mentorship and publishing a matching run are confirmed by a ticked box, which works
without JavaScript; a live chat message reads exactly like the same message after a reload
(the profile's display name and time zone, one format), whatever the browser's zone and
locale."""

from __future__ import annotations

import re
import zoneinfo
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.mentorship.models import EndReason, MatchRun, Mentorship, MentorshipStatus, Message
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from tests.e2e.test_mentorship_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e


def test_without_javascript_a_rematch_is_confirmed_and_the_old_mentor_is_not_offered_again(
    browser: Browser, live_asgi_server: LiveServer
) -> None:
    sofia = make_mentor(username="sofia-mentor", capacity=2)
    make_mentor(username="bert-mentor", capacity=2)
    lena = make_listener(username="lena-listener")
    m = make_mentorship(sofia, lena)
    context = browser.new_context(
        base_url=live_asgi_server.url, locale="en-GB", java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, lena)
        # Another mentor's page: "you already have a mentor", with the way to it.
        page.goto("/mentors/bert-mentor/")
        expect(page.get_by_test_id("has-mentor")).to_contain_text("You already have a mentor")
        expect(page.get_by_role("button", name="Send my request")).to_have_count(0)
        expect(page.get_by_text("is full right now")).to_have_count(0)
        page.get_by_role("link", name="your mentorship with sofia-mentor").click()
        expect(page).to_have_url(re.compile(rf"/mentorships/{m.pk}/$"))

        # "Find me a new match" without the box: nothing ends, the reason is next to it.
        page.get_by_role("link", name="I can't get in touch").click()
        rematch = page.locator("#rematch")
        rematch.get_by_label("Anything you'd like to add (optional)").fill("Different hours")
        rematch.get_by_role("button", name="Find me a new match").click()
        expect(page.locator("#rematch")).to_contain_text(
            "Tick the box to confirm: this can't be undone."
        )
        assert Mentorship.objects.get(pk=m.pk).status == MentorshipStatus.ACTIVE
        rematch = page.locator("#rematch")
        expect(rematch.get_by_label("Anything you'd like to add (optional)")).to_have_value(
            "Different hours"
        )
        rematch.get_by_label("Yes, end my mentorship with sofia-mentor").check()
        rematch.get_by_role("button", name="Find me a new match").click()
        expect(page.get_by_test_id("mentorship-status")).to_have_text("Ended")
        ended = Mentorship.objects.get(pk=m.pk)
        assert (ended.end_reason, ended.end_note) == (EndReason.REMATCH, "Different hours")

        # The old mentor's page offers no request the server would refuse, and says why.
        page.goto("/mentors/sofia-mentor/")
        expect(page.get_by_role("button", name="Send my request")).to_have_count(0)
        expect(page.locator("#read-only-note")).to_contain_text("won't be paired again")
        page.goto("/mentors/bert-mentor/")
        expect(page.get_by_role("button", name="Send my request")).to_be_visible()
    finally:
        context.close()


def _chat_line(page: Page, message_id: int) -> tuple[str, str]:
    item = page.locator(f'#chat-log li.chat-message[data-id="{message_id}"]')
    expect(item).to_be_visible()
    return item.locator(".chat-sender").inner_text(), item.locator("time").inner_text()


def test_a_live_message_reads_like_the_same_message_after_a_reload(
    browser: Browser, live_asgi_server: LiveServer, browser_problems: BrowserProblems
) -> None:
    mentor = make_mentor(username="kai-mentor")
    mentor.profile.display_name = "Kai"
    mentor.profile.save()
    lena = make_listener(username="lena-listener")
    lena.profile.display_name = "Lena L."
    lena.profile.save()
    User.objects.filter(pk=lena.pk).update(timezone="Pacific/Auckland")
    m = make_mentorship(mentor, lena)
    # A browser far from the profile's zone, with another locale's date format.
    context = browser.new_context(
        base_url=live_asgi_server.url, locale="en-US", timezone_id="America/Los_Angeles"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: browser_problems.page_errors.append(str(exc)))
    try:
        log_in(page, lena)
        page.goto(f"/mentorships/{m.pk}/")
        expect(page.get_by_role("heading", name="Chat with Kai")).to_be_visible()
        expect(page.locator("#chat-status")).to_have_text("connected")
        page.locator("#chat-form textarea[name=body]").fill("Hello from the other side")
        page.locator("#chat-form").get_by_role("button", name="Send").click()
        expect(page.locator("#chat-log li.chat-message.chat-pending")).to_have_count(0)
        message = Message.objects.get(mentorship=m)
        live = _chat_line(page, message.pk)
        page.reload()
        reloaded = _chat_line(page, message.pk)
        assert live == reloaded
        local = timezone.localtime(message.created_at, zoneinfo.ZoneInfo("Pacific/Auckland"))
        assert reloaded == ("Lena L.", f"{local.day} {local:%b}, {local:%H:%M}")
        assert browser_problems.page_errors == []
    finally:
        context.close()


def test_publishing_a_run_is_confirmed_first(page: Page) -> None:
    staff = factories.UserFactory.create(username="sam-staff", roles=[Role.STAFF])
    make_mentor(username="mia-mentor")
    make_listener(username="lou-listener")
    log_in(page, staff)
    page.goto("/mentorships/staff/matching/")
    page.get_by_role("button", name="Run matching now").click()
    expect(page.get_by_test_id("run-status")).to_contain_text("Draft")
    page.get_by_role("button", name="Publish these proposals").click()
    expect(page.get_by_text("Tick the box to confirm: this can't be undone.")).to_be_visible()
    assert MatchRun.objects.get().status == "draft"
    assert Mentorship.objects.count() == 0
    page.get_by_label(re.compile(r"Yes, publish 1 proposal")).check()
    page.get_by_role("button", name="Publish these proposals").click()
    expect(page.get_by_test_id("run-status")).to_contain_text("Published")
    assert Mentorship.objects.count() == 1
