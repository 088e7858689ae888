from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.selectors import activity_counts, activity_counts_for_user
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.feedback import selectors, services
from peerpath.feedback.models import ContextKind, Feedback, FeedbackSettings
from peerpath.feedback.tests.helpers import (
    chat,
    feedback_count,
    mentee_who_chatted,
    mentor_with_feedback,
    session_participant,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_mentee_who_chatted_gives_feedback_to_their_mentor():
    # given
    mentor = make_mentor()
    mentee = mentee_who_chatted(mentor)
    # when
    fb = services.give_feedback(
        author=mentee, listener=mentor, rating=5, comment="  Thanks!  "
    ).feedback
    # then
    assert (fb.rating, fb.comment, fb.context_kind) == (5, "Thanks!", ContextKind.MENTORSHIP)
    assert fb.context_id == mentor.mentorships_as_mentor.get().pk


def test_a_session_participant_gives_feedback_to_the_host():
    host = make_mentor()
    person = session_participant(host)
    fb = services.give_feedback(author=person, listener=host, rating=3).feedback
    assert fb.context_kind == ContextKind.SESSION
    assert fb.comment == ""


def test_a_chat_with_one_side_silent_is_not_a_chat():
    mentor, mentee = make_mentor(), make_listener()
    make_mentorship(mentor, mentee)
    with pytest.raises(Forbidden):
        services.give_feedback(author=mentee, listener=mentor, rating=5)
    assert feedback_count() == 0


def test_never_chatted_is_refused_and_nothing_saved():
    with pytest.raises(Forbidden) as exc:
        services.give_feedback(author=make_listener(), listener=make_mentor(), rating=5)
    assert "chatted" in exc.value.message
    assert feedback_count() == 0
    assert not ActivityEvent.objects.exists()


def test_an_interaction_older_than_14_days_does_not_count():
    mentor, mentee = make_mentor(), make_listener()
    chat(make_mentorship(mentor, mentee), at=timezone.now() - dt.timedelta(days=15))
    with pytest.raises(Forbidden):
        services.give_feedback(author=mentee, listener=mentor, rating=5)


def test_the_mentee_cannot_be_rated_by_the_mentor_through_the_chat():
    # The mentor is the listener being rated; the chat does not make the mentee ratable.
    mentor = make_mentor()
    mentee = mentee_who_chatted(mentor)
    with pytest.raises(Forbidden):
        services.give_feedback(author=mentor, listener=mentee, rating=5)


def test_self_other_band_and_suspended_are_refused():
    mentor = make_mentor()
    with pytest.raises(Forbidden):
        services.give_feedback(author=mentor, listener=mentor, rating=5)
    with pytest.raises(NotFound):
        services.give_feedback(author=make_listener(teen=True), listener=mentor, rating=5)
    suspended = mentee_who_chatted(mentor)
    suspended.suspended_until = timezone.now() + dt.timedelta(days=1)
    suspended.save()
    with pytest.raises(Forbidden):
        services.give_feedback(author=suspended, listener=mentor, rating=5)
    assert feedback_count() == 0


@pytest.mark.parametrize("rating", [0, 6, "", None, "five", True, 4.5])
def test_a_bad_rating_is_refused(rating):
    mentor = make_mentor()
    mentee = mentee_who_chatted(mentor)
    with pytest.raises(Refused) as exc:
        services.give_feedback(author=mentee, listener=mentor, rating=rating)
    assert exc.value.status == 400
    assert feedback_count() == 0


@pytest.mark.parametrize("comment", ["x" * 1001, "bad\x00byte", 42])
def test_a_bad_comment_is_refused(comment):
    mentor = make_mentor()
    mentee = mentee_who_chatted(mentor)
    with pytest.raises(Refused) as exc:
        services.give_feedback(author=mentee, listener=mentor, rating=4, comment=comment)
    assert exc.value.status == 400
    assert feedback_count() == 0


def test_html_is_stored_as_plain_text():
    mentor = make_mentor()
    mentee = mentee_who_chatted(mentor)
    fb = services.give_feedback(
        author=mentee, listener=mentor, rating=4, comment="<b>hi</b> **bold**"
    ).feedback
    assert fb.comment == "<b>hi</b> **bold**"  # escaped when rendered (test_views)


def test_one_feedback_per_listener_per_48_hours_with_time_travel():
    # given: a feedback 50 hours ago, after a chat the hour before
    mentor = make_mentor()
    mentee = make_listener()
    now = timezone.now()
    first = now - dt.timedelta(hours=50)
    chat(make_mentorship(mentor, mentee), at=first - dt.timedelta(hours=1))
    services.give_feedback(author=mentee, listener=mentor, rating=5, now=first)
    # when / then: a second one 47 hours later is refused, nothing saved
    with pytest.raises(Conflict) as exc:
        services.give_feedback(
            author=mentee, listener=mentor, rating=1, now=first + dt.timedelta(hours=47)
        )
    assert "already" in exc.value.message
    assert feedback_count() == 1
    # and once 48 hours have passed, it is allowed again
    services.give_feedback(author=mentee, listener=mentor, rating=4, now=now)
    assert feedback_count() == 2


def test_the_window_is_configurable():
    FeedbackSettings.objects.update_or_create(pk=1, defaults={"window_hours": 2})
    mentor = make_mentor()
    mentee = mentee_who_chatted(mentor)
    now = timezone.now()
    services.give_feedback(
        author=mentee, listener=mentor, rating=5, now=now - dt.timedelta(hours=3)
    )
    services.give_feedback(author=mentee, listener=mentor, rating=5, now=now)
    assert feedback_count() == 2


def test_positive_reviews_are_recorded_once_for_the_ladder_when_released():
    mentor = make_mentor(capacity=10)
    authors = [mentee_who_chatted(mentor)] + [session_participant(mentor) for _ in range(4)]
    for author, rating in zip(authors, [5, 4, 3, 2, 1], strict=True):
        services.give_feedback(author=author, listener=mentor, rating=rating)
    # the fifth (k = 5) released the batch: each review dated at the release
    released_at = Feedback.objects.filter(listener=mentor).values_list("released_at", flat=True)
    assert {e.occurred_at for e in ActivityEvent.objects.filter(user=mentor)} == set(released_at)
    services.release_feedback(now=timezone.now())  # a second release records nothing
    counts = activity_counts_for_user(mentor)
    assert counts[ActivityKind.REVIEW_POSITIVE] == 2
    assert counts[ActivityKind.REVIEW_NEGATIVE] == 2
    # the ladder's set-based fact source counts them too
    assert activity_counts()[mentor.pk][ActivityKind.REVIEW_POSITIVE] == 2
    # each event points at its feedback, once
    refs = ActivityEvent.objects.filter(user=mentor).values_list("ref_type", "ref_id")
    assert len(set(refs)) == 4
    assert {t for t, _ in refs} == {services.FEEDBACK_REF}


def test_a_neutral_rating_records_nothing():
    FeedbackSettings.objects.update_or_create(pk=1, defaults={"k": 2})
    mentor = make_mentor()
    services.give_feedback(author=mentee_who_chatted(mentor), listener=mentor, rating=3)
    services.give_feedback(author=session_participant(mentor), listener=mentor, rating=3)
    assert selectors.aggregate_for(mentor).count == 2
    assert not ActivityEvent.objects.filter(user=mentor).exists()


def test_the_listener_is_told_once_when_feedback_becomes_visible(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        mentor, _ = mentor_with_feedback(6)
    told = Notification.objects.filter(recipient=mentor, category="progression")
    assert told.count() == 1


def test_the_duplicate_check_locks_the_author_row(monkeypatch):
    """Check-then-write happens after a row lock on the author (SELECT … FOR UPDATE on
    PostgreSQL; SQLite's IMMEDIATE transactions serialise writers): the lock is taken
    before the window is read."""
    mentor = make_mentor()
    mentee = mentee_who_chatted(mentor)
    order: list[str] = []
    real_last = selectors.last_given_at
    from django.db.models import QuerySet

    real_sfu = QuerySet.select_for_update

    def sfu(self, *args, **kwargs):
        order.append(f"lock:{self.model.__name__}")
        return real_sfu(self, *args, **kwargs)

    def last(author, listener):
        order.append("window")
        return real_last(author, listener)

    monkeypatch.setattr(QuerySet, "select_for_update", sfu)
    monkeypatch.setattr(selectors, "last_given_at", last)
    services.give_feedback(author=mentee, listener=mentor, rating=5)
    assert order.index("lock:User") < order.index("window")


def test_hiding_removes_the_comment_but_the_rating_counts(world):
    mentor, _ = mentor_with_feedback(5, comment="You are useless")
    target = Feedback.objects.filter(listener=mentor).first()
    assert target is not None
    before = selectors.aggregate_for(mentor)
    services.hide_feedback(actor=world.staff, feedback_id=target.pk, reason="Abusive")
    after = selectors.aggregate_for(mentor)
    assert target.comment in [c.text for c in before.comments]
    assert target.comment not in [c.text for c in after.comments]
    assert (after.count, after.mean) == (before.count, before.mean)
    with pytest.raises(Conflict):
        services.hide_feedback(actor=world.staff, feedback_id=target.pk, reason="Again")


def test_only_staff_hide_and_a_reason_is_needed(world):
    mentor, _ = mentor_with_feedback(1)
    fb = Feedback.objects.get()
    with pytest.raises(Forbidden):
        services.hide_feedback(actor=mentor, feedback_id=fb.pk, reason="no")
    with pytest.raises(Refused):
        services.hide_feedback(actor=world.staff, feedback_id=fb.pk, reason="  ")
    with pytest.raises(NotFound):
        services.hide_feedback(actor=world.staff, feedback_id=999999, reason="x")
    fb.refresh_from_db()
    assert fb.hidden_at is None
