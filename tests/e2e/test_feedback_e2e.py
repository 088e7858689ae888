"""Feedback in the browser: a mentee rates their mentor from the mentorship space, and with
five responses the mentor reads the anonymized aggregate and comments, with no author name."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from peerpath.feedback import services
from peerpath.feedback.tests.helpers import chat, session_participant
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

COMMENT = "You helped me <b>slow down</b> and listen."


def test_a_mentee_gives_feedback_and_the_mentor_reads_it_anonymously(
    page: Page,
    browser: Browser,
    live_asgi_server: LiveServer,
    browser_problems: BrowserProblems,
) -> None:
    # given: a mentor with four responses from session participants and a mentee who chatted
    mentor = make_mentor(username="fb-mentor", capacity=5)
    mentee = make_listener(username="fb-mentee")
    mentorship = make_mentorship(mentor, mentee)
    chat(mentorship)
    others = [session_participant(mentor, username=f"fb-participant-{i}") for i in range(4)]
    for person, rating in zip(others, [5, 4, 4, 3], strict=True):
        services.give_feedback(author=person, listener=mentor, rating=rating, comment="")

    # when: the mentee gives feedback from the mentorship space
    log_in(page, mentee)
    page.goto(reverse("mentorship:space", args=[mentorship.pk]))
    page.get_by_test_id("give-feedback").click()
    expect(page.get_by_test_id("context")).to_contain_text("Mentorship chat")
    page.get_by_label("5 · Excellent").check()
    page.locator("#feedback_comment").fill(COMMENT)
    page.get_by_role("button", name="Send feedback").click()
    expect(page.locator("body")).to_contain_text("Thank you! Your feedback for fb-mentor")
    page.wait_for_load_state("load")

    # then: the mentor reads the aggregate and the comment, and no author's name
    context = browser.new_context(base_url=live_asgi_server.url, locale="en-GB")
    mentor_page = context.new_page()
    try:
        log_in(mentor_page, mentor)
        mentor_page.goto("/feedback/")
        mentor_page.wait_for_load_state("load")
        expect(mentor_page.get_by_test_id("count")).to_have_text("5")
        expect(mentor_page.get_by_test_id("mean")).to_have_text("4.2 / 5")
        expect(mentor_page.get_by_test_id("comments")).to_contain_text(COMMENT)
        body = (
            mentor_page.locator("main").inner_text() if mentor_page.locator("main").count() else ""
        )
        html = mentor_page.content()
        for name in ["fb-mentee", *(p.username for p in others)]:
            assert name not in html
        assert "slow down" in body or "slow down" in html
    finally:
        context.close()
    assert browser_problems.all() == []
