"""Writes of the training app. Every function is atomic, keyword-only, and raises
``core.errors.Refused`` (400) or one of its kinds (403 locked or not allowed, 404 missing or
of the other band, 409 state moved on) with a sentence for the person; nothing is written
when it refuses.

Completion is computed from posts (``selectors.progress``). After every write that may
complete the last step, ``complete_program_if_done`` stores the program's completion once and
records the ``training_completed`` fact the ladder reads (badges and certificates follow from
the ladder's evaluator, never from here).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.models import User
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.core.text import clean_text
from peerpath.mentorship import policies as mentorship_policies
from peerpath.notifications.services import notify
from peerpath.progression.services.awards import record_training_completed
from peerpath.safety import services as safety
from peerpath.safety.models import Channel
from peerpath.training import policies, selectors
from peerpath.training.models import (
    NOTE_MAX_CHARS,
    POST_MAX_CHARS,
    ActivityType,
    Cohort,
    Discussion,
    Enrollment,
    Post,
    SavedMentor,
)

CATEGORY = "training"
NO_SUCH_DISCUSSION = "No such discussion."
NO_SUCH_MENTOR = "No such mentor."


@dataclass(slots=True)
class Posted:
    post: Post
    step_complete: bool = False
    program_complete: bool = False
    screening: safety.Screening = safety.NOTHING  # help for the writer, the alert raised


def _usable(user: User, now: dt.datetime) -> None:
    Forbidden.unless(account_policies.can_use_community(user, now))


@transaction.atomic
def join_cohort(*, user: User, cohort_id: int, now: dt.datetime | None = None) -> Enrollment:
    now = now or timezone.now()
    _usable(user, now)
    cohort = Cohort.objects.select_related("program").filter(pk=cohort_id).first()
    if cohort is None or not policies.can_see_cohort(user, cohort, now):
        raise NotFound(policies.NO_SUCH_COHORT)
    already = Enrollment.objects.filter(user=user, program_id=cohort.program_id).exists()
    decision = policies.can_join_cohort(user, cohort, already_enrolled=already, at=now)
    if decision.reason == policies.NO_SUCH_COHORT:
        raise NotFound(decision.reason)
    Conflict.unless(decision)
    enrollment = Enrollment(program=cohort.program, cohort=cohort, user=user, enrolled_at=now)
    enrollment.full_clean()
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError as exc:  # a second tab joined a moment ago
        raise Conflict("You are already in a cohort of this program.") from exc
    return enrollment


def _enrollment_for(user: User, discussion: Discussion, now: dt.datetime) -> Enrollment:
    enrollment = selectors.enrollment_in(user, discussion.program)
    if enrollment is None:
        raise Forbidden("Join a cohort of this program first.")
    if not policies.can_see_cohort(user, enrollment.cohort, now):
        # A trainee who turned 18 stays out of the teen cohort they were in.
        raise Forbidden("This cohort is for another age band now; join a cohort of yours.")
    return enrollment


def _step(enrollment: Enrollment, discussion: Discussion) -> selectors.StepState:
    states = selectors.progress(enrollment)
    for state in states:
        if state.discussion.pk == discussion.pk:
            return state
    raise NotFound(NO_SUCH_DISCUSSION)


def _screen(author: User, post: Post, cohort: Cohort, now: dt.datetime) -> safety.Screening:
    """Screen a stored post: the cohort's facilitators (those who may facilitate it now, so
    only people of its band, or staff) respond; a cohort without one falls back to the staff
    queue (``safety.services.screen``)."""
    ids = selectors.facilitator_ids(cohort)
    responders = [
        u
        for u in User.objects.filter(pk__in=ids).order_by("pk")
        if policies.can_facilitate(u, cohort, facilitator_ids=ids, at=now)
    ]
    discussion = post.discussion
    space = safety.Space(
        channel=Channel.TRAINING,
        where=f"{discussion.program.name}: “{discussion.title}” ({cohort.name})",
        url=_discussion_url(discussion, cohort),
        responders=responders,
    )
    screening = safety.screen(writer=author, text=post.body, space=space, source=post, now=now)
    if screening.hit is not None:
        post.crisis = True
        post.save(update_fields=["crisis"])
    return screening


def _discussion_url(discussion: Discussion, cohort: Cohort | None = None) -> str:
    url = reverse(
        "training:discussion",
        kwargs={"program_slug": discussion.program.slug, "position": discussion.position},
    )
    return f"{url}?cohort={cohort.pk}" if cohort is not None else url


@transaction.atomic
def post_answer(
    *, author: User, discussion: Discussion, body: Any, now: dt.datetime | None = None
) -> Posted:
    """The trainee's answer to a discussion's prompt (one standing answer per discussion)."""
    now = now or timezone.now()
    _usable(author, now)
    enrollment = _enrollment_for(author, discussion, now)
    if discussion.activity != ActivityType.POST_AND_REPLY:
        raise Refused("This step has no answer to post: follow its activity instead.")
    step = _step(enrollment, discussion)
    Forbidden.unless(step.lock)
    if step.answered:
        raise Conflict("You have already posted your answer here: now reply to fellow trainees.")
    text = clean_text(body, what="answer", max_chars=POST_MAX_CHARS)
    post = Post(
        discussion=discussion, cohort=enrollment.cohort, author=author, body=text, created_at=now
    )
    post.full_clean()
    post.save()
    screening = _screen(author, post, enrollment.cohort, now)
    done = _after_write(enrollment, discussion, now)
    return Posted(post, done[0], done[1], screening)


@transaction.atomic
def reply_to_post(
    *, author: User, post_id: int, body: Any, now: dt.datetime | None = None
) -> Posted:
    """A reply to a fellow trainee's answer. Replies to oneself are refused (they would game
    the "reply to N peers" rule), as are replies to replies and to rejected answers."""
    now = now or timezone.now()
    _usable(author, now)
    parent = Post.objects.select_related("discussion__program", "cohort").filter(pk=post_id).first()
    if parent is None:
        raise NotFound(policies.NO_SUCH_POST)
    enrollment = selectors.enrollment_in(author, parent.discussion.program)
    if (
        enrollment is None
        or enrollment.cohort_id != parent.cohort_id
        or not policies.can_see_cohort(author, parent.cohort, now)
    ):
        raise NotFound(policies.NO_SUCH_POST)  # another cohort's posts are invisible
    Refused.unless(policies.can_reply_to(author, parent))
    step = _step(enrollment, parent.discussion)
    Forbidden.unless(step.lock)
    text = clean_text(body, what="reply", max_chars=POST_MAX_CHARS)
    post = Post(
        discussion=parent.discussion,
        cohort=parent.cohort,
        author=author,
        parent=parent,
        body=text,
        created_at=now,
    )
    post.full_clean()
    post.save()
    screening = _screen(author, post, parent.cohort, now)
    done = _after_write(enrollment, parent.discussion, now)
    return Posted(post, done[0], done[1], screening)


def _after_write(
    enrollment: Enrollment, discussion: Discussion, now: dt.datetime
) -> tuple[bool, bool]:
    states = selectors.progress(enrollment)
    step_done = any(s.complete for s in states if s.discussion.pk == discussion.pk)
    program_done = complete_program_if_done(enrollment=enrollment, states=states, now=now)
    return step_done, program_done


@transaction.atomic
def complete_program_if_done(
    *,
    enrollment: Enrollment,
    states: list[selectors.StepState] | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Store the program's completion when every step is complete: once (a conditional
    UPDATE), with one ``training_completed`` fact for the ladder and a notice to the trainee.
    Returns whether this call completed it. Safe to call any number of times."""
    now = now or timezone.now()
    states = states if states is not None else selectors.progress(enrollment)
    if not selectors.is_program_complete(states):
        return False
    won = Enrollment.objects.filter(pk=enrollment.pk, completed_at__isnull=True).update(
        completed_at=now, updated_at=now
    )
    if not won:
        return False
    enrollment.completed_at = now
    program = enrollment.program
    user = enrollment.user
    record_training_completed(user=user, training=program.training, at=now)
    url = reverse("training:program", kwargs={"program_slug": program.slug})
    transaction.on_commit(
        lambda: notify(
            [user],
            CATEGORY,
            f"You completed {program.name}",
            f"Well done: you worked through every discussion of {program.name}. "
            "Your path shows what it counts towards.",
            url=url,
            source="training.completed",
        )
    )
    return True


