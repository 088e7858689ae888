"""Completion rules, unlock order, rejection, program completion, cohort visibility."""

from __future__ import annotations

import pytest

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.selectors import activity_counts_for_user
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.mentorship.tests.factories import make_mentor
from peerpath.notifications.models import Notification
from peerpath.progression.models import Training
from peerpath.safety import selectors as safety_selectors
from peerpath.safety.models import Channel, SafetyAlert
from peerpath.training import selectors, services
from peerpath.training.models import Discussion, Enrollment, Post, SavedMentor
from peerpath.training.tests.factories import (
    answer,
    discussion,
    enrollment_of,
    make_cohort,
    reply,
    trainee,
)

pytestmark = pytest.mark.django_db


def _step(user, cohort, position=1):
    return selectors.progress(enrollment_of(user, cohort))[position - 1]


@pytest.fixture
def cohort():
    return make_cohort(band="adult")


def test_own_post_and_two_distinct_peers_complete_a_discussion(cohort) -> None:
    d1 = discussion()
    ana, ben, cal = trainee(cohort), trainee(cohort), trainee(cohort)
    ben_post, cal_post = answer(ben, d1), answer(cal, d1)

    answer(ana, d1)
    assert not _step(ana, cohort).complete
    reply(ana, ben_post)
    step = _step(ana, cohort)
    assert (step.answered, step.peers, step.complete) == (True, [ben.username], False)
    posted = services.reply_to_post(author=ana, post_id=cal_post.pk, body="Same here.")
    assert posted.step_complete
    assert _step(ana, cohort).complete
    assert _step(ana, cohort, 2).lock.allowed


def test_replies_without_an_own_answer_do_not_complete(cohort) -> None:
    d1 = discussion()
    ana, ben, cal = trainee(cohort), trainee(cohort), trainee(cohort)
    reply(ana, answer(ben, d1))
    reply(ana, answer(cal, d1))
    assert not _step(ana, cohort).complete


def test_replying_to_the_same_peer_twice_counts_once(cohort) -> None:
    d1 = discussion()
    ana, ben = trainee(cohort), trainee(cohort)
    ben_post = answer(ben, d1)
    answer(ana, d1)
    reply(ana, ben_post)
    reply(ana, ben_post, "And one more thought.")
    step = _step(ana, cohort)
    assert step.peers == [ben.username]
    assert not step.complete


def test_replying_to_oneself_is_refused_and_nothing_saved(cohort) -> None:
    d1 = discussion()
    ana = trainee(cohort)
    own = answer(ana, d1)
    with pytest.raises(Refused, match="your own answer") as info:
        services.reply_to_post(author=ana, post_id=own.pk, body="Great answer, me!")
    assert info.value.status == 400
    assert Post.objects.filter(parent=own).count() == 0


def test_replies_to_replies_are_refused(cohort) -> None:
    d1 = discussion()
    ana, ben = trainee(cohort), trainee(cohort)
    ben_reply = reply(ben, answer(ana, d1))
    with pytest.raises(Refused, match="not to a reply"):
        reply(ana, ben_reply)


def test_posting_to_a_locked_discussion_is_refused_with_the_reason(cohort) -> None:
    ana = trainee(cohort)
    with pytest.raises(Forbidden, match="Complete 01 “Introduction to group support” first"):
        answer(ana, discussion(position=2))
    assert Post.objects.count() == 0


def test_reply_in_a_locked_discussion_is_refused(cohort) -> None:
    d1, d2 = discussion(), discussion(position=2)
    ana, ben, cal = trainee(cohort), trainee(cohort), trainee(cohort)
    # ben completes 01 so he can answer 02; ana has not.
    a_post, c_post = answer(ana, d1), answer(cal, d1)
    answer(ben, d1)
    reply(ben, a_post)
    reply(ben, c_post)
    ben_02 = answer(ben, d2)
    with pytest.raises(Forbidden):
        reply(ana, ben_02)


