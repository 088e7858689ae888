"""Walk the community-programs flows of issue 7 in a real browser against a running demo.

    make demo                                   # in one terminal
    .venv/bin/python scripts/demo_walk.py       # in another (BASE_URL to point elsewhere)

1. A new listener signs up, joins the Listener onboarding cohort, answers both written
   discussions and replies to two fellow trainees in each, browses the mentor directory and
   saves a mentor: the program is complete.
2. ``demo-mentor`` volunteers for an open host slot of a coming AMA, and marks the drop-in
   they are hosting right now as held, ticking who came.
3. ``demo-mentor`` (a listener) reads their anonymized feedback.
4. ``demo-staff`` opens the partner dashboard from the header, the analytics, filters the
   mentorships to those with no conversation and messages one pair.

Each step prints what it saw; any failure raises. Not part of ``make test`` (it needs the
seeded demo community): the same flows are covered there by the apps' own tests and e2e tests.
"""

from __future__ import annotations

import os
import re
import secrets

from playwright.sync_api import Page, expect, sync_playwright

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
PASSWORD = "peerpath-demo"  # noqa: S105 - the documented demo password


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_load_state("load")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_load_state("load")


def onboarding(page: Page) -> None:
    name = f"walker-{secrets.token_hex(3)}"
    password = secrets.token_urlsafe(12)
    page.goto("/accounts/signup/")
    page.get_by_label("Pseudonym").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.org")
    page.locator("#id_password1").fill(password)
    page.locator("#id_password2").fill(password)
    page.get_by_label("Date of birth").fill("1995-05-17")
    page.get_by_role("radio", name="Listener", exact=True).check()
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_role("checkbox", name="English", exact=True).check()
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
    print(f"1. signed up as {name}")

    page.goto("/training/listener-onboarding/")
    page.get_by_role("button", name="Join").first.click()
    page.wait_for_load_state("load")
    for step in (1, 2):
        page.goto(f"/training/listener-onboarding/{step}/")
        page.get_by_label("Your answer").fill(
            f"My answer to step {step}: I want to listen without rushing to fix things."
        )
        page.get_by_role("button", name="Post my answer").click()
        expect(page.get_by_test_id("training-notice")).to_contain_text("Your answer is posted.")
        buttons = page.get_by_role("button", name="Reply to ")
        peers = [b.inner_text().removeprefix("Reply to ").strip() for b in buttons.all()]
        if len(peers) < 2:
            raise SystemExit(f"step {step}: fellow trainees to reply to: {peers}")
        for n, peer in enumerate(peers[:2], start=1):
            page.get_by_label(f"Reply to {peer}").fill(f"Thank you {peer}, that rang true.")
            page.get_by_role("button", name=f"Reply to {peer}").click()
            if n < 2:
                expect(page.get_by_test_id("peer-count")).to_have_text("1 of 2 peer replies")
        expect(page.get_by_test_id("step-complete")).to_be_visible()
        print(f"   discussion {step}: answered and replied to {peers[:2]}: complete")
    page.goto("/training/listener-onboarding/3/")
    page.get_by_role("link", name="mentor directory").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_contain_text("entor")
    page.go_back()
    page.wait_for_load_state("load")
    page.get_by_role("link", name="save a mentor").click()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Save this mentor").first.click()
    page.wait_for_load_state("load")
    page.goto("/training/listener-onboarding/")
    for step in (1, 2, 3):
        expect(page.get_by_test_id(f"step-{step}")).to_have_attribute("data-state", "complete")
    expect(page.locator("body")).to_contain_text("complete")
    print("   discussion 3: browsed the mentors and saved one: program complete")
    log_out(page)


def mentor_hosts(page: Page) -> None:
    log_in(page, "demo-mentor")
    page.goto("/events/")
    page.get_by_role("link", name="AMA: your first month as a listener").first.click()
    page.wait_for_load_state("load")
    if page.get_by_role("button", name="Give it back").count():  # walked before: start over
        page.get_by_role("button", name="Give it back").click()
        page.wait_for_load_state("load")
    page.get_by_role("button", name="Volunteer to host").first.click()
    page.wait_for_load_state("load")
    expect(page.locator("body")).to_contain_text("demo-mentor")
    print("2. demo-mentor volunteered to host the AMA")
    page.goto("/events/")
    drop_in = page.get_by_test_id("to-close").get_by_role("link", name="Drop-in: meet the mentors")
    if drop_in.count():
        drop_in.click()
        page.wait_for_load_state("load")
        page.get_by_role("checkbox").first.check()
        page.get_by_role("button", name="Mark as held").click()
        page.wait_for_load_state("load")
        expect(page.locator("body")).to_contain_text("held")
        print("   demo-mentor marked the drop-in held")
    else:
        print("   the drop-in was marked held by an earlier walk")
    page.goto("/events/rota/")
    print("   rota: " + page.locator("main").inner_text().split("\n")[0:6].__str__())
    log_out(page)


def feedback(page: Page) -> None:
    log_in(page, "demo-mentor")
    page.goto("/feedback/")
    main = page.locator("main")
    expect(main).to_contain_text("Responses")
    text = main.inner_text()
    if "demo-" in text:
        raise SystemExit("an author's name is shown on the feedback page")
    print("3. demo-mentor reads their feedback: " + " | ".join(text.split("\n")[:8]))
    log_out(page)


def staff_program(page: Page) -> None:
    log_in(page, "demo-staff")
    page.get_by_role("link", name="Program").click()
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("freshness")).to_contain_text("Figures as of")
    print("4. demo-staff opens the partner dashboard: " + page.locator("main h1").inner_text())
    page.goto("/staff/analytics/")
    expect(page.locator("canvas").first).to_be_visible()
    page.goto("/staff/mentorships/")
    page.locator("#id_conversations").select_option("0")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"conversations=0"))  # htmx swapped the table
    page.wait_for_load_state("networkidle")
    count = page.get_by_test_id("pair-count").inner_text()
    rows = page.locator("#pairs input[type=checkbox][name=pair]")
    if rows.count() == 0:
        raise SystemExit("no pair without a conversation on the demo")
    rows.first.check()
    page.locator("#bulk-form select[name=recipients]").select_option("both")
    page.locator("#bulk-form input[name=title]").fill("Checking in")
    page.locator("#bulk-form textarea[name=body]").fill("Is there anything we can help with?")
    page.get_by_role("button", name="Send message").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text("Sent to")
    print(f"   filtered to 0 conversations ({count}) and messaged one pair")
    log_out(page)


def main() -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        context = browser.new_context(base_url=BASE, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(10_000)
        onboarding(page)
        mentor_hosts(page)
        feedback(page)
        staff_program(page)
        browser.close()
    print("walk complete")


if __name__ == "__main__":
    main()
