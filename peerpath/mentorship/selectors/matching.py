"""Matching reads: load the community into the pure engine's arrays (``peerpath.matching``),
the staff screen's runs and proposals, and "Suggested for you" scores. The writes (run,
publish, discard, auto-pair) are ``services.matching``.

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
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from peerpath.accounts.models import AccountType, Block, Language, Profile, Topic, User
from peerpath.accounts.roles import Role
from peerpath.core.errors import NotFound
from peerpath.matching import engine
from peerpath.matching.explain import explain
from peerpath.matching.features import availability_matrix, encode_text, shift_availability
from peerpath.mentorship import policies
from peerpath.mentorship.availability import utc_offset_hours
from peerpath.mentorship.models import (
    CURRENT_STATUSES,
    NO_REMATCH_REASONS,
    MatchProposal,
    MatchRun,
    MenteeProfile,
    MentorProfile,
    Mentorship,
    MentorshipSettings,
)
from peerpath.mentorship.selectors import common

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
    qs: QuerySet[User] = common.mentors(now).filter(teen_from__lte=now)
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


PROPOSALS_PER_PAGE = 100


def run_with_proposals_page(
    run_id: int, page: int | str | None = 1
) -> tuple[MatchRun, Page[MatchProposal]]:
    """A matching run and one page of its proposals, best first (a run over a large community
    has tens of thousands). ``NotFound`` for a missing run."""
    run = MatchRun.objects.select_related("started_by", "decided_by").filter(pk=run_id).first()
    if run is None:
        raise NotFound("No such matching run.")
    proposals = run.proposals.select_related(
        "mentee", "mentor", "mentee__profile", "mentor__profile", "mentorship"
    ).order_by("-score", "mentee_id")
    paginator: Paginator[MatchProposal] = Paginator(proposals, PROPOSALS_PER_PAGE)
    return run, paginator.get_page(page)


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
    (``selectors.directory.listed_mentors``: band, suspension, blocks and no-rematch endings,
    fresh).

    Scored against the band's cached mentor arrays and kept per viewer for
    ``SUGGEST_CACHE_SECONDS`` under ``version`` (their profile rows' ``updated_at``), so an
    edited profile is scored at once. ``availability``, ``goal`` and ``version`` are the
    viewer's (``selectors.directory.viewer_facts``)."""
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
