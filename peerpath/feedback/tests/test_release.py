"""Issue 19: once a listener had k responses, each new one showed at once, so the one new
mentee's rating and comment could be told apart. New responses are released in batches: a
response becomes visible only when at least k new ones have arrived since the last release."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerpath.feedback import selectors, services
from peerpath.feedback.models import Feedback, FeedbackSettings
from peerpath.feedback.tests.helpers import mentee_who_chatted, mentor_with_feedback
from peerpath.feedback.tests.helpers import session_participant as participant
from peerpath.notifications.models import Notification
from peerpath.progression import facts
from peerpath.progression.ladder import load_rules

pytestmark = pytest.mark.django_db


def _seen(mentor):
    a = selectors.aggregate_for(mentor)
    return (a.visible, a.count, a.mean, [b.count for b in a.bars], [c.text for c in a.comments])


def test_one_new_response_after_k_cannot_be_attributed():
    mentor, _ = mentor_with_feedback(5)  # k = 5: the first batch is shown
    before = _seen(mentor)
    assert before[:2] == (True, 5)

    # the attack: a new mentee answers, the listener looks again
    newcomer = mentee_who_chatted(mentor)
    services.give_feedback(
        author=newcomer, listener=mentor, rating=1, comment="Never answered my messages."
    )
    assert _seen(mentor) == before

    # still nothing after k - 1 new responses...
    for _ in range(3):
        services.give_feedback(author=participant(mentor), listener=mentor, rating=5)
    assert _seen(mentor) == before
    # ...the k-th new one releases the batch: k new responses at once, none attributable
    services.give_feedback(author=participant(mentor), listener=mentor, rating=4)
    after = selectors.aggregate_for(mentor)
    assert (after.visible, after.count) == (True, 10)
    assert "Never answered my messages." in [c.text for c in after.comments]
    assert not Feedback.objects.filter(listener=mentor, released_at__isnull=True).exists()


def test_the_first_batch_is_the_k_threshold():
    mentor, _ = mentor_with_feedback(4)
    waiting = selectors.aggregate_for(mentor)
    assert (waiting.visible, waiting.count, waiting.remaining) == (False, 0, 1)
    services.give_feedback(author=participant(mentor), listener=mentor, rating=4)
    assert selectors.aggregate_for(mentor).count == 5


def test_k_stays_the_one_setting():
    FeedbackSettings.objects.update_or_create(pk=1, defaults={"k": 3})
    mentor, _ = mentor_with_feedback(4)
    assert selectors.aggregate_for(mentor).count == 3  # one batch of 3; the 4th waits
    services.give_feedback(author=participant(mentor), listener=mentor, rating=4)
    services.give_feedback(author=participant(mentor), listener=mentor, rating=4)
    assert selectors.aggregate_for(mentor).count == 6


def test_the_listener_is_told_at_each_release(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mentor, _ = mentor_with_feedback(11)
    told = Notification.objects.filter(recipient=mentor, category="progression")
    assert told.count() == 2  # at 5 and at 10; the 11th waits


def test_pending_batches_are_released_for_everyone_at_once():
    mentor, _ = mentor_with_feedback(4)
    now = timezone.now()
    FeedbackSettings.objects.update_or_create(pk=1, defaults={"k": 4})
    released = services.release_feedback(now=now + dt.timedelta(minutes=1))
    assert released == {mentor.pk: 4}
    assert selectors.aggregate_for(mentor).count == 4
    assert services.release_feedback(now=now) == {}


def _dashboard_positive(client: Client) -> int:
    body = client.get(reverse("home")).content.decode()
    found = re.search(r"<td>Positive review received</td><td>(\d+)</td>", body)
    return int(found.group(1)) if found else 0


def _page_positive(client: Client) -> int:
    body = client.get(reverse("feedback:mine")).content.decode()
    found = re.search(r"<dt>Positive reviews \(4–5\)</dt><dd>(\d+)</dd>", body)
    return int(found.group(1)) if found else 0


def _ladder_positive(mentor) -> int:
    loaded, _ = facts.load(load_rules(), now=timezone.now(), user_ids=[mentor.pk])
    return int(loaded.counts[("review_positive", None)][0])


def test_the_dashboard_and_the_ladder_count_the_reviews_the_feedback_page_shows():
    # given: four responses, three of them positive, waiting for a batch of five
    mentor, _ = mentor_with_feedback(4)  # ratings 5, 4, 3, 5
    client = Client()
    client.force_login(mentor)
    # then: nothing is shown yet, and nothing counts yet (the page says how many more)
    assert _page_positive(client) == _dashboard_positive(client) == _ladder_positive(mentor) == 0
    # when: the fifth arrives, a positive one, and releases the batch
    services.give_feedback(author=participant(mentor), listener=mentor, rating=4)
    # then: the page, the dashboard and the ladder agree on the four positive ones
    assert _page_positive(client) == _dashboard_positive(client) == _ladder_positive(mentor) == 4
    # and a new positive one waits on all three
    services.give_feedback(author=mentee_who_chatted(mentor), listener=mentor, rating=5)
    assert _page_positive(client) == _dashboard_positive(client) == _ladder_positive(mentor) == 4


def test_a_release_as_of_a_past_moment_releases_only_what_was_given_by_then():
    mentor, _ = mentor_with_feedback(4)
    FeedbackSettings.objects.update_or_create(pk=1, defaults={"k": 4})
    first = Feedback.objects.order_by("created_at").first()
    assert first is not None
    assert services.release_feedback(now=first.created_at) == {}
    assert services.release_feedback() == {mentor.pk: 4}
