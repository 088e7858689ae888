"""Matching runs: compute the optimal assignment (pools from ``selectors.matching``, the
pure engine in ``peerpath.matching``) and store it as a draft run; publish it as proposals (or
active mentorships) or discard it; ``auto_pair`` does both on a schedule.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
from django.db import transaction
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.models import User
from peerpath.core.errors import Conflict, Forbidden, NotFound
from peerpath.matching import engine
from peerpath.matching.explain import explain
from peerpath.mentorship import notify, policies
from peerpath.mentorship.models import (
    CURRENT_STATUSES,
    MatchProposal,
    MatchRun,
    MatchRunStatus,
    MenteeProfile,
    MentorProfile,
    Mentorship,
    MentorshipSettings,
    MentorshipSource,
    MentorshipStatus,
)
from peerpath.mentorship.selectors import common as reads
from peerpath.mentorship.selectors import matching as matching_reads
from peerpath.mentorship.services import lifecycle


def run_matching(*, actor: User | None, now: dt.datetime | None = None) -> MatchRun:
    """Compute the optimal assignment now and store it as a draft run (a preview)."""
    if actor is not None:
        decision = policies.can_run_matching(actor)
        if not decision:
            raise Forbidden(decision.reason)
    now = now or timezone.now()
    cfg = MentorshipSettings.load()
    weights = matching_reads.weights_of(cfg)
    started = time.perf_counter()
    pools = matching_reads.load_pools(now, cfg)
    result = engine.match(
        pools.mentees, pools.mentors, weights, pools.excluded, min_score=cfg.min_score
    )
    seconds = time.perf_counter() - started
    with transaction.atomic():
        run = MatchRun.objects.create(
            started_by=actor,
            n_mentees=len(pools.mentees.ids),
            n_mentors=int(np.count_nonzero(pools.mentors.remaining > 0)),  # with room
            n_proposals=len(result.mentee_idx),
            total_score=float(np.sum(result.score)) if len(result.score) else 0.0,
            seconds=round(seconds, 3),
            weights={
                "topic": weights.topic,
                "language": weights.language,
                "availability": weights.availability,
                "text": weights.text,
                "load": weights.load,
            },
        )
        proposals = [
            MatchProposal(
                run=run,
                mentee_id=int(pools.mentees.ids[i]),
                mentor_id=int(pools.mentors.ids[j]),
                score=round(float(s), 2),
                explanation=explain(
                    pools.mentees,
                    int(i),
                    pools.mentors,
                    int(j),
                    topic_names=pools.topic_names,
                    language_names=pools.language_names,
                ),
            )
            for i, j, s in zip(result.mentee_idx, result.mentor_idx, result.score, strict=True)
        ]
        MatchProposal.objects.bulk_create(proposals, batch_size=2000)
    return run


def _decide(run_id: int, actor: User | None) -> MatchRun:
    if actor is not None and not policies.can_run_matching(actor):
        raise Forbidden("Only staff can publish or discard matching runs.")
    run = MatchRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise NotFound("No such matching run.")
    if run.status != MatchRunStatus.DRAFT:
        raise Conflict(f"This run was already {run.get_status_display().lower()}.")
    return run


@transaction.atomic
def discard_run(*, actor: User | None, run_id: int) -> MatchRun:
    run = _decide(run_id, actor)
    run.status = MatchRunStatus.DISCARDED
    run.decided_at = timezone.now()
    run.decided_by = actor
    run.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    return run


def _still_possible(p: MatchProposal, now: dt.datetime) -> str:
    """Re-check a proposal at publish time: the world may have moved since the preview."""
    mentee, mentor = p.mentee, p.mentor
    if Mentorship.objects.filter(mentee=mentee, status__in=CURRENT_STATUSES).exists():
        return "The listener has a mentor now."
    if MenteeProfile.objects.filter(pk=mentee.pk, opted_out_at__isnull=False).exists():
        return "The listener left the program."
    if not policies.may_mentor(mentor, now):
        return "The mentor can no longer mentor."
    if not policies.may_be_mentored(mentee, now):
        return "The listener can no longer be mentored."
    if not account_policies.can_contact_privately(mentor, mentee, now):
        return "They are no longer in the same age band."
    if reads.is_excluded_pair(mentee.pk, mentor.pk):
        return "This pair must not be matched again."
    if not reads.share_a_language(mentee.pk, mentor.pk):
        return "They no longer share a language."
    return ""


@transaction.atomic
def publish_run(*, actor: User | None, run_id: int) -> MatchRun:
    """Turn a draft run's pairs into mentorships: proposals waiting for the mentor, or active
    at once (community setting). Capacity is re-counted under the mentor's row lock."""
    run = _decide(run_id, actor)
    now = timezone.now()
    cfg = MentorshipSettings.load()
    direct = not cfg.proposals_need_mentor_acceptance
    published = 0
    for p in run.proposals.select_related("mentee__profile", "mentor__profile").order_by(
        "-score", "mentee_id"
    ):
        reason = _still_possible(p, now)
        if not reason:
            profile = MentorProfile.objects.select_for_update().filter(pk=p.mentor_id).first()
            load = Mentorship.objects.filter(
                mentor_id=p.mentor_id, status__in=CURRENT_STATUSES
            ).count()
            if profile is None or load >= profile.capacity:
                reason = "The mentor is full now."
        if reason:
            p.skipped_reason = reason
            p.save(update_fields=["skipped_reason"])
            continue
        try:
            with transaction.atomic():
                m = lifecycle.start_mentorship(
                    mentor=p.mentor,
                    mentee=p.mentee,
                    source=MentorshipSource.MATCHING,
                    status=MentorshipStatus.ACTIVE if direct else MentorshipStatus.PROPOSED,
                    now=now,
                    goal=MenteeProfile.objects.filter(pk=p.mentee_id)
                    .values_list("goal", flat=True)
                    .first()
                    or "",
                    score=p.score,
                    explanation=list(p.explanation),
                    proposal_expires_at=None
                    if direct
                    else now + dt.timedelta(days=cfg.proposal_expiry_days),
                )
        except Conflict as exc:
            p.skipped_reason = exc.message
            p.save(update_fields=["skipped_reason"])
            continue
        p.mentorship = m
        p.save(update_fields=["mentorship"])
        published += 1
        why = " · ".join(p.explanation)
        mentor_name, mentee_name = p.mentor.profile.shown_name, p.mentee.profile.shown_name
        if direct:
            lifecycle.close_other_requests(mentee_id=p.mentee_id, now=now)
            notify.notify(
                [p.mentee, p.mentor],
                "You have a new mentorship",
                f"{mentor_name} and {mentee_name} are now matched ({why}).",
            )
        else:
            notify.notify(
                [p.mentor],
                "A suggested mentee",
                f"We suggest you mentor {mentee_name} ({why}). Please accept or decline.",
            )
            notify.notify(
                [p.mentee],
                "We found you a mentor",
                f"We suggested {mentor_name} as your mentor ({why}). They'll confirm soon.",
            )
    run.status = MatchRunStatus.PUBLISHED
    run.decided_at = now
    run.decided_by = actor
    run.n_proposals = published
    run.save(update_fields=["status", "decided_at", "decided_by", "n_proposals", "updated_at"])
    return run


def auto_pair(now: dt.datetime | None = None) -> MatchRun | None:
    """The periodic job: run and publish at once, when the community has it switched on."""
    cfg = MentorshipSettings.load()
    if not cfg.auto_pairing_enabled:
        return None
    run = run_matching(actor=None, now=now)
    if run.n_proposals == 0:
        return discard_run(actor=None, run_id=run.pk)
    return publish_run(actor=None, run_id=run.pk)
