"""A mentorship's life: it starts (from an accepted request or a published matching
proposal), and it ends (either side, "unmatch me", "remove me from the program", or a teen
turning 18). "One current mentorship per mentee" is a database constraint, so a lost race
surfaces as ``Conflict``.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.core.aftercommit import after_commit
from peerpath.core.errors import Conflict, Forbidden, NotFound
from peerpath.core.text import clean_text
from peerpath.mentorship import notify, policies, realtime, screening
from peerpath.mentorship.models import (
    CURRENT_STATUSES,
    OPEN_TARGET_STATUSES,
    EndReason,
    MenteeProfile,
    MentorProfile,
    MentorRequest,
    Mentorship,
    MentorshipSource,
    MentorshipStatus,
    RequestStatus,
    RequestTarget,
    TargetStatus,
)
from peerpath.mentorship.screening import NOTHING, Written
from peerpath.mentorship.services import common


def start_mentorship(
    *,
    mentor: User,
    mentee: User,
    source: MentorshipSource,
    status: MentorshipStatus,
    now: dt.datetime,
    goal: str = "",
    score: float | None = None,
    explanation: list[str] | None = None,
    proposal_expires_at: dt.datetime | None = None,
) -> Mentorship:
    """Pair ``mentee`` with ``mentor`` (a proposal waiting for the mentor, or active). The
    caller has checked the policies and counted capacity under the mentor's row lock
    (``common.lock_mentor``); a mentee who already has a current mentorship is a ``Conflict``
    (the database's one-current-mentorship constraint)."""
    try:
        with transaction.atomic():
            m = Mentorship.objects.create(
                mentor=mentor,
                mentee=mentee,
                source=source,
                status=status,
                goal=goal,
                score=score,
                explanation=explanation or [],
                started_at=now if status == MentorshipStatus.ACTIVE else None,
                proposal_expires_at=proposal_expires_at,
            )
    except IntegrityError as exc:
        raise Conflict(f"{mentee.profile.shown_name} already has a mentor.") from exc
    # The mentee's goal becomes the pair's: an active pair's mentor is told too. (Its writer
    # saw help when they wrote it; nobody here is its writer, so no help is returned.)
    screening.screen(writer=mentee, source=m, field="goal", at=now, m=m)
    return m


def close_other_requests(*, mentee_id: int, now: dt.datetime) -> None:
    """Cancel the mentee's open requests: a mentee with a mentor has nothing else to wait for
    (called inside the transaction that gave them one)."""
    open_ids = list(
        MentorRequest.objects.filter(mentee_id=mentee_id, status=RequestStatus.OPEN).values_list(
            "pk", flat=True
        )
    )
    if not open_ids:
        return
    RequestTarget.objects.filter(request_id__in=open_ids, status__in=OPEN_TARGET_STATUSES).update(
        status=TargetStatus.CANCELLED
    )
    MentorRequest.objects.filter(pk__in=open_ids).update(
        status=RequestStatus.CANCELLED, closed_at=now, updated_at=now
    )


def _end(m: Mentorship, *, by: User | None, reason: EndReason, note: str, now: dt.datetime) -> None:
    was_active = m.status == MentorshipStatus.ACTIVE
    m.status = MentorshipStatus.ENDED if was_active else MentorshipStatus.DECLINED
    m.ended_at = now
    m.ended_by = by
    m.end_reason = reason
    m.end_note = note
    m.save()
    after_commit(
        lambda: realtime.broadcast_closed(m.pk, reason.label), what="mentorship chat broadcast"
    )


@transaction.atomic
def end_mentorship(
    *, actor: User, mentorship_id: int, reason: EndReason, note: str = ""
) -> Written[Mentorship]:
    now = timezone.now()
    m = (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("mentor", "mentee")
        .filter(pk=mentorship_id)
        .first()
    )
    if m is None or not policies.is_party(actor, m):
        raise NotFound("No such mentorship.")
    decision = policies.can_end(actor, m, reason)
    if not decision:
        raise (
            Conflict(decision.reason) if "ended" in decision.reason else Forbidden(decision.reason)
        )
    note = clean_text(note, what="note", max_chars=500, required=False)
    was_proposed = m.status == MentorshipStatus.PROPOSED
    _end(m, by=actor, reason=reason, note=note, now=now)
    found = common.screen_end_note(m, actor, now)
    other = m.mentee if actor.pk == m.mentor_id else m.mentor
    if was_proposed:  # it never started: the other side hears of a withdrawn proposal
        _tell_proposal_withdrawn(m, actor, "asked for another match")
    else:
        notify.notify(
            [other],
            "Your mentorship has ended",
            f"Your mentorship with {actor.profile.shown_name} has ended ({reason.label.lower()}).",
        )
    return Written(m, found)


def _tell_proposal_withdrawn(m: Mentorship, actor: User, what: str) -> None:
    """One notice to the side that did not end a proposed match: its what-next depends on
    their role (a mentee goes back to matching; a mentor's place stays free)."""
    name = actor.profile.shown_name
    if actor.pk == m.mentee_id:
        notify.tell_mentor_proposal_ended(
            m.mentor, f"{name} {what}, so our proposed match with them is withdrawn."
        )
    else:
        notify.tell_mentee_proposal_ended(
            m.mentee, f"{name} {what}, so our proposed match with them is withdrawn."
        )


@transaction.atomic
def request_rematch(*, user: User, mentorship_id: int, note: str = "") -> Written[Mentorship]:
    """“Unmatch me and find me a new match”: end, never rematch this pair, and put the user
    back into matching (a mentee becomes unmatched; a mentor's slot frees)."""
    ended = end_mentorship(
        actor=user, mentorship_id=mentorship_id, reason=EndReason.REMATCH, note=note
    )
    if user.pk == ended.obj.mentee_id:
        MenteeProfile.objects.update_or_create(user=user, defaults={"opted_out_at": None})
    return ended


@transaction.atomic
def mentor_unmatch_no_rematch(
    *, mentor: User, mentorship_id: int, note: str = ""
) -> Written[Mentorship]:
    """Mentors only: end, never rematch this pair, and take one slot off their capacity."""
    ended = end_mentorship(
        actor=mentor, mentorship_id=mentorship_id, reason=EndReason.MENTOR_NO_REMATCH, note=note
    )
    profile = common.lock_mentor(mentor.pk)
    if profile.capacity > 0:
        profile.capacity -= 1
        profile.save(update_fields=["capacity", "updated_at"])
    return ended


@transaction.atomic
def leave_program(*, user: User, mentorship_id: int | None = None, note: str = "") -> Written[int]:
    """“Remove me from the program”: end every current mentorship, withdraw waiting
    requests, stop auto-pairing (and pause mentoring for a mentor). Returns how many ended."""
    now = timezone.now()
    note = clean_text(note, what="note", max_chars=500, required=False)
    ended = 0
    found = NOTHING
    for m in (
        Mentorship.objects.select_for_update(of=("self",))
        .filter(status__in=CURRENT_STATUSES)
        .filter(Q(mentor=user) | Q(mentee=user))
        .select_related("mentor", "mentee")
    ):
        was_proposed = m.status == MentorshipStatus.PROPOSED
        _end(m, by=user, reason=EndReason.LEFT_PROGRAM, note=note, now=now)
        if not ended:  # the same words end every pair: one alert is enough
            found = common.screen_end_note(m, user, now)
        if was_proposed:
            _tell_proposal_withdrawn(m, user, "has left the mentoring program")
        elif user.pk == m.mentor_id:
            notify.notify(
                [m.mentee],
                "Your mentorship has ended",
                f"{user.profile.shown_name} has left the mentoring program. {notify.NEXT_ROUND}",
                url=reverse("mentorship:directory"),
            )
        else:
            notify.notify(
                [m.mentor],
                "Your mentorship has ended",
                f"{user.profile.shown_name} has left the mentoring program. Your place is free "
                "for a new mentee.",
            )
        ended += 1
    close_other_requests(mentee_id=user.pk, now=now)
    MenteeProfile.objects.update_or_create(user=user, defaults={"opted_out_at": now})
    MentorProfile.objects.filter(pk=user.pk).update(capacity=0, updated_at=now)
    return Written(ended, found)


def end_cross_band_mentorships(now: dt.datetime | None = None) -> int:
    """A teen who turns 18 leaves their teen mentorship (and vice versa): private spaces never
    cross bands. Exact and indexed thanks to ``User.adult_from``."""
    now = now or timezone.now()
    crossed = (
        Mentorship.objects.filter(status__in=CURRENT_STATUSES)
        .filter(
            Q(mentor__adult_from__lte=now, mentee__adult_from__gt=now)
            | Q(mentor__adult_from__gt=now, mentee__adult_from__lte=now)
        )
        .select_related("mentor", "mentee")
    )
    n = 0
    for m in crossed:
        with transaction.atomic():
            _end(m, by=None, reason=EndReason.AGED_OUT, note="", now=now)
            n += 1
    return n
