"""Safeguarding in the private mentorship chat, in real browsers (issue 17, "done when"): a
teen mentee writes a crisis message; it is delivered, the teen sees their helplines within a
second, their (teen) mentor's bell shows the alert live, and staff find it in the queue at
/staff/safety/."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect

from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.mentorship.models import Message
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.notifications.models import Notification
from peerpath.safety.models import SafetyAlert
from peerpath.safety.services import help_for
from tests.e2e.test_mentorship_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

CRISIS = "honestly i want to end my life"
HELP_WITHIN_MS = 1_000


def test_a_teens_crisis_in_the_chat_shows_help_alerts_the_mentor_and_reaches_staff(
    page: Page,
    browser: Browser,
    live_asgi_server: LiveServer,
    browser_problems: BrowserProblems,
) -> None:
    mentor = make_mentor(teen=True, username="tia-teen-mentor")
    teen = make_listener(teen=True, username="sam-teen")
    make_mentor(username="adult-mentor")  # an adult, who must never hear of it
    staff = factories.UserFactory.create(username="sara-staff", roles=[Role.STAFF])
    m = make_mentorship(mentor, teen, goal="Feel calmer at school")
    teen_lines = [r.name for r in help_for(teen)]
    assert teen_lines

    contexts = []
    try:
        # The mentor waits on their dashboard, bell at 0 and live.
        mentor_context = browser.new_context(base_url=live_asgi_server.url, locale="en-GB")
        mentor_context.set_default_timeout(10_000)
        contexts.append(mentor_context)
        mentor_page = mentor_context.new_page()
        log_in(mentor_page, mentor)
        bell = mentor_page.locator("[data-notifications-bell]")
        expect(bell.locator("[data-count]")).to_have_text("0")
        expect(bell).to_have_attribute("data-socket-state", "open")

        # The teen writes in the private chat, over the WebSocket.
        log_in(page, teen)
        page.goto(f"/mentorships/{m.pk}/")
        expect(page.locator("#chat-status")).to_have_text("connected")
        panel = page.get_by_test_id("chat-crisis-help")
        expect(panel).to_be_hidden()
        page.locator("#chat-form textarea[name=body]").fill(CRISIS)
        sent_at = time.monotonic()
        page.locator("#chat-form").get_by_role("button", name="Send").click()

        # Help at once, next to the chat: the teen's own helplines, kindly worded.
        expect(panel).to_be_visible(timeout=HELP_WITHIN_MS)
        assert time.monotonic() - sent_at < 2 * HELP_WITHIN_MS  # clicking included
        expect(panel).to_contain_text("You don't have to carry this alone")
        expect(panel).to_contain_text("Your message was sent")
        expect(panel.locator("li").first).to_contain_text(teen_lines[0])
        # ...and the message went through as usual.
        mine = page.locator("#chat-log .chat-message.chat-mine")
        expect(mine.locator(".chat-body")).to_have_text([CRISIS])
        expect(mine).to_have_attribute("data-id", re.compile(r"^\d+$"))
        message = Message.objects.get(mentorship=m, sender=teen)
        assert message.body == CRISIS
        alert = SafetyAlert.objects.get(source="mentorship.Message", source_id=message.pk)
        assert alert.writer_band == "teen"
        assert set(alert.responders.all()) == {mentor, staff}
        # Closing the panel gives the message box back.
        page.get_by_role("button", name="Close this panel").click()
        expect(panel).to_be_hidden()
        expect(page.locator("#chat-form textarea[name=body]")).to_be_focused()

        # The mentor's bell shows the alert live, without the words.
        expect(bell.locator("[data-count]")).to_have_text("1")
        notice = Notification.objects.get(recipient=mentor, category="safety")
        assert CRISIS not in notice.body
        bell.click()
        expect(mentor_page.get_by_text("Someone may need help now")).to_be_visible()

        # Staff find it in the safeguarding queue.
        staff_context = browser.new_context(base_url=live_asgi_server.url, locale="en-GB")
        staff_context.set_default_timeout(10_000)
        contexts.append(staff_context)
        staff_page = staff_context.new_page()
        log_in(staff_page, staff)
        response = staff_page.goto("/staff/safety/")
        assert response is not None
        assert response.status != 501, "/staff/safety/ is still a placeholder"
        row = staff_page.locator(f'[data-testid="safety-alert"][data-alert="{alert.pk}"]')
        expect(row).to_be_visible()
        expect(row).to_contain_text(CRISIS)
        expect(row).to_contain_text(teen.username)
    finally:
        for context in contexts:
            context.close()
    assert browser_problems.all() == []