@transaction.atomic
def reject_post(*, actor: User, post_id: int, note: Any, now: dt.datetime | None = None) -> Post:
    """A facilitator marks a post as not meeting the activity, with a note for its author.
    The author's step reopens (completion is computed from non-rejected posts) and later steps
    lock again until it is redone; a program already completed stays completed (its fact is
    in the append-only activity log)."""
    now = now or timezone.now()
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("cohort", "discussion__program", "author")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise NotFound(policies.NO_SUCH_POST)
    if not account_policies.is_staff_member(actor) and not policies.can_see_cohort(
        actor, post.cohort, now
    ):
        raise NotFound(policies.NO_SUCH_POST)
    ids = selectors.facilitator_ids(post.cohort)
    decision = policies.can_reject(actor, post, facilitator_ids=ids, at=now)
    if not decision:
        if post.rejected_at is not None and decision.reason.startswith("This post is already"):
            raise Conflict(decision.reason)
        raise Forbidden(decision.reason)
    text = clean_text(note, what="note", max_chars=NOTE_MAX_CHARS)
    post.rejected_at = now
    post.rejected_by = actor
    post.rejection_note = text
    post.full_clean()
    post.save(update_fields=["rejected_at", "rejected_by", "rejection_note"])
    author = post.author
    discussion = post.discussion
    url = _discussion_url(discussion)
    transaction.on_commit(
        lambda: notify(
            [author],
            CATEGORY,
            f"Please revisit “{discussion.title}”",
            f"A facilitator marked one of your posts as not meeting the activity: {text}",
            url=url,
            source="training.rejected",
        )
    )
    return post


@transaction.atomic
def save_mentor(*, user: User, mentor_username: Any, now: dt.datetime | None = None) -> SavedMentor:
    """Save a mentor the person may see in the directory (Listener onboarding's step), then
    complete any program that step finishes. Saving twice keeps one row."""
    now = now or timezone.now()
    _usable(user, now)
    if not isinstance(mentor_username, str) or not mentor_username:
        raise NotFound(NO_SUCH_MENTOR)
    mentor = User.objects.by_pseudonym(mentor_username, active=False).first()
    if mentor is None or mentor.pk == user.pk:
        raise NotFound(NO_SUCH_MENTOR)
    if not mentorship_policies.can_see_mentor(user, mentor, now):
        raise NotFound(NO_SUCH_MENTOR)
    saved, _ = SavedMentor.objects.get_or_create(
        user=user, mentor=mentor, defaults={"created_at": now}
    )
    open_enrollments = Enrollment.objects.filter(user=user, completed_at__isnull=True)
    for enrollment in open_enrollments.select_related("program__training", "cohort", "user"):
        complete_program_if_done(enrollment=enrollment, now=now)
    return saved
