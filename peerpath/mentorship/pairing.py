"""Matching runs: load the community into arrays, ask the pure engine (``peerpath.matching``)
for the optimal assignment, store it as a previewable run, publish it as proposals.

Reads (``load_pools``, ``suggested_mentors``, ``match_runs``, ``run_proposals``) and writes
(``run_matching``, ``publish_run``, ``discard_run``, ``auto_pair``) live together here because
they share the array layout; ``services`` and ``selectors`` re-export them.

Who is in the pools (at ``now``):
- mentees: active, unsuspended listeners aged 13+, not mentors, without a current
  (proposed/active) mentorship, not opted out of the program;
- mentors: active, unsuspended holders of the Mentor role with a mentor profile and room left
  (capacity - current mentees > 0);
- excluded pairs: every pair that ended with a no-rematch reason, and every block (both ways).
Bands are coded 1 = teen, 2 = adult, so the engine never pairs across them.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.models import AccountType, Block, Language, Profile, Topic, User
from peerpath.accounts.roles import Role
from peerpath.core.errors import Conflict, Forbidden, NotFound
from peerpath.matching import engine
from peerpath.matching.explain import explain
from peerpath.matching.features import availability_matrix, encode_text, shift_availability
from peerpath.mentorship import notify, policies
from peerpath.mentorship.availability import utc_offset_hours
from peerpath.mentorship.models import (
    CURRENT_STATUSES,
    NO_REMATCH_REASONS,
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

TEEN, ADULT = 1, 2
SUGGEST_CACHE_SECONDS = 60


def weights_of(cfg: MentorshipSettings) -> engine.Weights:
    return engine.Weights(
        topic=cfg.weight_topic,
        language=cfg.weight_language,
        availability=cfg.weight_availability,
        text=cfg.weight_text,
        load=cfg.weight_load,
    )


@dataclass(frozen=True)
class Pools:
    mentees: engine.Mentees
    mentors: engine.Mentors
    excluded: npt.NDArray[np.int64]
    topic_names: list[str]
    language_names: list[str]


def _vocab() -> tuple[dict[int, int], list[str], dict[int, int], list[str]]:
    topics = list(Topic.objects.order_by("position", "pk").values_list("pk", "name"))
    languages = list(Language.objects.order_by("pk").values_list("pk", "name"))
    return (
        {pk: i for i, (pk, _) in enumerate(topics)},
        [name for _, name in topics],
        {pk: i for i, (pk, _) in enumerate(languages)},
        [name for _, name in languages],
    )


def _bands(rows: list[tuple[Any, ...]], now: dt.datetime) -> npt.NDArray[np.int8]:
    return np.array([ADULT if r[1] <= now else TEEN for r in rows], dtype=np.int8)


def _memberships(
    pairs: QuerySet[Any, tuple[int, int]], index: dict[int, int], width: int, rows: dict[int, int]
) -> npt.NDArray[np.bool_]:
    out = np.zeros((len(rows), max(width, 1)), dtype=np.bool_)
    r, c = [], []
    for owner, item in pairs:
        if owner in rows and item in index:
            r.append(rows[owner])
            c.append(index[item])
    if r:
        out[np.array(r), np.array(c)] = True
    return out


def _languages(
    ids: list[int], language_index: dict[int, int], row_of: dict[int, int]
) -> npt.NDArray[np.bool_]:
    """Languages from the people's profiles (mentors and mentees alike)."""
    pairs = Profile.languages.through.objects.filter(profile_id__in=ids).values_list(
        "profile_id", "language_id"
    )
    return _memberships(pairs, language_index, len(language_index), row_of)


def _availability(rows: list[tuple[Any, ...]], now: dt.datetime) -> npt.NDArray[np.bool_]:
    local = availability_matrix([r[3] or "" for r in rows])
    hour = int(now.timestamp()) // 3600
    offsets = np.array([utc_offset_hours(r[2], hour) for r in rows], dtype=np.int64)
    return shift_availability(local, offsets)