def test_bad_bodies_are_refused_and_nothing_saved(cohort) -> None:
    ana = trainee(cohort)
    for body in ("", "   ", "x" * 5001, None, "a\x00b"):
        with pytest.raises(Refused) as info:
            services.post_answer(author=ana, discussion=discussion(), body=body)
        assert info.value.status == 400
    assert Post.objects.count() == 0


def test_markup_is_stored_as_plain_text(cohort) -> None:
    ana = trainee(cohort)
    post = answer(ana, discussion(), "<script>alert(1)</script> **bold**")
    assert post.body == "<script>alert(1)</script> **bold**"  # escaped when shown


def test_a_second_answer_is_a_conflict(cohort) -> None:
    ana = trainee(cohort)
    answer(ana, discussion())
    with pytest.raises(Conflict):
        answer(ana, discussion(), "Again")


def test_not_enrolled_cannot_post() -> None:
    with pytest.raises(Forbidden, match="Join a cohort"):
        answer(UserFactory.create(listener=True), discussion())


def test_another_cohorts_posts_are_invisible(cohort) -> None:
    other = make_cohort(band="adult")
    ana, zed = trainee(cohort), trainee(other)
    zed_post = answer(zed, discussion())
    assert selectors.cohort_feed(cohort, discussion()) == []
    with pytest.raises(NotFound):
        reply(ana, zed_post)
    assert [p.pk for p in selectors.cohort_feed(other, discussion())] == [zed_post.pk]


def test_replies_to_people_outside_the_cohort_do_not_count(cohort) -> None:
    d1 = discussion()
    ana, ben = trainee(cohort), trainee(cohort)
    ben_post = answer(ben, d1)
    Enrollment.objects.filter(user=ben).delete()  # ben left the cohort
    answer(ana, d1)
    reply(ana, ben_post)  # allowed (the post is in ana's cohort), but ben is no trainee now
    assert _step(ana, cohort).peers == []


def test_joining_the_other_bands_cohort_is_a_404_and_twice_a_conflict(cohort) -> None:
    teen_cohort = make_cohort(band="teen")
    adult = UserFactory.create(listener=True)
    with pytest.raises(NotFound):
        services.join_cohort(user=adult, cohort_id=teen_cohort.pk)
    services.join_cohort(user=adult, cohort_id=cohort.pk)
    with pytest.raises(Conflict):
        services.join_cohort(user=adult, cohort_id=make_cohort(band="adult").pk)
    assert Enrollment.objects.filter(user=adult).count() == 1


def _complete_first(ana, ben, cal):
    d1 = discussion()
    b, c = answer(ben, d1), answer(cal, d1)
    a = answer(ana, d1)
    reply(ana, b)
    reply(ana, c)
    return a, b, c


def test_a_facilitators_rejection_reopens_the_step_and_relocks_later_ones(
    cohort, django_capture_on_commit_callbacks
) -> None:
    moderator = UserFactory.create(listener=True, roles=[Role.MODERATOR])
    cohort.facilitators.add(moderator)
    ana, ben, cal = trainee(cohort), trainee(cohort), trainee(cohort)
    a, _, _ = _complete_first(ana, ben, cal)
    assert _step(ana, cohort).complete

    with django_capture_on_commit_callbacks(execute=True):
        services.reject_post(
            actor=moderator, post_id=a.pk, note="Please share highs as well as lows."
        )
    step = _step(ana, cohort)
    assert not step.complete
    assert step.reopened
    assert _step(ana, cohort, 2).locked
    note = Notification.objects.get(recipient=ana, category="training")
    assert "highs as well as lows" in note.body
    # ana answers again and is complete once more (her replies still stand).
    answer(ana, discussion(), "Three highs and three lows, properly this time.")
    assert _step(ana, cohort).complete


