"""The path in real browsers: a listener with activity sees their numbers and progress bars on
/path/, applies for Chatroom Moderator; staff (a second browser) approve it in the review
queue; back in the first browser the role is held. Plus automated accessibility checks
(axe-core) on the path pages, including a form showing its errors."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.services import record_activities_bulk
from peerpath.progression.models import (
    Achievement,
    Application,
    ApplicationStatus,
    Award,
    AwardSource,
    AwardState,
)
from peerpath.progression.services.awards import grant_award
from tests.e2e.test_accessibility_e2e import axe_violations

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

STATEMENT = "I host the evening room most days and want to help keep it kind and safe."


def log_in(page: Page, user: User) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(user.username)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def make_moderator_eligible(user: User) -> User:
    """Room Supporter for 40 days, 20 group chats and 3 positive reviews."""
    now = timezone.now()
    grant_award(
        user=user,
        achievement=Achievement.objects.get(slug="room-supporter"),
        source=AwardSource.STAFF,
        reasons="Welcomed newcomers in the evening room.",
        at=now - dt.timedelta(days=40),
    )
    hours = [now - dt.timedelta(hours=i + 1) for i in range(20)]
    record_activities_bulk(
        [ActivityEvent(user=user, kind=ActivityKind.GROUP_CHAT, occurred_at=at) for at in hours]
        + [
            ActivityEvent(user=user, kind=ActivityKind.REVIEW_POSITIVE, occurred_at=at)
            for at in hours[:3]
        ]
    )
    return user


def test_see_progress_apply_and_get_approved(
    page: Page,
    browser: Browser,
    live_asgi_server: LiveServer,
    browser_problems: BrowserProblems,
) -> None:
    eli: User = factories.UserFactory.create(username="eli-listener", listener=True)
    make_moderator_eligible(eli)
    staff: User = factories.UserFactory.create(username="sam-staff", roles=[Role.STAFF])

    # The listener: the navigation leads to their path, with real numbers and progress bars.
    log_in(page, eli)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your path").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your path")
    moderator = page.locator("#item-chatroom-moderator")
    expect(moderator.get_by_test_id("status")).to_have_text("Eligible")
    expect(moderator.locator(".criterion-text")).to_contain_text(
        ["Holds Room Supporter", "28 of 28 days as Room Supporter", "20 of 20 group chats"]
    )
    mentor = page.locator("#item-group-support-mentor")
    mentor.locator("summary").click()  # roles not held are folded; open one to read it
    expect(mentor.get_by_text("20 of 75 group chats")).to_be_visible()
    bar = mentor.get_by_role("progressbar", name="Progress towards Group Support Mentor")
    expect(bar).to_be_visible()
    assert 0 < int(bar.get_attribute("value") or "0") < 100
    assert page.locator("progress").count() >= 5
    room = page.locator("#item-room-supporter")
    expect(room.get_by_test_id("status")).to_have_text("Held")
    expect(room.get_by_role("link", name="Your certificate")).to_be_visible()
    expect(page.get_by_test_id("history-row").first).to_contain_text(
        "Granted: Room Supporter — Welcomed newcomers in the evening room."
    )

    # ...applies: a too-short statement first (400, kept), then a real one.
    moderator.get_by_role("link", name="Apply for Chatroom Moderator").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply: Chatroom Moderator")
    page.get_by_label("Why do you apply?").fill("Me please")
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("alert")).to_contain_text("Write a short statement of 20 to 1,500")
    expect(page.get_by_label("Why do you apply?")).to_have_value("Me please")
    assert not Application.objects.exists()
    # The refusal is a 400 on purpose (Chromium logs it): nothing else went wrong so far.
    assert [p for p in browser_problems.all() if "status of 400" not in p] == []
    browser_problems.clear()
    page.get_by_label("Why do you apply?").fill(STATEMENT)
    page.get_by_role("button", name="Send my application").click()
    expect(page).to_have_url(re.compile(r"/path/$"))
    expect(page.get_by_role("status")).to_contain_text("Your application for Chatroom Moderator")
    expect(moderator.get_by_test_id("status")).to_have_text("Application pending")
    application = Application.objects.get(user=eli)
    assert application.status == ApplicationStatus.PENDING

    # Staff, in a second browser: the queue shows the statement and current criteria; approve.
    context = browser.new_context(base_url=live_asgi_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    staff_page = context.new_page()
    try:
        log_in(staff_page, staff)
        staff_page.goto("/path/")
        staff_page.get_by_role("link", name="Applications to review").click()
        expect(staff_page.get_by_role("heading", level=1)).to_have_text("Applications to review")
        card = staff_page.get_by_test_id("application")
        expect(card).to_have_count(1)
        expect(card.get_by_role("heading", level=2)).to_have_text(
            "eli-listener applies for Chatroom Moderator"
        )
        expect(card.locator("blockquote.statement")).to_have_text(STATEMENT)
        expect(card).to_contain_text("Still eligible")
        expect(card).to_contain_text("3 of 3 positive reviews")
        assert axe_violations(staff_page) == []
        card.get_by_label("Note for the applicant").fill("Welcome aboard!")
        card.get_by_role("button", name="Approve eli-listener").click()
        expect(staff_page.get_by_role("status")).to_contain_text(
            "Approved: eli-listener now holds Chatroom Moderator."
        )
        expect(staff_page.get_by_test_id("application")).to_have_count(0)
    finally:
        context.close()

    # Back in the first browser: the role is held, with its certificate and the reason.
    page.reload()
    expect(moderator.get_by_test_id("status")).to_have_text("Held")
    expect(moderator.get_by_role("link", name="Your certificate")).to_be_visible()
    expect(page.get_by_test_id("history-row").first).to_contain_text(
        "Granted: Chatroom Moderator — Application approved by sam-staff. Welcome aboard!"
    )
    award = Award.objects.get(user=eli, achievement__slug="chatroom-moderator")
    assert award.state == AwardState.ACTIVE
    assert browser_problems.all() == []


def test_path_pages_are_accessible(page: Page, live_asgi_server: LiveServer) -> None:
    """/path/ for a new listener and an eligible one, the apply page (not yet; the form; the
    form with errors; already pending) and the review queue with an application."""
    newbie: User = factories.UserFactory.create(username="axe-newbie", listener=True)
    eligible = make_moderator_eligible(
        factories.UserFactory.create(username="axe-eligible", listener=True)
    )
    factories.UserFactory.create(username="axe-staff", roles=[Role.STAFF])

    def check(path: str) -> None:
        page.goto(path)
        violations = axe_violations(page)
        assert violations == [], f"{path}: {violations}"

    log_in(page, newbie)
    for path in ["/path/", "/path/apply/chatroom-moderator/", "/path/apply/mentor-leader/"]:
        check(path)

    page.context.clear_cookies()
    log_in(page, eligible)
    check("/path/")
    check("/path/apply/chatroom-moderator/")
    page.get_by_role("button", name="Send my application").click()
    assert page.locator(".error").count() > 0
    assert axe_violations(page) == []
    page.get_by_label("Why do you apply?").fill(STATEMENT)
    page.get_by_role("button", name="Send my application").click()
    page.wait_for_url(f"{live_asgi_server.url}/path/")
    assert axe_violations(page) == []
    check("/path/apply/chatroom-moderator/")

    page.context.clear_cookies()
    log_in(page, User.objects.get(username="axe-staff"))
    check("/path/reviews/")
    page.get_by_role("button", name="Decline axe-eligible").click()  # no note: 400
    assert page.locator(".alert").count() > 0
    assert axe_violations(page) == []
