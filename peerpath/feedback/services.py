"""Writes: give feedback, hide and unhide a comment. Keyword-only, atomic, refusals as
``core.errors`` with nothing saved; ``now`` is a parameter so tests can travel in time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.services import record_activities_bulk
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.core.text import clean_text
from peerpath.feedback import policies, selectors
from peerpath.feedback.models import (
    COMMENT_MAX_CHARS,
    HIDDEN_REASON_MAX_CHARS,
    Feedback,
    FeedbackSettings,
)
from peerpath.safety import services as safety
from peerpath.safety.models import Channel

FEEDBACK_REF: Final = "feedback.feedback"


@dataclass(frozen=True, slots=True)
class FeedbackGiven:
    feedback: Feedback
    screening: safety.Screening  # help for the author when the comment holds crisis language


def _rating(value: Any) -> int:
    """A whole number 1-5 (an int, or its digits as text); anything else is refused."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise Refused("Please choose a rating from 1 to 5.")
    return value


def review_kind(rating: int) -> ActivityKind | None:
    """4-5 count as positive reviews for the ladder, 1-2 as negative, 3 as neither. A review
    counts from its release (``release_feedback`` records it), not from its submission."""
    if rating >= 4:
        return ActivityKind.REVIEW_POSITIVE
    if rating <= 2:
        return ActivityKind.REVIEW_NEGATIVE
    return None


@transaction.atomic
def give_feedback(
    *,
    author: User,
    listener: User,
    rating: Any,
    comment: Any = "",
    now: dt.datetime | None = None,
) -> FeedbackGiven:
    """Store one feedback for a listener the author chatted with; it waits for a batch of k
    (``release_feedback``), and only then counts as a review. Refused (nothing saved):
    suspended 403, other band or missing 404, oneself or never chatted 403, a second one
    within the window 409, bad rating or comment 400.

    The comment is screened: a hit goes to the staff queue (the listener reads comments
    anonymously and is no responder for their author)."""
    now = now or timezone.now()
    Forbidden.unless(policies.can_use(author, now))
    NotFound.unless(policies.can_see_listener(author, listener, now))
    context = selectors.eligible_context(author, listener, now=now)
    Forbidden.unless(policies.can_rate(author, listener, context))
    assert context is not None  # noqa: S101 - can_rate refused otherwise
    rating = _rating(rating)
    text = clean_text(comment, what="comment", max_chars=COMMENT_MAX_CHARS, required=False)
    settings = FeedbackSettings.load()
    # Serialise an author's feedback: the row lock (PostgreSQL; SQLite's IMMEDIATE
    # transactions take the write lock at BEGIN) makes "check the window, then write" one
    # step, so two submissions at once leave exactly one row.
    User.objects.select_for_update().filter(pk=author.pk).values_list("pk", flat=True).first()
    Conflict.unless(
        policies.outside_window(
            selectors.last_given_at(author, listener),
            window_hours=settings.window_hours,
            now=now,
        )
    )
    feedback = Feedback(
        listener=listener,
        author=author,
        rating=rating,
        comment=text,
        context_kind=context.kind,
        context_id=context.id,
        created_at=now,
    )
    feedback.full_clean()
    feedback.save()
    if release_feedback(now=now, listener_id=listener.pk, k=settings.k):
        listener_id, first = listener.pk, not selectors.released_before(listener, now)
        transaction.on_commit(lambda: _tell_feedback_released(listener_id, first=first))
    space = safety.Space(
        channel=Channel.FEEDBACK,
        where=f"Feedback for {listener.username}",
        url=reverse("feedback:moderation"),
    )
    screening = safety.screen(writer=author, text=text, space=space, source=feedback, now=now)
    return FeedbackGiven(feedback, screening)


def release_feedback(
    *, now: dt.datetime | None = None, listener_id: int | None = None, k: int | None = None
) -> dict[int, int]:
    """Release the waiting responses (given by ``now``) of every listener (or of one) who has
    at least ``k`` (the anonymity threshold) waiting: they become readable together, so none
    can be told apart as the newest author's. Returns {listener id: responses released}.
    Idempotent: a second call releases nothing until k more have arrived.

    The one place a response becomes a review: each released 4-5 (1-2) is recorded then as a
    positive (negative) review, dated at the release, so the ladder and the dashboard count
    exactly what ``/feedback/`` shows, and never a rating still waiting (its progress would
    tell the listener how the newest author rated them)."""
    now = now or timezone.now()
    k = FeedbackSettings.load().k if k is None else k
    due = selectors.waiting_by_listener(k=k, listener_id=listener_id, until=now)
    if not due:
        return due
    rows = list(
        Feedback.objects.waiting()
        .filter(listener_id__in=list(due), created_at__lte=now)
        .values_list("pk", "listener_id", "rating")
    )
    Feedback.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(released_at=now)
    record_activities_bulk(
        ActivityEvent(
            user_id=listener, kind=kind, occurred_at=now, ref_type=FEEDBACK_REF, ref_id=pk
        )
        for pk, listener, rating in rows
        if (kind := review_kind(rating)) is not None
    )
    return due


def _tell_feedback_released(listener_id: int, *, first: bool) -> None:
    from peerpath.notifications.services import notify

    if first:
        title = "Your feedback is ready to read"
        body = "Enough people have left you feedback: read what they said, anonymously."
    else:
        title = "New feedback to read"
        body = "A new batch of feedback has arrived: read what people said, anonymously."
    notify(
        [listener_id],
        "progression",
        title,
        body,
        url=reverse("feedback:mine"),
        source=f"feedback-visible-{listener_id}",
    )


@transaction.atomic
def hide_feedback(
    *, actor: User, feedback_id: int, reason: Any, now: dt.datetime | None = None
) -> Feedback:
    """Staff hide an abusive comment: it leaves every page, its rating still counts."""
    now = now or timezone.now()
    Forbidden.unless(policies.can_moderate(actor))
    text = clean_text(reason, what="reason", max_chars=HIDDEN_REASON_MAX_CHARS)
    feedback = Feedback.objects.select_for_update().filter(pk=feedback_id).first()
    if feedback is None:
        raise NotFound("No such feedback.")
    if feedback.is_hidden:
        raise Conflict("This comment is already hidden.")
    feedback.hidden_at = now
    feedback.hidden_by = actor
    feedback.hidden_reason = text
    feedback.full_clean()
    feedback.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    return feedback


@transaction.atomic
def unhide_feedback(*, actor: User, feedback_id: int) -> Feedback:
    Forbidden.unless(policies.can_moderate(actor))
    feedback = Feedback.objects.select_for_update().filter(pk=feedback_id).first()
    if feedback is None:
        raise NotFound("No such feedback.")
    feedback.hidden_at = None
    feedback.hidden_by = None
    feedback.hidden_reason = ""
    feedback.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    return feedback
