"""Issue 19, training: in a discussion, an answer's replies and the box to reply to it are
visibly nested in the answer (indented inside its card), and "Your answer is posted." shows
once after posting, not twice."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from peerpath.training.tests.factories import answer, discussion, make_cohort, reply, trainee
from tests.e2e.test_rooms_e2e import log_in

if TYPE_CHECKING:
    from playwright.sync_api import FloatRect, Locator

    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e

D1 = "/training/group-support-leadership/1/"


def _box(locator: Locator) -> FloatRect:
    box = locator.bounding_box()
    assert box is not None
    return box


def _inside(inner: FloatRect, outer: FloatRect) -> bool:
    return (
        inner["x"] >= outer["x"]
        and inner["y"] >= outer["y"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"]
    )


def test_replies_and_reply_boxes_nest_in_their_answer(
    page: Page, browser_problems: BrowserProblems
) -> None:
    cohort = make_cohort(band="adult", name="E2E nesting")
    tia, pia, pete = (trainee(cohort, username=n) for n in ("tia-nest", "pia-nest", "pete-nest"))
    pia_answer = answer(pia, discussion(), "Pia's highs and lows.")
    reply(pete, pia_answer, "Pete answers Pia: that sounds like a good week.")

    log_in(page, tia)
    page.goto(D1)
    page.get_by_label("Your answer").fill("My highs: a calm room. My lows: a long shift.")
    page.get_by_role("button", name="Post my answer").click()
    expect(page.get_by_test_id("training-notice")).to_contain_text("Your answer is posted.")
    # Said once: the progress line says what is left instead.
    expect(page.get_by_text("Your answer is posted.")).to_have_count(1)
    expect(page.get_by_test_id("step-status")).to_contain_text("You have answered.")

    card = page.locator('[data-testid="post"][data-author="pia-nest"]')
    body = _box(card.locator(":scope > .body"))
    card_box = _box(card)
    the_reply = card.get_by_test_id("reply")
    expect(the_reply).to_contain_text("Pete answers Pia")
    reply_box = _box(the_reply)
    form_box = _box(card.locator("form.reply-form"))
    # The reply and the reply box are inside the answer's card, indented from its text.
    assert _inside(reply_box, card_box), (reply_box, card_box)
    assert _inside(form_box, card_box), (form_box, card_box)
    assert reply_box["x"] >= body["x"] + 12, (reply_box, body)
    assert form_box["x"] >= body["x"] + 12, (form_box, body)
    # The answers themselves are not indented against each other.
    mine = _box(page.locator('[data-testid="post"][data-author="tia-nest"]'))
    assert abs(mine["x"] - card_box["x"]) < 1
    assert browser_problems.all() == []
