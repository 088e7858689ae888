"""Accounts in a real browser: sign-up, the under-13 refusal, profile editing, basics."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Dialog, Page, expect

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import AccountType, User
from peerpath.accounts.tests import factories

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "quiet-river-lantern-42"
HOSTILE_NAME = "Sam <script>alert(1)</script>"


def fill_signup(page: Page, *, username: str, born: str, account_type: str = "Member") -> None:
    page.goto("/accounts/signup/")
    page.get_by_label("Pseudonym").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_label("Date of birth").fill(born)  # type=date takes YYYY-MM-DD
    page.get_by_role("radio", name=account_type, exact=True).check()
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_role("checkbox", name="English", exact=True).check()
    page.get_by_role("button", name="Create my account").click()


def log_in(page: Page, user: User) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(user.username)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()


def test_teen_listener_signs_up_and_lands_on_dashboard(
    page: Page, live_asgi_server: LiveServer
) -> None:
    born = factories.years_ago(15, days=40)

    fill_signup(page, username="river-teen", born=born.isoformat(), account_type="Listener")

    expect(page).to_have_url(f"{live_asgi_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, river-teen")
    expect(page.get_by_test_id("age-band")).to_have_text("Teen (13–17)")
    expect(page.get_by_test_id("account-type")).to_have_text("Listener")

    user = User.objects.get(username="river-teen")
    assert user.account_type == AccountType.LISTENER
    assert user.age_band is AgeBand.TEEN
    assert user.date_of_birth == born
    assert user.timezone == "Europe/London"
    assert list(user.profile.languages.values_list("code", flat=True)) == ["en"]


def test_under_13_is_refused_kindly_and_nothing_is_saved(page: Page) -> None:
    fill_signup(page, username="small-fox", born=factories.years_ago(10).isoformat())

    refusal = page.locator("#under-13")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("peerpath is for people aged 13 and over")
    expect(refusal).to_contain_text("Nothing you entered has been saved.")
    assert not User.objects.filter(username="small-fox").exists()
    assert not User.objects.filter(email="small-fox@example.org").exists()


def test_profile_edit_escapes_display_name(page: Page) -> None:
    user = factories.UserFactory.create(username="edit-me")
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    log_in(page, user)
    expect(page.get_by_test_id("account-type")).to_have_text("Member")

    page.goto("/accounts/profile/")
    page.get_by_label("Display name").fill(HOSTILE_NAME)
    page.get_by_role("checkbox", name="Anxiety", exact=True).check()
    page.get_by_role("checkbox", name="Monday 9:00", exact=True).check()
    page.get_by_role("checkbox", name="Wednesday 18:00", exact=True).check()
    page.get_by_role("button", name="Save profile").click()

    expect(page).to_have_url(re.compile(r"/accounts/profile/$"))
    expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
    expect(page.get_by_label("Display name")).to_have_value(HOSTILE_NAME)
    expect(page.get_by_role("checkbox", name="Anxiety", exact=True)).to_be_checked()
    expect(page.get_by_role("checkbox", name="Monday 9:00", exact=True)).to_be_checked()

    # Shown as text wherever the name is displayed, never run as markup.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {HOSTILE_NAME}")
    page.goto(f"/accounts/people/{user.username}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOSTILE_NAME)
    assert page.locator("main script").count() == 0
    assert dialogs == []

    profile = User.objects.get(pk=user.pk).profile
    assert profile.display_name == HOSTILE_NAME
    assert list(profile.topics.values_list("slug", flat=True)) == ["anxiety"]
    assert profile.available_hours() == [9, 2 * 24 + 18]


def test_first_tab_focuses_visible_skip_link(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    expect(skip).to_be_in_viewport()
    box = skip.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["y"] >= 0

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def assert_page_healthy(page: Page, problems: BrowserProblems) -> None:
    page.wait_for_load_state("networkidle")  # late requests (e.g. a favicon) report too
    assert problems.all() == []
    loaded = {url.rsplit("/", 1)[-1] for url in problems.static_ok}
    assert {"peerpath.css", "htmx.min.js", "peerpath.js"} <= loaded, problems.static_ok
    assert page.evaluate("typeof window.htmx") == "object"
    rules = page.evaluate(
        "Array.from(document.styleSheets).reduce((n, s) => n + s.cssRules.length, 0)"
    )
    assert rules > 0
    problems.clear()


def test_no_console_errors_on_landing_signup_and_dashboard(
    page: Page, browser_problems: BrowserProblems
) -> None:
    user = factories.UserFactory.create(username="calm-owl", teen=True)

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Talk, listen, and grow together")
    assert_page_healthy(page, browser_problems)

    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Join")
    assert_page_healthy(page, browser_problems)

    log_in(page, user)
    expect(page.get_by_test_id("age-band")).to_have_text("Teen (13–17)")
    assert_page_healthy(page, browser_problems)
