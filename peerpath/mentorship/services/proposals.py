"""A mentor's answer to a proposal from matching (accept or decline), and the expiry of
unanswered proposals.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.models import User
from peerpath.core.errors import Conflict, NotFound
from peerpath.core.text import clean_text
from peerpath.mentorship import notify, policies
from peerpath.mentorship.models import (
    EndReason,
    Mentorship,
    MentorshipStatus,
)
from peerpath.mentorship.screening import Written
from peerpath.mentorship.services import common, lifecycle


@transaction.atomic
def accept_proposal(*, mentor: User, mentorship_id: int) -> Mentorship:
    now = timezone.now()
    m = (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("mentee", "mentor")
        .filter(pk=mentorship_id)
        .first()
    )
    if m is None or m.mentor_id != mentor.pk:
        raise NotFound("No such proposal.")
    decision = policies.can_answer_proposal(mentor, m)
    if not decision:
        raise Conflict(decision.reason)
    if not account_policies.can_contact_privately(mentor, m.mentee, now):
        raise NotFound("No such proposal.")
    m.status = MentorshipStatus.ACTIVE
    m.started_at = now
    m.save(update_fields=["status", "started_at", "updated_at"])
    common.touch_mentor(mentor.pk, now)
    lifecycle.close_other_requests(mentee_id=m.mentee_id, now=now)
    notify.notify(
        [m.mentee],
        "You have a mentor",
        f"{mentor.profile.shown_name} accepted the match. Say hello in your mentorship space.",
    )
    return m


@transaction.atomic
def decline_proposal(*, mentor: User, mentorship_id: int, reason: str = "") -> Written[Mentorship]:
    """The mentor says no: the pair is never proposed again, and the mentee hears it once,
    with what happens next (the next matching round, or the directory now)."""
    now = timezone.now()
    m = (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("mentee__profile", "mentor__profile")
        .filter(pk=mentorship_id)
        .first()
    )
    if m is None or m.mentor_id != mentor.pk:
        raise NotFound("No such proposal.")
    decision = policies.can_answer_proposal(mentor, m)
    if not decision:
        raise Conflict(decision.reason)
    m.status = MentorshipStatus.DECLINED
    m.ended_at = now
    m.ended_by = mentor
    m.end_reason = EndReason.DECLINED
    m.end_note = clean_text(reason, what="reason", max_chars=500, required=False)
    m.save()
    common.touch_mentor(mentor.pk, now)
    found = common.screen_end_note(m, mentor, now)
    notify.tell_mentee_proposal_ended(
        m.mentee,
        f"{mentor.profile.shown_name} can't take you on right now"
        + (f": “{m.end_note}”." if m.end_note else "."),
    )
    return Written(m, found)


@transaction.atomic
def expire_proposals(now: dt.datetime | None = None) -> int:
    """Proposals nobody answered in time end as declined; each side is told once."""
    now = now or timezone.now()
    due = list(
        Mentorship.objects.select_for_update(of=("self",))
        .filter(status=MentorshipStatus.PROPOSED, proposal_expires_at__lte=now)
        .select_related("mentee__profile", "mentor__profile")
    )
    if not due:
        return 0
    Mentorship.objects.filter(pk__in=[m.pk for m in due]).update(
        status=MentorshipStatus.DECLINED,
        ended_at=now,
        end_reason=EndReason.PROPOSAL_EXPIRED,
        updated_at=now,
    )
    for m in due:
        mentor_name, mentee_name = m.mentor.profile.shown_name, m.mentee.profile.shown_name
        notify.tell_mentee_proposal_ended(
            m.mentee, f"{mentor_name} didn't answer our proposed match in time."
        )
        notify.tell_mentor_proposal_ended(
            m.mentor, f"The proposed match with {mentee_name} expired before you answered."
        )
    return len(due)