def _mentee_qs(now: dt.datetime) -> QuerySet[User]:
    qs: QuerySet[User] = (
        User.objects.filter(is_active=True, account_type=AccountType.LISTENER, teen_from__lte=now)
        .not_suspended(now)
        .exclude(pk__in=User.objects.with_role(Role.MENTOR).values("pk"))
        .exclude(mentorships_as_mentee__status__in=CURRENT_STATUSES)
        .exclude(mentee_profile__opted_out_at__isnull=False)
    )
    return qs


def _mentor_qs(now: dt.datetime) -> QuerySet[User]:
    qs: QuerySet[User] = (
        User.objects.with_role(Role.MENTOR)
        .filter(is_active=True, mentor_profile__isnull=False)
        .not_suspended(now)
        .filter(teen_from__lte=now)
    )
    return qs


def load_mentors(
    now: dt.datetime,
    topic_index: dict[int, int],
    language_index: dict[int, int],
    *,
    band: int | None = None,
) -> engine.Mentors:
    qs = _mentor_qs(now)
    if band == TEEN:
        qs = qs.filter(adult_from__gt=now)
    elif band == ADULT:
        qs = qs.filter(adult_from__lte=now)
    rows = list(
        qs.annotate(
            current=Count(
                "mentorships_as_mentor",
                filter=Q(mentorships_as_mentor__status__in=CURRENT_STATUSES),
                distinct=True,
            )
        )
        .order_by("pk")
        .values_list(
            "pk",
            "adult_from",
            "timezone",
            "profile__availability",
            "mentor_profile__capacity",
            "current",
            "mentor_profile__approach",
        )
    )
    row_of = {r[0]: i for i, r in enumerate(rows)}
    ids = list(row_of)
    return engine.Mentors(
        ids=np.array(ids, dtype=np.int64),
        band=_bands(rows, now),
        topics=_memberships(
            MentorProfile.specialties.through.objects.filter(mentorprofile_id__in=ids).values_list(
                "mentorprofile_id", "topic_id"
            ),
            topic_index,
            len(topic_index),
            row_of,
        ),
        languages=_languages(ids, language_index, row_of),
        availability=_availability(rows, now),
        text=encode_text([r[6] or "" for r in rows]),
        capacity=np.array([r[4] or 0 for r in rows], dtype=np.int32),
        active=np.array([r[5] for r in rows], dtype=np.int32),
    )


def load_mentees(
    now: dt.datetime,
    topic_index: dict[int, int],
    language_index: dict[int, int],
    cfg: MentorshipSettings,
    *,
    only: QuerySet[User] | None = None,
) -> engine.Mentees:
    qs = only if only is not None else _mentee_qs(now)
    rows = list(
        qs.order_by("pk").values_list(
            "pk", "adult_from", "timezone", "profile__availability", "date_joined"
        )
    )
    goals = dict(
        MenteeProfile.objects.filter(pk__in=[r[0] for r in rows]).values_list("pk", "goal")
    )
    return _mentees(rows, goals, now, topic_index, language_index, cfg)


def _mentees(
    rows: list[tuple[Any, ...]],
    goals: dict[int, str],
    now: dt.datetime,
    topic_index: dict[int, int],
    language_index: dict[int, int],
    cfg: MentorshipSettings,
) -> engine.Mentees:
    """Mentee arrays from rows of (id, adult_from, timezone, availability, date_joined)."""
    row_of = {r[0]: i for i, r in enumerate(rows)}
    ids = list(row_of)
    new_since = now - dt.timedelta(days=cfg.new_listener_days)
    return engine.Mentees(
        ids=np.array(ids, dtype=np.int64),
        band=_bands(rows, now),
        topics=_memberships(
            Profile.topics.through.objects.filter(profile_id__in=ids).values_list(
                "profile_id", "topic_id"
            ),
            topic_index,
            len(topic_index),
            row_of,
        ),
        languages=_languages(ids, language_index, row_of),
        availability=_availability(rows, now),
        text=encode_text([goals.get(pk, "") for pk in ids]),
        priority=np.array(
            [cfg.new_listener_priority if r[4] >= new_since else 0.0 for r in rows],
            dtype=np.float32,
        ),
    )