def test_only_facilitators_reject_with_a_note(cohort) -> None:
    moderator = UserFactory.create(listener=True, roles=[Role.MODERATOR])
    cohort.facilitators.add(moderator)
    ana, ben = trainee(cohort), trainee(cohort)
    post = answer(ana, discussion())
    with pytest.raises(Forbidden):
        services.reject_post(actor=ben, post_id=post.pk, note="Not good")
    with pytest.raises(Refused, match="note"):
        services.reject_post(actor=moderator, post_id=post.pk, note="  ")
    teen_mod = UserFactory.create(teen=True, listener=True, roles=[Role.MODERATOR])
    with pytest.raises(NotFound):
        services.reject_post(actor=teen_mod, post_id=post.pk, note="Hmm")
    post.refresh_from_db()
    assert post.rejected_at is None
    services.reject_post(actor=moderator, post_id=post.pk, note="Please add your lows.")
    with pytest.raises(Conflict):
        services.reject_post(actor=moderator, post_id=post.pk, note="Again")


def _finish_program(cohort, users):
    """Everyone in ``users`` (3+) completes every discussion of the cohort's program."""
    discussions = list(Discussion.objects.filter(program=cohort.program).order_by("position"))
    for d in discussions:
        posts = {u.pk: answer(u, d) for u in users}
        for u in users:
            for other in users:
                if other.pk != u.pk:
                    reply(u, posts[other.pk])


