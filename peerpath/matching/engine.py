"""The matching engine: hard constraints, pair scores, candidate pruning and an optimal solve.

Model
-----
Listeners (*mentees*, rows ``i``) are matched with *mentors* (columns ``j``). A pair is
**feasible** when all hard constraints hold:

* same age band (``band[i] == band[j]``; teens only ever meet teens);
* the two share at least one language (people without a common language cannot talk: no
  weight makes such a pair acceptable);
* the mentor has remaining capacity, ``remaining[j] = max(capacity[j] - active[j], 0) > 0``
  (``active`` already counts outstanding proposals), and a mentor never receives more than
  ``remaining[j]`` new mentees;
* ``(mentee_id, mentor_id)`` is not in ``excluded`` (ended "don't rematch" pairs, blocks);
* a person is never matched with themselves (``mentee_id != mentor_id``);
* each mentee gets at most one mentor (leaving a mentee unmatched is allowed).

Every feasible pair has a **score** in ``[0, 100]``, a weighted mean of five components,
each in ``[0, 1]`` (see :func:`score_components`)::

    score = 100 * sum_c(w_c * comp_c) / sum_c(w_c)

    topic        = |shared topics| / max(1, |mentee topics|)   (goals the mentor covers)
    language     = 1 if the two share any language else 0 (always 1 on a feasible pair; it
                   still counts towards the 0-100 score and the explanation)
    availability = min(overlapping UTC hours per week, 12) / 12  (12 h/week, i.e. a couple
                   of sessions' worth, counts as "fully compatible"; more overlap does not
                   add value, and the cap keeps one very available mentor from dominating)
    text         = clip(cosine(mentee goal text, mentor "how I mentor" text), 0, 1)
    load         = 1 - active / capacity (0 when capacity is 0): prefer mentors with room

The **utility** of a chosen pair is ``score + priority[i]``; ``priority`` (>= 0) lets new
listeners go first. :func:`match` maximises total utility over all feasible assignments.

Why min-cost flow
-----------------
The problem is a capacitated bipartite assignment (a b-matching with unit mentee demand):
``source(mentee, supply 1) -> mentor (cost -utility, cap 1) -> sink (cap remaining)`` plus a
zero-cost bypass ``mentee -> sink`` so a mentee may stay unmatched. Its constraint matrix is
totally unimodular, so min-cost flow returns an *integral* optimum in strongly polynomial
time; OR-Tools' cost-scaling push-relabel solves millions of arcs in seconds, where a
generic MIP would be far slower and greedy/stable matchings are not optimal. Utilities are
converted to integer costs ``-round(utility * 1000)`` (resolution 0.001 score points), so
the solution is optimal up to that rounding. Arcs are loaded in bulk from NumPy arrays.

Candidate generation (pruning)
------------------------------
The complete graph of a 100,000 x 10,000 instance has ~6e8 feasible arcs, too many to hand
to any solver. Pairs can only exist inside a *band block* (same band, mentors with room;
pairs without a shared language are masked out like excluded ones), and for each block the
engine scores **all** pairs exactly with dense matrix products, in chunks of mentee rows
(``topics @ topics.T``, ``languages``, ``availability``, ``text``; a small thread pool
with single-threaded BLAS runs the chunks), and keeps the union of

* **mentee lists**: per mentee its ``k`` best mentors (``np.argpartition``). With
  ``k=None`` the engine picks ``k`` per block (:func:`auto_k`): the *whole block* (no
  pruning, the result is exactly optimal) when it has at most ``FULL_GRAPH_PAIRS`` pairs,
  otherwise ``max(K_MIN, ARC_BUDGET // n_mentees)`` (30 for 100,000 mentees);
* **mentor lists**: per mentor its best ``MENTOR_TOP_FACTOR * remaining + MENTOR_TOP_MIN``
  mentees by *utility* (so high-priority listeners are kept). When capacity is scarce (the
  usual case: many listeners wait) the optimum is decided on the mentor side: each mentor
  takes some of its best mentees, who may rank it far down their own lists. Mentor lists
  also keep unpopular mentors (rare languages) from being starved. They are gathered in
  the same pass: a threshold per mentor is estimated from an evenly strided sample of
  mentee rows and every cell reaching it is collected, then cut to the exact list length.

Arcs outside every list are dominated on both sides by many alternatives. Measured in
``bench/matching.py``: on the 3,000 x 300 instance pruning to ``k=10`` still reaches
>= 0.9999 of the unpruned optimum; on 100,000 x 10,000 doubling ``k`` from 30 changes the
total by a few hundredths of a percent. Everything is deterministic: fixed chunking,
``argpartition`` on identical input, results merged in chunk order, arcs in a fixed order
and a deterministic solver.

The modules: :mod:`.model` (the arrays and weights), :mod:`.scores` (exact pair scores),
:mod:`.constraints` (hard constraints), :mod:`.pruning` (candidate generation); this one
solves (:func:`match`, :func:`solve_assignment`) and suggests (:func:`suggest`).
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from peerpath.matching._blas import single_threaded_blas
from peerpath.matching.constraints import excluded_pairs
from peerpath.matching.model import (
    AVAILABILITY_CAP_HOURS,
    F32Array,
    FloatArray,
    IntArray,
    Matching,
    Mentees,
    Mentors,
    Weights,
)
from peerpath.matching.pruning import candidates
from peerpath.matching.scores import pair_scores

# The entry points, and the arrays and weights they take: mentorship reads them as
# ``engine.Mentees``, ``engine.Weights``... (its loaders build them), so they stay importable
# from here.
__all__ = [
    "COST_SCALE",
    "Matching",
    "Mentees",
    "Mentors",
    "Weights",
    "match",
    "matching_of",
    "solve_assignment",
    "suggest",
]

COST_SCALE = 1000
"""Integer cost units per utility point for the min-cost-flow solver."""


# ---------------------------------------------------------------------------------------
# Solve
# ---------------------------------------------------------------------------------------


def solve_assignment(
    rows: IntArray, cols: IntArray, utility: FloatArray, remaining: IntArray
) -> npt.NDArray[np.bool_]:
    """Max-utility assignment over the given arcs; returns a mask of chosen arcs.

    Each mentee row is used at most once, mentor ``j`` at most ``remaining[j]`` times.
    Min-cost flow with integer costs ``-round(utility * COST_SCALE)``: every mentee node
    supplies one unit that reaches the sink through a mentor or through a zero-cost bypass.
    Arcs are loaded in bulk from arrays; the result is deterministic.
    """
    n_arcs = int(rows.shape[0])
    if n_arcs == 0:
        return np.zeros(0, dtype=np.bool_)
    if np.any(utility < 0):
        raise ValueError("utilities must be >= 0")
    u_rows, r_node = np.unique(rows, return_inverse=True)
    u_cols, c_node = np.unique(cols, return_inverse=True)
    n_r, n_c = int(u_rows.shape[0]), int(u_cols.shape[0])
    sink = n_r + n_c
    cap_c = np.minimum(remaining[u_cols], n_r).astype(np.int64)
    tails = np.concatenate(
        [r_node, n_r + np.arange(n_c), np.arange(n_r)],
    ).astype(np.int32)
    heads = np.concatenate(
        [n_r + c_node, np.full(n_c, sink), np.full(n_r, sink)],
    ).astype(np.int32)
    caps = np.concatenate([np.ones(n_arcs, np.int64), cap_c, np.ones(n_r, np.int64)])
    costs = np.concatenate(
        [-np.rint(utility * COST_SCALE).astype(np.int64), np.zeros(n_c + n_r, np.int64)]
    )
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_r] = 1
    supplies[sink] = -n_r
    smcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    flows = np.asarray(smcf.flows(np.arange(n_arcs, dtype=np.int32)))
    return np.asarray(flows > 0, dtype=np.bool_)


def matching_of(
    mentees: Mentees,
    mentors: Mentors,
    weights: Weights,
    rows: IntArray,
    cols: IntArray,
    n_candidates: int,
    seconds: dict[str, float],
) -> Matching:
    """A Matching for the chosen pairs, with exact scores; pairs sorted by mentee."""
    order = np.lexsort((cols, rows))
    r, c = rows[order].astype(np.int64), cols[order].astype(np.int64)
    score = pair_scores(mentees, mentors, r, c, weights)
    total = float(np.sum(score) + np.sum(mentees.priority[r], dtype=np.float64))
    return Matching(r, c, score, total, int(n_candidates), seconds)


def match(
    mentees: Mentees,
    mentors: Mentors,
    weights: Weights,
    excluded: npt.ArrayLike | None = None,
    *,
    k: int | None = None,
    min_score: float = 0.0,
    workers: int | None = None,
) -> Matching:
    """Optimal (over the candidate arcs) capacitated assignment maximising total utility.

    See the module docstring for the constraints, the score and the pruning. ``k=None``
    picks the candidate count automatically (complete graph for small blocks); pairs with
    score below ``min_score`` are never proposed; ``workers`` threads score the blocks (the
    result does not depend on it). ``seconds`` has ``candidates`` (block
    scoring and top-k), ``score`` (arc utilities and exact scores of the chosen pairs),
    ``solve`` (graph construction and min-cost flow) and ``total``.
    """
    t0 = time.perf_counter()
    cand = candidates(
        mentees, mentors, weights, excluded, k=k, min_score=min_score, workers=workers
    )
    t1 = time.perf_counter()
    utility = cand.score + mentees.priority[cand.rows].astype(np.float64)
    t2 = time.perf_counter()
    chosen = solve_assignment(cand.rows, cand.cols, utility, mentors.remaining)
    t3 = time.perf_counter()
    seconds = {"candidates": t1 - t0, "score": t2 - t1, "solve": t3 - t2}
    result = matching_of(
        mentees, mentors, weights, cand.rows[chosen], cand.cols[chosen], len(cand.rows), seconds
    )
    t4 = time.perf_counter()
    seconds["score"] += t4 - t3
    seconds["total"] = t4 - t0
    return result


# ---------------------------------------------------------------------------------------
# Suggestions for one mentee
# ---------------------------------------------------------------------------------------


def _suggest_scores(mentees: Mentees, i: int, mentors: Mentors, weights: Weights) -> F32Array:
    """Weighted component sums (weight units) of mentee ``i`` against every mentor."""
    wt, wl, wa, wx, wload = weights.as_tuple()
    approx = np.zeros(len(mentors), dtype=np.float32)
    if wt:
        approx += (wt / max(mentees.topic_count[i], 1.0)) * (mentors.topics_f @ mentees.topics_f[i])
    if wl:
        approx += wl * np.minimum(mentors.languages_f @ mentees.languages_f[i], 1.0)
    if wa:
        hours = mentors.availability_f @ mentees.availability_f[i]
        approx += (wa / AVAILABILITY_CAP_HOURS) * np.minimum(hours, AVAILABILITY_CAP_HOURS)
    if wx:
        approx += wx * np.clip(mentors.text_unit @ mentees.text_unit[i], 0.0, 1.0)
    if wload:
        approx += (wload * mentors.load).astype(np.float32)
    return approx


def suggest(
    mentees: Mentees,
    i: int,
    mentors: Mentors,
    weights: Weights,
    excluded: npt.ArrayLike | None = None,
    *,
    top: int = 5,
) -> tuple[IntArray, FloatArray]:
    """The ``top`` best feasible mentors for mentee row ``i``: (mentor indices, scores).

    Feasible = same band, remaining capacity > 0, a shared language, not excluded, not the
    mentee themself.
    Sorted by score descending, ties by mentor id. All mentors are scored with
    matrix-vector products (float32), a shortlist around the cut is re-scored exactly
    with :func:`pair_scores`, so the order matches a brute-force ranking.
    """
    if not 0 <= i < len(mentees):
        raise IndexError(f"mentee index {i} out of range")
    if top <= 0 or len(mentors) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    ok = (mentors.band == mentees.band[i]) & (mentors.remaining > 0)
    ok &= mentors.ids != mentees.ids[i]
    ok &= mentors.languages_f @ mentees.languages_f[i] > 0
    ex = excluded_pairs(excluded)
    if ex.shape[0]:
        banned = ex[ex[:, 0] == mentees.ids[i], 1]
        if banned.size:
            ok &= ~np.isin(mentors.ids, banned)
    cand = np.flatnonzero(ok)
    if cand.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    with single_threaded_blas():  # matrix-vector products: threads only add overhead
        approx = _suggest_scores(mentees, i, mentors, weights)
    a = approx[cand]
    if cand.size > top:
        cut = np.partition(a, cand.size - top)[cand.size - top]
        eps = 1e-4 * weights.total
        cand = cand[a >= cut - eps]
    exact = pair_scores(mentees, mentors, np.full(cand.shape[0], i), cand, weights)
    order = np.lexsort((mentors.ids[cand], -exact))[:top]
    return cand[order].astype(np.int64), exact[order]
