"""The Content-Security-Policy and Permissions-Policy in a real browser, on the pages we render
but did not write: the Django admin, allauth's account and two-factor pages, the API docs
(django-ninja's Swagger UI). The policy is strict (no inline script or style, no eval); these
pages must still work under it, and the suite must notice when something is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import ConsoleMessage, Page, expect

from peerpath.accounts.roles import Role
from peerpath.accounts.tests import factories
from peerpath.rooms.models import RoomCommunity
from tests.e2e.conftest import POLICY_VIOLATIONS
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e


def test_the_django_admin_works_under_the_policy(
    page: Page, browser_problems: BrowserProblems
) -> None:
    """Django 5.2's admin has no inline script and no style attribute: the site-wide policy
    serves it as it is (no per-view exemption)."""
    staff = factories.UserFactory.create(username="csp-staff", roles=[Role.STAFF])
    RoomCommunity.objects.create(slug="csp-community", name="CSP community")
    page.goto("/admin/login/")
    expect(page.locator("#id_username")).to_be_visible()
    log_in(page, staff)
    for path in (
        "/admin/",
        "/admin/accounts/user/",  # changelist: actions, filters, search
        f"/admin/accounts/user/{staff.pk}/change/",  # change form: fieldsets, related widgets
        "/admin/rooms/room/add/",  # add form: prepopulated slug, select widgets
        "/admin/rooms/roomcommunity/",
    ):
        response = page.goto(path)
        assert response is not None
        assert response.status == 200, path
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
        page.wait_for_load_state("load")
    # The admin's own scripts ran: the prepopulated slug follows the name as one types.
    page.goto("/admin/rooms/room/add/")
    page.locator("#id_name").press_sequentially("Quiet corner")  # keyup drives it
    expect(page.locator("#id_slug")).to_have_value("quiet-corner")
    # The admin's pages name no icon, so Chromium asks for /favicon.ico (404): not a policy
    # matter.
    assert [p for p in browser_problems.all() if "/favicon.ico" not in p] == []


def test_account_two_factor_and_api_docs_pages_work_under_the_policy(
    page: Page, browser_problems: BrowserProblems
) -> None:
    member = factories.UserFactory.create(username="csp-member")
    # allauth lets only a verified address set up two-factor authentication.
    EmailAddress.objects.update_or_create(
        user=member, email=member.email, defaults={"verified": True, "primary": True}
    )
    log_in(page, member)
    for path in ("/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 200, path
    # TOTP set-up shows its QR code as a data: image (img-src allows data:).
    page.goto("/accounts/2fa/totp/activate/")
    page.locator("#id_password").fill(factories.PASSWORD)  # allauth asks to reauthenticate
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/2fa/totp/activate/")
    qr = page.locator("img[src^='data:']").first
    expect(qr).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth > 0", qr.element_handle())
    # Swagger UI (vendored by django-ninja, served from our static files) renders.
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .information-container")).to_be_visible()
    assert browser_problems.all() == []


def test_a_refused_inline_script_or_style_is_reported(
    page: Page, browser_problems: BrowserProblems, request: pytest.FixtureRequest
) -> None:
    """The suite's detector (tests/e2e/conftest.py) sees what the policy refuses; this test
    then clears what it saw, so only this test's deliberate violations are forgiven."""
    page.goto("/accounts/login/")

    def refused(msg: ConsoleMessage) -> bool:
        return "Content Security Policy" in msg.text

    with page.expect_console_message(refused):
        page.evaluate(
            """() => {
                const s = document.createElement("script");
                s.textContent = "window.injected = true";
                document.head.appendChild(s);
            }"""
        )
    with page.expect_console_message(refused):
        page.evaluate("() => document.body.setAttribute('style', 'background: red')")
    assert page.evaluate("() => window.injected === undefined")
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != (
        "rgb(255, 0, 0)"
    )
    violations = request.node.stash[POLICY_VIOLATIONS]
    assert any("script" in v for v in violations), violations
    assert any("style" in v for v in violations), violations
    violations.clear()
    browser_problems.clear()