def test_finishing_every_discussion_completes_the_program_once(
    cohort, django_capture_on_commit_callbacks
) -> None:
    users = [trainee(cohort) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        _finish_program(cohort, users)
    ana = users[0]
    enrollment = enrollment_of(ana, cohort)
    assert enrollment.completed_at is not None
    training = Training.objects.get(slug="group-support-leadership")
    events = ActivityEvent.objects.filter(user=ana, kind=ActivityKind.TRAINING_COMPLETED)
    assert [(e.ref_type, e.ref_id) for e in events] == [("progression.training", training.pk)]
    assert activity_counts_for_user(ana)[ActivityKind.TRAINING_COMPLETED] == 1
    # Called again (a retry, a second tab): nothing more is recorded.
    assert not services.complete_program_if_done(enrollment=enrollment)
    assert not services.complete_program_if_done(enrollment=enrollment)
    assert events.count() == 1
    assert (
        Notification.objects.filter(recipient=ana, title__startswith="You completed").count() == 1
    )


def test_listener_onboarding_save_a_mentor_step(cohort) -> None:
    onboarding = make_cohort("listener-onboarding", band="adult")
    users = [trainee(onboarding) for _ in range(3)]
    for position in (1, 2):
        d = discussion("listener-onboarding", position)
        posts = {u.pk: answer(u, d) for u in users}
        for u in users:
            for other in users:
                if other.pk != u.pk:
                    reply(u, posts[other.pk])
    ana = users[0]
    states = selectors.progress(enrollment_of(ana, onboarding))
    assert [s.complete for s in states] == [True, True, False]
    with pytest.raises(Refused):
        answer(ana, discussion("listener-onboarding", 3))
    teen_mentor = make_mentor(teen=True)
    with pytest.raises(NotFound):
        services.save_mentor(user=ana, mentor_username=teen_mentor.username)
    with pytest.raises(NotFound):
        services.save_mentor(user=ana, mentor_username=users[1].username)  # not a mentor
    mentor = make_mentor()
    services.save_mentor(user=ana, mentor_username=mentor.username)
    services.save_mentor(user=ana, mentor_username=mentor.username)
    assert SavedMentor.objects.filter(user=ana).count() == 1
    assert enrollment_of(ana, onboarding).completed_at is not None
    assert activity_counts_for_user(ana)[ActivityKind.TRAINING_COMPLETED] == 1


CRISIS = "Honestly I want to kill myself some days."


def _alert(post: Post) -> SafetyAlert:
    return SafetyAlert.objects.get(source="training.Post", source_id=post.pk)


def _responders(alert: SafetyAlert) -> set[int]:
    return set(alert.responders.values_list("pk", flat=True))


def test_a_crisis_post_is_kept_the_writer_gets_help_and_facilitators_are_told(
    cohort, django_capture_on_commit_callbacks
) -> None:
    facilitator = UserFactory.create(listener=True, roles=[Role.MODERATOR])
    cohort.facilitators.add(facilitator)
    ana = trainee(cohort)
    with django_capture_on_commit_callbacks(execute=True):
        posted = services.post_answer(author=ana, discussion=discussion(), body=CRISIS)
    assert posted.post.pk
    assert Post.objects.get(pk=posted.post.pk).body == CRISIS
    assert Post.objects.get(pk=posted.post.pk).crisis
    assert posted.screening.hit is not None
    assert posted.screening.resources
    alert = _alert(posted.post)
    assert alert == posted.screening.alert
    assert (alert.channel, alert.writer, alert.writer_band) == (Channel.TRAINING, ana, "adult")
    assert alert.url == f"/training/group-support-leadership/1/?cohort={cohort.pk}"
    assert cohort.name in alert.where
    assert _responders(alert) == {facilitator.pk}
    # One notice, from the screening service (no second one from training).
    notes = Notification.objects.filter(recipient=facilitator)
    assert [(n.category, n.url) for n in notes] == [("safety", f"/safety/alerts/{alert.pk}/")]


def test_a_reply_in_crisis_is_screened_too(cohort) -> None:
    facilitator = UserFactory.create(listener=True, roles=[Role.AMBASSADOR])
    cohort.facilitators.add(facilitator)
    ana, ben = trainee(cohort), trainee(cohort)
    first = answer(ana, discussion())
    answer(ben, discussion())
    posted = services.reply_to_post(author=ben, post_id=first.pk, body="I want to end my life")
    assert posted.post.parent_id == first.pk
    assert _responders(_alert(posted.post)) == {facilitator.pk}
    assert posted.screening.resources


def test_ordinary_posts_raise_no_alert(cohort) -> None:
    posted = services.post_answer(
        author=trainee(cohort), discussion=discussion(), body="This exam is killing me lol"
    )
    assert posted.screening.alert is None
    assert not posted.post.crisis
    assert not SafetyAlert.objects.exists()


def test_a_teen_cohort_without_facilitators_falls_back_to_the_staff_queue(
    django_capture_on_commit_callbacks,
) -> None:
    teen_cohort = make_cohort(band="teen")
    staff = UserFactory.create(roles=[Role.STAFF])
    tia = trainee(teen_cohort)
    with django_capture_on_commit_callbacks(execute=True):
        posted = services.post_answer(author=tia, discussion=discussion(), body=CRISIS)
    alert = _alert(posted.post)
    assert alert.writer_band == "teen"
    assert _responders(alert) == set()
    assert alert.queued
    assert alert in safety_selectors.queue(status="open")
    assert posted.screening.resources  # teen help lines, at once
    assert not Notification.objects.filter(recipient=staff, category="safety").exists()


def test_only_facilitators_of_the_cohorts_band_respond() -> None:
    teen_leader = UserFactory.create(teen=True, listener=True, roles=[Role.MODERATOR])
    adult_leader = UserFactory.create(listener=True, roles=[Role.MODERATOR])  # wrongly appointed
    no_role = UserFactory.create(teen=True, listener=True)  # lost their leadership role
    staff = UserFactory.create(roles=[Role.STAFF])
    teen_cohort = make_cohort(band="teen", facilitators=(teen_leader, adult_leader, no_role, staff))
    posted = services.post_answer(author=trainee(teen_cohort), discussion=discussion(), body=CRISIS)
    assert _responders(_alert(posted.post)) == {teen_leader.pk, staff.pk}


def test_a_detector_error_still_posts_and_queues_for_review(cohort, monkeypatch) -> None:
    from peerpath.safety import crisis

    def broken(text: str) -> None:
        raise RuntimeError("lexicon missing")

    monkeypatch.setattr(crisis, "detect", broken)
    posted = services.post_answer(author=trainee(cohort), discussion=discussion(), body=CRISIS)
    assert Post.objects.filter(pk=posted.post.pk).exists()
    assert posted.screening.resources == []
    alert = _alert(posted.post)
    assert (alert.category, alert.queued) == ("detector_error", True)
    assert not Post.objects.get(pk=posted.post.pk).crisis
