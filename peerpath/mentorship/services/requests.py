"""Requests for a mentor: up to three ranked mentors, one asked at a time; the mentor's
answer; the periodic reminder, expiry and cascade to the next mentor on the list.

Capacity is exact under races: accepting takes a row lock on the mentor's ``MentorProfile``
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite runs every transaction ``IMMEDIATE``, which
serialises writers) and counts inside the lock. "One open request per pair" is a database
constraint, so a lost race surfaces as ``Conflict``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.models import User
from peerpath.core.errors import Conflict, NotFound, Refused
from peerpath.core.text import clean_text
from peerpath.mentorship import notify, policies, screening
from peerpath.mentorship.models import (
    GOAL_MAX_CHARS,
    MAX_RANKED_MENTORS,
    OPEN_TARGET_STATUSES,
    MenteeProfile,
    MentorRequest,
    Mentorship,
    MentorshipSettings,
    MentorshipSource,
    MentorshipStatus,
    RequestStatus,
    RequestTarget,
    TargetStatus,
)
from peerpath.mentorship.screening import Written
from peerpath.mentorship.selectors import common as reads
from peerpath.mentorship.selectors import requests as request_reads
from peerpath.mentorship.services import common, lifecycle


def _refuse(decision_reason: str) -> Refused:
    if decision_reason == policies.NOT_FOUND:
        return NotFound(decision_reason)
    return Refused(decision_reason, status=409 if "already" in decision_reason else 400)


@transaction.atomic
def request_mentors(*, mentee: User, mentors: Sequence[User], goal: str) -> Written[MentorRequest]:
    """Ask one mentor, or up to three in order: the first is asked now, the next only when
    the one before declines or lets the request expire."""
    now = timezone.now()
    goal = clean_text(goal, what="goal", max_chars=GOAL_MAX_CHARS, required=True)
    if not 1 <= len(mentors) <= MAX_RANKED_MENTORS:
        raise Refused(f"Choose between 1 and {MAX_RANKED_MENTORS} mentors.")
    if len({m.pk for m in mentors}) != len(mentors):
        raise Refused("Each mentor can appear only once in your list.")
    common.lock_user(mentee.pk)  # serialises one mentee's double-submits
    cfg = reads.community_settings()
    for mentor in mentors:
        facts = request_reads.request_facts(mentee, mentor, cfg)
        decision = policies.can_request_mentor(mentee, mentor, facts, now)
        if not decision:
            raise _refuse(decision.reason)
    request = MentorRequest.objects.create(mentee=mentee, goal=goal)
    try:
        with transaction.atomic():
            RequestTarget.objects.bulk_create(
                [
                    RequestTarget(request=request, mentee=mentee, mentor=m, rank=rank)
                    for rank, m in enumerate(mentors, start=1)
                ]
            )
    except IntegrityError as exc:
        raise Conflict("You already have a request waiting with one of these mentors.") from exc
    found = screening.screen(writer=mentee, source=request, field="goal", at=now)
    profile, created = MenteeProfile.objects.select_for_update().get_or_create(
        user=mentee, defaults={"goal": goal}
    )
    changed = created or profile.goal != goal
    profile.goal = goal
    profile.opted_out_at = None
    profile.save(update_fields=["goal", "opted_out_at", "updated_at"])
    if changed:  # the goal mentors and matching read; the same words raise one help panel
        screening.screen(writer=mentee, source=profile, field="goal", at=now)
    _send_next(request, now, cfg)
    return Written(request, found)


def _send_next(
    request: MentorRequest, now: dt.datetime, cfg: MentorshipSettings, *, why: str = ""
) -> RequestTarget | None:
    """Make the next queued mentor the one being asked (returned), skipping anyone who can
    no longer take it; close the request when nobody is left and tell the listener, after
    ``why`` (what just happened, e.g. a decline) in the same notice."""
    for target in request.targets.filter(status=TargetStatus.QUEUED).select_related("mentor"):
        mentor = target.mentor
        ok = (
            policies.may_mentor(mentor, now)
            and account_policies.can_contact_privately(request.mentee, mentor, now)
            and not reads.is_excluded_pair(request.mentee_id, mentor.pk)
        )
        if not ok:
            target.status = TargetStatus.CANCELLED
            target.save(update_fields=["status"])
            continue
        target.status = TargetStatus.PENDING
        target.sent_at = now
        target.expires_at = now + cfg.request_expiry
        target.save(update_fields=["status", "sent_at", "expires_at"])
        notify.notify(
            [mentor],
            "A listener asked you to mentor them",
            f"{request.mentee.profile.shown_name} would like you as their mentor. Their goal:\n\n"
            f"{request.goal}\n\nPlease accept or decline within {cfg.request_expiry_days} days.",
        )
        return target
    request.status = RequestStatus.EXHAUSTED
    request.closed_at = now
    request.save(update_fields=["status", "closed_at", "updated_at"])
    notify.notify(
        [request.mentee],
        "Your mentor request",
        f"{why} That was the last mentor on your list, so we'll include you in the next "
        "matching round, or you can pick other mentors in the directory."
        if why
        else "None of the mentors you chose could take your request. We'll include you in the "
        "next matching round, or you can pick other mentors in the directory.",
    )
    return None


@transaction.atomic
def withdraw_request(*, mentee: User, request_id: int) -> MentorRequest:
    request = MentorRequest.objects.select_for_update().filter(pk=request_id, mentee=mentee).first()
    if request is None:
        raise NotFound("No such request.")
    if request.status != RequestStatus.OPEN:
        raise Conflict("This request is already closed.")
    now = timezone.now()
    request.status = RequestStatus.WITHDRAWN
    request.closed_at = now
    request.save(update_fields=["status", "closed_at", "updated_at"])
    request.targets.filter(status__in=OPEN_TARGET_STATUSES).update(status=TargetStatus.CANCELLED)
    return request


@transaction.atomic
def respond_to_request(
    *, mentor: User, target_id: int, accept: bool, reason: str = ""
) -> Written[Mentorship | None]:
    """Accept (the new mentorship) or decline (None, with the mentor's optional reason, which
    the listener reads)."""
    now = timezone.now()
    target = (
        RequestTarget.objects.select_for_update(of=("self",))
        .select_related("request", "mentee", "mentor")
        .filter(pk=target_id)
        .first()
    )
    if target is None or target.mentor_id != mentor.pk:
        raise NotFound("No such request.")
    decision = policies.can_answer_request(mentor, target)
    if not decision:
        raise Conflict(decision.reason)
    request = target.request
    reason = clean_text(reason, what="reason", max_chars=500, required=False)
    cfg = reads.community_settings()
    common.touch_mentor(mentor.pk, now)
    if not accept:
        target.status = TargetStatus.DECLINED
        target.responded_at = now
        target.decline_reason = reason
        target.save(update_fields=["status", "responded_at", "decline_reason"])
        found = screening.screen(
            writer=mentor,
            source=target,
            field="decline_reason",
            at=now,
            url=screening.admin_url(request),
        )
        declined = f"{mentor.profile.shown_name} can't take you on right now" + (
            f": “{reason}”." if reason else "."
        )
        # One notice: passed on to the next mentor, or (the last one) what happens now.
        if _send_next(request, now, cfg, why=declined) is not None:
            notify.notify(
                [target.mentee],
                "Your mentor request",
                f"{declined} We've passed your request on to the next mentor on your list.",
            )
        return Written(None, found)
    mentee = target.mentee
    if not account_policies.can_contact_privately(mentor, mentee, now):
        raise NotFound("No such request.")
    if reads.is_excluded_pair(mentee.pk, mentor.pk):
        raise NotFound("No such request.")
    profile = common.lock_mentor(mentor.pk)
    load = reads.mentor_load(mentor.pk)
    if load >= profile.capacity:
        raise Conflict(
            "You're at capacity. Raise your capacity in mentor settings or decline the request."
        )
    mentorship = lifecycle.start_mentorship(
        mentor=mentor,
        mentee=mentee,
        source=MentorshipSource.REQUEST,
        status=MentorshipStatus.ACTIVE,
        goal=request.goal,
        now=now,
    )
    target.status = TargetStatus.ACCEPTED
    target.responded_at = now
    target.save(update_fields=["status", "responded_at"])
    request.status = RequestStatus.ACCEPTED
    request.closed_at = now
    request.save(update_fields=["status", "closed_at", "updated_at"])
    lifecycle.close_other_requests(mentee_id=mentee.pk, now=now)
    notify.notify(
        [mentee],
        "You have a mentor",
        f"{mentor.profile.shown_name} accepted your request. Say hello in your mentorship space.",
    )
    return Written(mentorship)


def advance_requests(now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic step: remind mentors of waiting requests, expire unanswered ones and
    cascade each to the next mentor on the list. Each request moves in its own transaction."""
    now = now or timezone.now()
    cfg = reads.community_settings()
    reminded = expired = 0
    remind_before = now - dt.timedelta(days=cfg.reminder_after_days)
    for target in RequestTarget.objects.filter(
        status=TargetStatus.PENDING,
        reminders_sent=0,
        sent_at__lte=remind_before,
        expires_at__gt=now,
    ).select_related("mentor", "mentee"):
        with transaction.atomic():
            updated = RequestTarget.objects.filter(
                pk=target.pk, status=TargetStatus.PENDING, reminders_sent=0
            ).update(reminders_sent=1)
            if updated:
                reminded += 1
                days_left = max((target.expires_at - now).days, 0) if target.expires_at else 0
                notify.notify(
                    [target.mentor],
                    "Reminder: a listener is waiting for your answer",
                    f"{target.mentee.profile.shown_name} asked you to mentor them. The request "
                    f"moves on in {days_left} day(s) if you don't answer.",
                )
    for target_id in RequestTarget.objects.filter(
        status=TargetStatus.PENDING, expires_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            due = (
                RequestTarget.objects.select_for_update(of=("self",))
                .select_related("request", "request__mentee")
                .filter(pk=target_id, status=TargetStatus.PENDING)
                .first()
            )
            if due is None:
                continue
            due.status = TargetStatus.EXPIRED
            due.responded_at = now
            due.save(update_fields=["status", "responded_at"])
            expired += 1
            _send_next(due.request, now, cfg)
    return {"reminded": reminded, "expired": expired}
