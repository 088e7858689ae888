"""Builders for small matching instances and an independent brute-force optimum."""

from __future__ import annotations

from functools import cache

import numpy as np

from peerpath.matching import Mentees, Mentors, encode_text, pair_scores
from peerpath.matching.features import HOURS
from peerpath.matching.model import Weights

WORDS = ["sleep", "stress", "anxiety", "exams", "family", "work", "grief", "music", "calm"]


def people(
    rng: np.random.Generator, n: int, *, n_topics: int = 4, n_langs: int = 3, id_base: int = 1
):
    """Random features for n people (ids id_base..)."""
    ids = np.arange(id_base, id_base + n, dtype=np.int64)
    band = rng.integers(1, 3, size=n).astype(np.int8)
    topics = rng.random((n, n_topics)) < 0.4
    langs = rng.random((n, n_langs)) < 0.5
    avail = np.zeros((n, HOURS), dtype=bool)
    for r in range(n):
        start = int(rng.integers(0, HOURS))
        length = int(rng.integers(0, 20))
        avail[r, (start + np.arange(length)) % HOURS] = True
    texts = [" ".join(rng.choice(WORDS, size=int(rng.integers(0, 5)))) for _ in range(n)]
    text = encode_text(texts, dim=16)
    return ids, band, topics, langs, avail, text


def make_mentees(p, priority) -> Mentees:
    ids, band, topics, langs, avail, text = p
    return Mentees(ids, band, topics, langs, avail, text, np.asarray(priority, np.float32))


def make_mentors(p, capacity, active) -> Mentors:
    ids, band, topics, langs, avail, text = p
    return Mentors(
        ids,
        band,
        topics,
        langs,
        avail,
        text,
        np.asarray(capacity, np.int32),
        np.asarray(active, np.int32),
    )


def random_instance(seed: int, n: int, m: int, *, p_exclude: float = 0.2, overlap_ids: bool = True):
    """A random small instance: (mentees, mentors, excluded)."""
    rng = np.random.default_rng(seed)
    me = people(rng, n)
    mo = list(people(rng, m, id_base=100))
    if overlap_ids and n and m:
        # some mentors are also mentees (same user id): they must never be self-matched
        k = int(rng.integers(0, min(n, m) + 1))
        ids = mo[0].copy()
        ids[rng.choice(m, size=k, replace=False)] = rng.choice(
            np.arange(1, n + 1), k, replace=False
        )
        mo[0] = ids
    priority = np.where(rng.random(n) < 0.3, rng.integers(0, 20, size=n), 0).astype(np.float32)
    capacity = rng.integers(0, 4, size=m).astype(np.int32)
    active = rng.integers(0, 3, size=m).astype(np.int32)
    mentees = make_mentees(me, priority)
    mentors = make_mentors(mo, capacity, active)
    ex = [
        (int(mentees.ids[i]), int(mentors.ids[j]))
        for i in range(n)
        for j in range(m)
        if rng.random() < p_exclude
    ]
    excluded = np.asarray(ex, dtype=np.int64).reshape(-1, 2)
    return mentees, mentors, excluded


def feasible_matrix(mentees: Mentees, mentors: Mentors, excluded) -> np.ndarray:
    """Independent (loop-based) feasibility of every pair."""
    ex = {(int(a), int(b)) for a, b in np.asarray(excluded).reshape(-1, 2)}
    remaining = np.maximum(mentors.capacity.astype(int) - mentors.active.astype(int), 0)
    ok = np.zeros((len(mentees), len(mentors)), dtype=bool)
    for i in range(len(mentees)):
        for j in range(len(mentors)):
            ok[i, j] = (
                mentees.band[i] == mentors.band[j]
                and remaining[j] > 0
                and bool(np.any(mentees.languages[i] & mentors.languages[j]))
                and int(mentees.ids[i]) != int(mentors.ids[j])
                and (int(mentees.ids[i]), int(mentors.ids[j])) not in ex
            )
    return ok


def brute_force_optimum(mentees: Mentees, mentors: Mentors, weights: Weights, excluded) -> float:
    """Max total utility by exhaustive search (DP over remaining capacities)."""
    n, m = len(mentees), len(mentors)
    ok = feasible_matrix(mentees, mentors, excluded)
    rr, cc = np.nonzero(np.ones((n, m), dtype=bool))
    util = pair_scores(mentees, mentors, rr, cc, weights).reshape(n, m)
    util = util + mentees.priority.astype(np.float64)[:, None]
    remaining = tuple(int(x) for x in np.maximum(mentors.capacity - mentors.active, 0))

    @cache
    def best(i: int, caps: tuple[int, ...]) -> float:
        if i == n:
            return 0.0
        value = best(i + 1, caps)  # leave mentee i unmatched
        for j in range(m):
            if ok[i, j] and caps[j] > 0:
                nxt = (*caps[:j], caps[j] - 1, *caps[j + 1 :])
                value = max(value, util[i, j] + best(i + 1, nxt))
        return value

    return best(0, remaining)


def check_valid(mentees: Mentees, mentors: Mentors, excluded, matching) -> None:
    """Assert every hard constraint, independently of the engine's own checker."""
    ok = feasible_matrix(mentees, mentors, excluded)
    rows, cols = matching.mentee_idx.tolist(), matching.mentor_idx.tolist()
    assert len(set(rows)) == len(rows), "a mentee got two mentors"
    for i, j in zip(rows, cols, strict=True):
        assert ok[i, j], f"infeasible pair {i},{j}"
    remaining = np.maximum(mentors.capacity.astype(int) - mentors.active.astype(int), 0)
    counts = np.bincount(np.asarray(cols, dtype=int), minlength=len(mentors))
    assert np.all(counts <= remaining), "capacity exceeded"
