from __future__ import annotations

import pytest

from peerpath.feedback import selectors
from peerpath.feedback.models import FeedbackSettings
from peerpath.feedback.tests.helpers import mentor_with_feedback

pytestmark = pytest.mark.django_db


def test_k_anonymity_4_responses_hidden_5_shown():
    mentor, _authors = mentor_with_feedback(4)
    hidden = selectors.aggregate_for(mentor)
    assert (hidden.visible, hidden.count, hidden.waiting, hidden.remaining) == (False, 0, 4, 1)
    assert hidden.mean is None
    assert hidden.comments == []
    assert hidden.bars == []

    from peerpath.feedback import services
    from peerpath.feedback.tests.helpers import session_participant

    services.give_feedback(author=session_participant(mentor), listener=mentor, rating=4)
    shown = selectors.aggregate_for(mentor)
    assert (shown.visible, shown.count) == (True, 5)
    # ratings 5, 4, 3, 5, 4
    assert shown.mean == 4.2
    assert {b.rating: b.count for b in shown.bars} == {5: 2, 4: 2, 3: 1, 2: 0, 1: 0}
    assert shown.positive == 4
    assert len(shown.comments) == 4


def test_k_is_configurable():
    FeedbackSettings.objects.update_or_create(pk=1, defaults={"k": 3})
    mentor, _ = mentor_with_feedback(3)
    assert selectors.aggregate_for(mentor).visible
    assert not selectors.aggregate_for(mentor, k=4).visible


def test_comments_carry_only_the_month_and_are_ordered_by_month_then_text():
    mentor, _ = mentor_with_feedback(5)
    comments = selectors.aggregate_for(mentor).comments
    assert [c.text for c in comments] == sorted(c.text for c in comments)
    assert all(len(c.month.split()) == 2 for c in comments)  # "March 2026"


def test_the_aggregate_takes_a_few_queries(django_assert_max_num_queries):
    mentor, _ = mentor_with_feedback(7)
    with django_assert_max_num_queries(5):
        selectors.aggregate_for(mentor)
