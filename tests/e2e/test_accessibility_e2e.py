"""Automated WCAG 2 A/AA checks (axe-core, vendored: nothing is fetched) on every page this
issue ships, signed out and signed in, including a form showing its errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page

from peerpath.accounts.tests import factories

if TYPE_CHECKING:
    from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    # Evaluated through the DevTools protocol: an inline <script> (add_script_tag) is refused
    # by the pages' Content-Security-Policy, as it should be.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE)
    result: dict[str, Any] = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def assert_accessible(page: Page, path: str) -> None:
    page.goto(path)
    violations = axe_violations(page)
    assert violations == [], f"{path}: {json.dumps(violations, indent=1)}"


def test_public_pages_are_accessible(page: Page, live_asgi_server: LiveServer) -> None:
    for path in ["/", "/accounts/signup/", "/accounts/login/", "/accounts/password/reset/"]:
        assert_accessible(page, path)
    page.goto("/no/such/page/")
    assert axe_violations(page) == []


def test_form_with_errors_is_accessible(page: Page, live_asgi_server: LiveServer) -> None:
    page.goto("/accounts/signup/")
    page.get_by_role("button", name="Create my account").click()
    assert page.locator(".error").count() > 0
    assert axe_violations(page) == []


def test_signed_in_pages_are_accessible(page: Page, live_asgi_server: LiveServer) -> None:
    user = factories.UserFactory.create(username="axe-person", listener=True)
    factories.UserFactory.create(username="axe-peer")
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(user.username)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(f"{live_asgi_server.url}/")
    for path in ["/", "/accounts/profile/", "/accounts/people/axe-peer/", "/path/", "/rooms/"]:
        assert_accessible(page, path)


def test_mentoring_pages_are_accessible(page: Page, live_asgi_server: LiveServer) -> None:
    """The directory, a mentor page, requests, the hub, a mentorship space with its chat,
    "I can't get in touch", mentor settings (also with errors) and the staff matching screen."""
    from peerpath.accounts.roles import Role
    from peerpath.mentorship.models import Message
    from peerpath.mentorship.services import requests
    from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship

    def log_in(username: str) -> None:
        page.context.clear_cookies()
        page.goto("/accounts/login/")
        page.locator("#id_login").fill(username)
        page.locator("#id_password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Log in", exact=True).click()
        page.wait_for_url(f"{live_asgi_server.url}/")

    mentor = make_mentor(username="axe-mentor", topics=("anxiety",))
    make_mentor(username="axe-mentor-2", topics=("stress",))
    listener = make_listener(username="axe-listener")
    other = make_listener(username="axe-waiting")
    m = make_mentorship(mentor, listener, goal="Grow", explanation=["both speak English"])
    Message.objects.create(mentorship=m, sender=mentor, body="Hello!")  # setup: no broadcast
    requests.request_mentors(mentee=other, mentors=[mentor], goal="Lead a group")
    staff = factories.UserFactory.create(username="axe-staff", roles=[Role.STAFF])

    log_in(listener.username)
    for path in [
        "/",
        "/mentors/",
        "/mentors/?language=en&accepting=on",
        "/mentors/axe-mentor-2/",
        "/mentors/request/",
        "/mentorships/",
        f"/mentorships/{m.pk}/",
        f"/mentorships/{m.pk}/cant-get-in-touch/",
    ]:
        assert_accessible(page, path)

    log_in(mentor.username)
    for path in ["/", "/mentorships/", "/mentors/settings/", f"/mentorships/{m.pk}/"]:
        assert_accessible(page, path)
    page.goto("/mentors/settings/")
    page.get_by_label("How many mentees at once").fill("99")
    page.get_by_role("button", name="Save mentor settings").click()
    assert page.locator(".error").count() > 0
    assert axe_violations(page) == []

    log_in(staff.username)
    assert_accessible(page, "/mentorships/staff/matching/")
    page.get_by_role("button", name="Run matching now").click()
    page.wait_for_url("**/mentorships/staff/matching/*/")
    assert axe_violations(page) == []
