"""Roles and the ladder are one system, across pages (issue 19): a role staff give in the
people admin is the ladder's held role on /path/ and on the dashboard, with a notice in the
bell; an award revoked in the award admin (with a reason) reads "Revoked on … because …" on
/path/; and /path/ leads with next steps and what one holds, the rest folded."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from peerpath.accounts.models import User
from peerpath.accounts.tests import factories
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.services import record_activities_bulk
from peerpath.progression.models import Achievement, Award, AwardSource, AwardState
from peerpath.progression.services.awards import grant_award
from tests.e2e.test_progression_e2e import log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e


def _superuser(username: str) -> User:
    boss: User = factories.UserFactory.create(username=username)
    User.objects.filter(pk=boss.pk).update(is_superuser=True, is_staff=True)
    boss.refresh_from_db()
    return boss


def test_a_role_given_in_the_admin_is_held_on_the_path_and_revoked_with_a_reason(
    page: Page, browser: Browser, live_asgi_server: LiveServer
) -> None:
    mo: User = factories.UserFactory.create(username="mo-listener", listener=True)
    boss = _superuser("su-boss")

    # Staff, in their own browser: the people admin's role field, with the reason.
    context = browser.new_context(base_url=live_asgi_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    admin = context.new_page()
    try:
        log_in(admin, boss)
        admin.goto(f"/admin/accounts/user/{mo.pk}/change/")
        admin.locator("#id_groups_from").select_option(label="Moderator")
        admin.locator("#id_groups_add").click()
        admin.get_by_label("Why the ladder roles change").fill("Moderated our old forum.")
        admin.get_by_role("button", name="Save", exact=True).click()
        expect(admin.locator(".messagelist")).to_contain_text("was changed successfully")
    finally:
        context.close()

    # The person: the path holds Chatroom Moderator, the dashboard lists it, the bell tells.
    log_in(page, mo)
    card = page.locator("#badges")
    expect(card.get_by_test_id("held-award")).to_contain_text(["Chatroom Moderator"])
    expect(card).not_to_contain_text("No badges yet")
    page.goto("/path/")
    moderator = page.locator("#item-chatroom-moderator")
    expect(moderator.get_by_test_id("status")).to_have_text("Held")
    expect(page.locator("#held")).to_contain_text("Chatroom Moderator")
    page.goto("/notifications/")
    expect(page.get_by_role("main")).to_contain_text("You earned Chatroom Moderator")

    # Staff revoke it in the award admin: the action asks why first.
    award = Award.objects.get(user=mo, achievement__slug="chatroom-moderator")
    context = browser.new_context(base_url=live_asgi_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    admin = context.new_page()
    try:
        log_in(admin, boss)
        admin.goto("/admin/progression/award/")
        admin.locator(f"input[name=_selected_action][value='{award.pk}']").check()
        admin.locator("select[name=action]").select_option("revoke")
        admin.get_by_role("button", name="Go").click()
        expect(admin.get_by_role("heading", level=1)).to_have_text("Why are these awards revoked?")
        admin.get_by_label("Reason").fill("Shared a member's story outside the room")
        admin.get_by_role("button", name="Revoke 1 award").click()
        expect(admin.locator(".messagelist")).to_contain_text("1 award(s) revoked.")
    finally:
        context.close()
    award.refresh_from_db()
    assert award.state == AwardState.REVOKED

    page.goto("/path/")
    today = timezone.localdate()
    expect(moderator.get_by_test_id("revoked")).to_be_visible()
    expect(moderator.get_by_test_id("revoked")).to_contain_text(
        f"Revoked on {today.day} {today:%B %Y} because Shared a member's story outside the room."
    )
    expect(moderator.get_by_test_id("status")).to_have_text("Revoked")
    expect(moderator).not_to_contain_text("Eligible")
    expect(moderator).not_to_contain_text("next update")


def test_the_path_leads_with_next_steps_and_folds_the_rest(
    page: Page, live_asgi_server: LiveServer
) -> None:
    """A listener like demo-listener: Room Supporter and Listener Level 1 held, working
    towards the next rungs (the page was about 4,900 px tall for one listener)."""
    lee: User = factories.UserFactory.create(username="lee-listener", listener=True)
    now = timezone.now()
    for slug, days in (("room-supporter", 200), ("listener-level-1", 100)):
        grant_award(
            user=lee,
            achievement=Achievement.objects.get(slug=slug),
            source=AwardSource.AUTOMATIC,
            reasons="Met",
            at=now - dt.timedelta(days=days),
        )
    record_activities_bulk(
        ActivityEvent(user=lee, kind=kind, occurred_at=now - dt.timedelta(hours=h))
        for kind, n in (
            (ActivityKind.ONE_TO_ONE_CHAT, 14),
            (ActivityKind.GROUP_CHAT, 12),
            (ActivityKind.REVIEW_POSITIVE, 3),
        )
        for h in range(1, n + 1)
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, lee)
    page.goto("/path/")
    # next steps first, then what one holds
    first = page.locator("main section").first
    expect(first).to_have_id("next-steps")
    expect(page.locator("#held")).to_contain_text("Room Supporter")
    expect(page.locator("#held")).to_contain_text("Listener Level 1")
    # a listener is not shown the member route to Room Supporter
    expect(page.locator("#next-steps")).not_to_contain_text("member")
    # every card lists its criteria once; cards not held are folded
    for card in page.get_by_test_id("path-item").all():
        expect(card.locator("ul.criteria")).to_have_count(1)
    expect(page.locator("#item-group-support-mentor .criteria")).to_be_hidden()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2700, f"/path/ is {height} px tall"  # it was about 4,900 px
