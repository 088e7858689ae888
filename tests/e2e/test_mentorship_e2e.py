"""Mentoring in real browsers: a listener finds a mentor by language and asks; the mentor (a
second browser) accepts; they chat live over the WebSocket; the listener then uses "I can't
get in touch → find me a new match" and the mentorship ends."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect

from peerpath.accounts.models import Language, User
from peerpath.accounts.tests import factories
from peerpath.mentorship.models import EndReason, MentorRequest, Mentorship, MentorshipStatus
from peerpath.mentorship.tests.factories import make_listener, make_mentor

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e


def log_in(page: Page, user: User) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(user.username)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_find_request_accept_chat_and_rematch(
    page: Page,
    browser: Browser,
    live_asgi_server: LiveServer,
    browser_problems: BrowserProblems,
) -> None:
    spanish = Language.objects.get(code="es")
    sofia = make_mentor(username="sofia-mentor", topics=("anxiety",))
    sofia.profile.languages.add(spanish)
    make_mentor(username="bert-mentor", topics=("stress",))  # English only
    lena = make_listener(username="lena-listener")
    lena.profile.languages.add(spanish)

    # The listener: dashboard → directory → filter by Spanish (htmx swaps the results).
    log_in(page, lena)
    page.get_by_role("link", name="Connect with a mentor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a mentor")
    results = page.locator("#directory-results")
    expect(results.get_by_test_id("mentor-card")).to_have_count(2)
    page.get_by_label("Language", exact=True).select_option("es")
    expect(results.get_by_test_id("mentor-card")).to_have_count(1)
    expect(results.get_by_test_id("mentor-card")).to_have_attribute("data-username", "sofia-mentor")
    expect(page).to_have_url(re.compile(r"language=es"))  # the filter is in the address

    # ...asks Sofia with a goal.
    results.get_by_role("link", name="sofia-mentor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("sofia-mentor")
    page.get_by_label("What would you like help with?").fill("Grow as a listener, in Spanish")
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("status")).to_contain_text("on its way to sofia-mentor")
    expect(page.get_by_test_id("my-request")).to_contain_text("sofia-mentor")
    assert MentorRequest.objects.filter(mentee=lena).count() == 1

    # The mentor, in a second browser: accepts in the hub and lands in the space.
    context = browser.new_context(base_url=live_asgi_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    mentor_page = context.new_page()
    try:
        log_in(mentor_page, sofia)
        expect(mentor_page.get_by_test_id("waiting-requests")).to_have_text(
            "1 request waiting for your answer"
        )
        mentor_page.get_by_test_id("waiting-requests").click()
        incoming = mentor_page.get_by_test_id("incoming-request")
        expect(incoming).to_contain_text("Grow as a listener, in Spanish")
        incoming.get_by_role("button", name="Accept lena-listener").click()
        expect(mentor_page.get_by_role("heading", level=1)).to_have_text("Mentoring lena-listener")
        mentorship = Mentorship.objects.get(mentee=lena)
        assert mentorship.status == MentorshipStatus.ACTIVE
        expect(mentor_page.locator("#chat-status")).to_have_text("connected")

        # The listener opens the mentorship from the hub.
        page.goto("/mentorships/")
        page.get_by_role("link", name="Mentored by sofia-mentor").click()
        expect(page).to_have_url(re.compile(rf"/mentorships/{mentorship.pk}/$"))
        expect(page.locator("#chat-status")).to_have_text("connected")

        # Live both ways, without reloading.
        mentor_page.locator("#chat-form textarea[name=body]").fill("¡Hola Lena! Welcome.")
        mentor_page.locator("#chat-form").get_by_role("button", name="Send").click()
        listener_log = page.locator("#chat-log")
        expect(listener_log.locator(".chat-message .chat-body")).to_have_text(
            ["¡Hola Lena! Welcome."]
        )
        expect(listener_log.locator(".chat-message .chat-sender")).to_have_text(["sofia-mentor"])
        page.locator("#chat-form textarea[name=body]").fill("Thank you <b>so</b> much!")
        page.locator("#chat-form").get_by_role("button", name="Send").click()
        expect(mentor_page.locator("#chat-log .chat-message .chat-body")).to_have_text(
            ["¡Hola Lena! Welcome.", "Thank you <b>so</b> much!"]
        )
        assert mentor_page.locator("#chat-log b").count() == 0  # text, never markup

        # "I can't get in touch" → "find me a new match": the mentorship ends.
        page.get_by_role("link", name="I can't get in touch").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("I can't get in touch")
        page.locator("#rematch").get_by_label("Anything you'd like to add (optional)").fill(
            "Different time zones"
        )
        page.locator("#rematch").get_by_label("Yes, end my mentorship with sofia-mentor").check()
        page.get_by_role("button", name="Find me a new match").click()
        expect(page.get_by_test_id("mentorship-status")).to_have_text("Ended")
        expect(page.get_by_test_id("end-reason")).to_have_text("Asked for a new match")
        expect(page.locator("#chat-form")).to_have_count(0)
        mentorship.refresh_from_db()
        assert mentorship.status == MentorshipStatus.ENDED
        assert mentorship.end_reason == EndReason.REMATCH
        assert mentorship.end_note == "Different time zones"
    finally:
        context.close()
    # No console errors, page errors or failed requests in the listener's browser.
    assert browser_problems.all() == []
