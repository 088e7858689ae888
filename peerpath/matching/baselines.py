"""Reference matchers for the benchmark and the tests.

All three use the same hard constraints and the same utilities (``score + priority``) as
:func:`peerpath.matching.engine.match`:

* :func:`greedy` - sort all feasible pairs by utility (ties: mentee index, then mentor
  index) and take a pair whenever the mentee is still free and the mentor has room. Fast
  and common in practice, but not optimal.
* :func:`gale_shapley` - capacitated, mentee-proposing deferred acceptance: each mentee
  proposes down their list (by utility); each mentor holds the best ``remaining`` proposals
  (by utility, ties by mentee index). Stable, mentee-optimal among stable matchings, but
  does not maximise total utility.
* :func:`exact_optimum` - min-cost flow over the *complete* feasible bipartite graph,
  scored exactly (float64) with :func:`~peerpath.matching.scores.pair_scores`, i.e. without
  the engine's block scoring or top-k pruning. Only for small instances.

By default they work on the complete feasible graph. ``candidates=`` restricts them to a
given arc set (e.g. the engine's pruned candidates on an instance whose complete graph does
not fit in memory).
"""

from __future__ import annotations

import heapq
import time

import numpy as np
import numpy.typing as npt

from peerpath.matching.constraints import feasible_pairs
from peerpath.matching.engine import matching_of, solve_assignment
from peerpath.matching.model import Candidates, Matching, Mentees, Mentors, Weights
from peerpath.matching.scores import pair_scores

__all__ = ["exact_optimum", "gale_shapley", "greedy"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def _arcs(
    mentees: Mentees,
    mentors: Mentors,
    weights: Weights,
    excluded: npt.ArrayLike | None,
    candidates: Candidates | None,
) -> tuple[IntArray, IntArray, FloatArray]:
    """(rows, cols, utility) for the complete feasible graph or the given candidates."""
    if candidates is None:
        rows, cols = feasible_pairs(mentees, mentors, excluded)
        score = pair_scores(mentees, mentors, rows, cols, weights)
    else:
        rows, cols, score = candidates.rows, candidates.cols, candidates.score
    utility = score + mentees.priority[rows].astype(np.float64)
    return rows, cols, utility


def greedy(
    mentees: Mentees,
    mentors: Mentors,
    weights: Weights,
    excluded: npt.ArrayLike | None = None,
    *,
    candidates: Candidates | None = None,
) -> Matching:
    """Take feasible pairs in decreasing utility whenever both sides are still free."""
    t0 = time.perf_counter()
    rows, cols, utility = _arcs(mentees, mentors, weights, excluded, candidates)
    order = np.lexsort((cols, rows, -utility))
    free_room = mentors.remaining.copy().tolist()
    taken = [False] * len(mentees)
    chosen: list[int] = []
    slots = int(sum(free_room))
    r_list, c_list = rows[order].tolist(), cols[order].tolist()
    for pos, (r, c) in enumerate(zip(r_list, c_list, strict=True)):
        if slots == 0:
            break
        if not taken[r] and free_room[c] > 0:
            taken[r] = True
            free_room[c] -= 1
            slots -= 1
            chosen.append(int(order[pos]))
    sel = np.asarray(chosen, dtype=np.int64)
    seconds = {"total": time.perf_counter() - t0}
    return matching_of(mentees, mentors, weights, rows[sel], cols[sel], len(rows), seconds)


def gale_shapley(
    mentees: Mentees,
    mentors: Mentors,
    weights: Weights,
    excluded: npt.ArrayLike | None = None,
    *,
    candidates: Candidates | None = None,
) -> Matching:
    """Capacitated mentee-proposing deferred acceptance on the same utilities."""
    t0 = time.perf_counter()
    rows, cols, utility = _arcs(mentees, mentors, weights, excluded, candidates)
    # preference lists: per mentee, mentors by utility desc (ties: mentor index)
    order = np.lexsort((cols, -utility, rows))
    r_sorted, c_sorted, u_sorted = rows[order], cols[order], utility[order]
    starts = np.searchsorted(r_sorted, np.arange(len(mentees) + 1)).tolist()
    c_list, u_list = c_sorted.tolist(), u_sorted.tolist()
    cap = mentors.remaining.tolist()
    # mentor j holds a min-heap of (utility, -mentee) so the worst held proposal is on top
    held: list[list[tuple[float, int, int]]] = [[] for _ in range(len(mentors))]
    nxt = starts[:-1]
    free = [r for r in range(len(mentees)) if starts[r + 1] > starts[r]]
    free.reverse()
    while free:
        r = free.pop()
        while nxt[r] < starts[r + 1]:
            p = nxt[r]
            nxt[r] += 1
            c, u = c_list[p], u_list[p]
            heap = held[c]
            entry = (u, -r, p)
            if len(heap) < cap[c]:
                heapq.heappush(heap, entry)
                break
            if heap and entry > heap[0]:
                _, neg_loser, _ = heapq.heapreplace(heap, entry)
                free.append(-neg_loser)
                break
    chosen = sorted(p for heap in held for (_, _, p) in heap)
    sel = order[np.asarray(chosen, dtype=np.int64)]
    seconds = {"total": time.perf_counter() - t0}
    return matching_of(mentees, mentors, weights, rows[sel], cols[sel], len(rows), seconds)


def exact_optimum(
    mentees: Mentees,
    mentors: Mentors,
    weights: Weights,
    excluded: npt.ArrayLike | None = None,
    *,
    candidates: Candidates | None = None,
) -> Matching:
    """Min-cost flow over the complete feasible graph (no pruning). Small instances only."""
    t0 = time.perf_counter()
    rows, cols, utility = _arcs(mentees, mentors, weights, excluded, candidates)
    t1 = time.perf_counter()
    chosen = solve_assignment(rows, cols, utility, mentors.remaining)
    t2 = time.perf_counter()
    seconds = {"score": t1 - t0, "solve": t2 - t1, "total": t2 - t0}
    return matching_of(mentees, mentors, weights, rows[chosen], cols[chosen], len(rows), seconds)