def excluded_pairs() -> npt.NDArray[np.int64]:
    """(mentee id, mentor id) pairs that must never be proposed."""
    ended = Mentorship.objects.filter(end_reason__in=NO_REMATCH_REASONS).values_list(
        "mentee_id", "mentor_id"
    )
    pairs = set(ended)
    for a, b in Block.objects.values_list("blocker_id", "blocked_id"):
        pairs.add((a, b))
        pairs.add((b, a))
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    return np.array(sorted(pairs), dtype=np.int64)


def load_pools(now: dt.datetime, cfg: MentorshipSettings) -> Pools:
    topic_index, topic_names, language_index, language_names = _vocab()
    return Pools(
        mentees=load_mentees(now, topic_index, language_index, cfg),
        mentors=load_mentors(now, topic_index, language_index),
        excluded=excluded_pairs(),
        topic_names=topic_names,
        language_names=language_names,
    )


# --- writes -------------------------------------------------------------------------------


def run_matching(*, actor: User | None, now: dt.datetime | None = None) -> MatchRun:
    """Compute the optimal assignment now and store it as a draft run (a preview)."""
    if actor is not None:
        decision = policies.can_run_matching(actor)
        if not decision:
            raise Forbidden(decision.reason)
    now = now or timezone.now()
    cfg = MentorshipSettings.load()
    weights = weights_of(cfg)
    started = time.perf_counter()
    pools = load_pools(now, cfg)
    result = engine.match(
        pools.mentees, pools.mentors, weights, pools.excluded, min_score=cfg.min_score
    )
    seconds = time.perf_counter() - started
    with transaction.atomic():
        run = MatchRun.objects.create(
            started_by=actor,
            n_mentees=len(pools.mentees.ids),
            n_mentors=len(pools.mentors.ids),
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
    from peerpath.mentorship import selectors

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
    if selectors.is_excluded_pair(mentee.pk, mentor.pk):
        return "This pair must not be matched again."
    return ""


@transaction.atomic
def publish_run(*, actor: User | None, run_id: int) -> MatchRun:
    """Turn a draft run's pairs into mentorships: proposals waiting for the mentor, or active
    at once (community setting). Capacity is re-counted under the mentor's row lock."""
    from peerpath.mentorship import services

    run = _decide(run_id, actor)
    now = timezone.now()
    cfg = MentorshipSettings.load()
    direct = not cfg.proposals_need_mentor_acceptance
    published = 0
    for p in run.proposals.select_related("mentee", "mentor").order_by("-score", "mentee_id"):
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
                m = services._start(
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
        if direct:
            services._close_other_requests(p.mentee_id, now)
            notify.notify(
                [p.mentee, p.mentor],
                "You have a new mentorship",
                f"{p.mentor.username} and {p.mentee.username} are now matched ({why}).",
            )
        else:
            notify.notify(
                [p.mentor],
                "A suggested mentee",
                f"We suggest you mentor {p.mentee.username} ({why}). Please accept or decline.",
            )
            notify.notify(
                [p.mentee],
                "We found you a mentor",
                f"We suggested {p.mentor.username} as your mentor ({why}). They'll confirm soon.",
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


# --- reads --------------------------------------------------------------------------------


def match_runs(limit: int = 20) -> list[MatchRun]:
    return list(MatchRun.objects.select_related("started_by").order_by("-created_at")[:limit])


def run_proposals(run_id: int) -> tuple[MatchRun, list[MatchProposal]]:
    run = MatchRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound("No such matching run.")
    return run, list(
        run.proposals.select_related("mentee", "mentor", "mentorship").order_by(
            "-score", "mentee_id"
        )
    )


@dataclass(frozen=True)
class _Vocab:
    topic_index: dict[int, int]
    topic_names: list[str]
    language_index: dict[int, int]
    language_names: list[str]


def _mentor_pool(band: int, now: dt.datetime) -> tuple[engine.Mentors, _Vocab]:
    """The band's mentor arrays and the vocabulary their columns follow, cached together for
    a minute (suggestions may lag capacity by that; the viewer is encoded with the same
    vocabulary, so a topic added meanwhile cannot misalign the columns)."""
    key = f"mentorship:suggest-pool:{band}"
    cached = cache.get(key)
    if cached is not None:
        pool: tuple[engine.Mentors, _Vocab] = cached
        return pool
    vocab = _Vocab(*_vocab())
    mentors = load_mentors(now, vocab.topic_index, vocab.language_index, band=band)
    pool = (mentors, vocab)
    cache.set(key, pool, SUGGEST_CACHE_SECONDS)
    return pool


SUGGEST_SLACK = 5


def suggestion_scores(
    viewer: User, *, top: int, now: dt.datetime, availability: str, goal: str, version: str
) -> list[tuple[int, float, list[str]]]:
    """The viewer's best mentors, best first, as (mentor id, score 0-100, explanation): up to
    ``top`` + ``SUGGEST_SLACK`` of them, for the caller keeps only those it may show now
    (``selectors.listed_mentors``: band, suspension, blocks and no-rematch endings, fresh).

    Scored against the band's cached mentor arrays and kept per viewer for
    ``SUGGEST_CACHE_SECONDS`` under ``version`` (their profile rows' ``updated_at``), so an
    edited profile is scored at once. ``availability``, ``goal`` and ``version`` are the
    viewer's (``selectors.viewer_facts``)."""
    if not policies.may_be_mentored(viewer, now) or viewer.teen_from > now:
        return []
    band = ADULT if viewer.adult_from <= now else TEEN
    key = f"mentorship:suggest:{viewer.pk}:{band}:{top}:{version}"
    cached: list[tuple[int, float, list[str]]] | None = cache.get(key)
    if cached is not None:
        return cached
    mentors, vocab = _mentor_pool(band, now)
    scored: list[tuple[int, float, list[str]]] = []
    if len(mentors.ids):
        cfg = MentorshipSettings.load()
        me = _mentees(
            [(viewer.pk, viewer.adult_from, viewer.timezone, availability, viewer.date_joined)],
            {viewer.pk: goal},
            now,
            vocab.topic_index,
            vocab.language_index,
            cfg,
        )
        idx, scores = engine.suggest(
            me,
            0,
            mentors,
            weights_of(cfg),
            excluded_pairs_for(viewer.pk),
            top=top + SUGGEST_SLACK,
        )
        scored = [
            (
                int(mentors.ids[j]),
                round(float(s), 1),
                explain(
                    me,
                    0,
                    mentors,
                    int(j),
                    topic_names=vocab.topic_names,
                    language_names=vocab.language_names,
                ),
            )
            for j, s in zip(idx, scores, strict=True)
        ]
    cache.set(key, scored, SUGGEST_CACHE_SECONDS)
    return scored


def suggested_mentors(viewer: User, top: int = 5) -> list[tuple[Any, float, list[str]]]:
    """“Suggested for you” cards (``selectors.suggested_mentors``)."""
    from peerpath.mentorship import selectors

    return selectors.suggested_mentors(viewer, top)


def excluded_pairs_for(user_id: int) -> npt.NDArray[np.int64]:
    """(user, mentor) pairs never to suggest to ``user_id``: no-rematch endings and blocks
    either way, in one query."""
    ended = Mentorship.objects.filter(
        mentee_id=user_id, end_reason__in=NO_REMATCH_REASONS
    ).values_list("mentor_id", flat=True)
    blocked = Block.objects.filter(blocker_id=user_id).values_list("blocked_id", flat=True)
    blockers = Block.objects.filter(blocked_id=user_id).values_list("blocker_id", flat=True)
    others = set(ended.order_by().union(blocked.order_by(), blockers.order_by()))
    if not others:
        return np.zeros((0, 2), dtype=np.int64)
    return np.array(sorted((user_id, other) for other in others), dtype=np.int64)
