"""The matching engine: hard constraints, pair scores, candidate pruning and an optimal solve.

Model
-----
Listeners (*mentees*, rows ``i``) are matched with *mentors* (columns ``j``). A pair is
**feasible** when all hard constraints hold:

* same age band (``band[i] == band[j]``; teens only ever meet teens);
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
    language     = 1 if the two share any language else 0
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
to any solver. Pairs can only exist inside a *band block* (same band, mentors with room),
and for each block the engine scores **all** pairs exactly with dense matrix products, in
chunks of mentee rows (``topics @ topics.T``, ``languages``, ``availability``, ``text``; a
small thread pool with single-threaded BLAS runs the chunks), and keeps the union of

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
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from peerpath.matching._blas import single_threaded_blas
from peerpath.matching.features import HOURS

__all__ = [
    "ARC_BUDGET",
    "AVAILABILITY_CAP_HOURS",
    "COMPONENTS",
    "COST_SCALE",
    "FULL_GRAPH_PAIRS",
    "K_MIN",
    "Candidates",
    "Matching",
    "Mentees",
    "Mentors",
    "Weights",
    "auto_k",
    "candidates",
    "feasible_pairs",
    "match",
    "pair_scores",
    "score_components",
    "solve_assignment",
    "suggest",
    "violations",
]

AVAILABILITY_CAP_HOURS = 12
"""Weekly overlapping hours at which the availability component saturates at 1."""
COST_SCALE = 1000
"""Integer cost units per utility point for the min-cost-flow solver."""
FULL_GRAPH_PAIRS = 2_000_000
"""Band blocks with at most this many pairs are solved over the complete graph."""
ARC_BUDGET = 3_000_000
"""Rough total mentee->mentor arc budget used to pick ``k`` for large blocks."""
K_MIN = 20
"""Never keep fewer than this many mentors per mentee when pruning automatically."""
MENTOR_TOP_FACTOR = 8
"""Each mentor also keeps its best ``MENTOR_TOP_FACTOR * remaining + MENTOR_TOP_MIN`` mentees."""
MENTOR_TOP_MIN = 16
MENTOR_TOP_MARGIN = 2.0  # over-collection factor for the sampled mentor thresholds
_SAMPLE_ROWS = 2048  # mentee rows sampled per block to estimate mentor thresholds
_CHUNK_CELLS = 2_000_000  # float32 cells per scored block chunk (8 MB: stays cache-friendly)
_PAIR_CHUNK = 16_384  # pairs per gather chunk in score_components

COMPONENTS: tuple[str, ...] = ("topic", "language", "availability", "text", "load")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
F32Array = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Weights:
    """Non-negative component weights (at least one positive); only their ratios matter."""

    topic: float = 3.0
    language: float = 2.0
    availability: float = 2.0
    text: float = 1.0
    load: float = 1.0

    def __post_init__(self) -> None:
        values = self.as_tuple()
        if not all(np.isfinite(v) and v >= 0 for v in values):
            raise ValueError("weights must be finite and >= 0")
        if sum(values) <= 0:
            raise ValueError("at least one weight must be > 0")

    def as_tuple(self) -> tuple[float, float, float, float, float]:
        """Weights in :data:`COMPONENTS` order."""
        return (
            float(self.topic),
            float(self.language),
            float(self.availability),
            float(self.text),
            float(self.load),
        )

    @property
    def total(self) -> float:
        return float(sum(self.as_tuple()))


def _coerce(obj: object, name: str, dtype: Any, ndim: int) -> None:
    arr = np.ascontiguousarray(getattr(obj, name), dtype=dtype)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    object.__setattr__(obj, name, arr)


@dataclass(frozen=True)
class _People:
    ids: IntArray
    band: npt.NDArray[np.int8]
    topics: BoolArray
    languages: BoolArray
    availability: BoolArray
    text: F32Array

    def __post_init__(self) -> None:
        _coerce(self, "ids", np.int64, 1)
        _coerce(self, "band", np.int8, 1)
        _coerce(self, "topics", np.bool_, 2)
        _coerce(self, "languages", np.bool_, 2)
        _coerce(self, "availability", np.bool_, 2)
        _coerce(self, "text", np.float32, 2)
        n = self.ids.shape[0]
        for name in ("band", "topics", "languages", "availability", "text"):
            if getattr(self, name).shape[0] != n:
                raise ValueError(f"{name} has {getattr(self, name).shape[0]} rows, expected {n}")
        if self.availability.shape[1] != HOURS:
            raise ValueError(f"availability must have {HOURS} columns")
        if n and np.unique(self.ids).shape[0] != n:
            raise ValueError("ids must be unique")

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    # Lazily prepared float versions for the matrix products (cached on the instance;
    # cached_property writes to __dict__ directly, which frozen dataclasses allow).
    @cached_property
    def topics_f(self) -> F32Array:
        return self.topics.astype(np.float32)

    @cached_property
    def topic_count(self) -> FloatArray:
        return np.asarray(np.count_nonzero(self.topics, axis=1), dtype=np.float64)

    @cached_property
    def languages_f(self) -> F32Array:
        return self.languages.astype(np.float32)

    @cached_property
    def availability_f(self) -> F32Array:
        return self.availability.astype(np.float32)

    @cached_property
    def text_unit(self) -> F32Array:
        """Text rows with unit (or zero) length; re-normalised only if the caller's are not."""
        t = self.text
        norms = np.sqrt(np.einsum("ij,ij->i", t, t, dtype=np.float64))
        bad = (norms > 0) & (np.abs(norms - 1.0) > 1e-5)
        if not bad.any():
            return t
        out = t.astype(np.float64)
        out[bad] /= norms[bad, None]
        return out.astype(np.float32)


@dataclass(frozen=True)
class Mentees(_People):
    """Listeners looking for a mentor; ``priority`` (>= 0) is added to their match utility."""

    priority: F32Array

    def __post_init__(self) -> None:
        super().__post_init__()
        _coerce(self, "priority", np.float32, 1)
        if self.priority.shape[0] != len(self):
            raise ValueError("priority must have one entry per mentee")
        if not np.all(np.isfinite(self.priority)) or np.any(self.priority < 0):
            raise ValueError("priority must be finite and >= 0")


@dataclass(frozen=True)
class Mentors(_People):
    """Mentors; ``remaining = max(capacity - active, 0)`` new mentees may be assigned."""

    capacity: npt.NDArray[np.int32]
    active: npt.NDArray[np.int32]

    def __post_init__(self) -> None:
        super().__post_init__()
        _coerce(self, "capacity", np.int32, 1)
        _coerce(self, "active", np.int32, 1)
        if self.capacity.shape[0] != len(self) or self.active.shape[0] != len(self):
            raise ValueError("capacity and active must have one entry per mentor")

    @cached_property
    def remaining(self) -> IntArray:
        return np.maximum(self.capacity.astype(np.int64) - self.active.astype(np.int64), 0)

    @cached_property
    def load(self) -> FloatArray:
        """The load component: ``1 - active/capacity`` clipped to [0, 1]; 0 if capacity 0."""
        cap = self.capacity.astype(np.float64)
        act = np.maximum(self.active.astype(np.float64), 0.0)
        out = np.zeros(cap.shape[0], dtype=np.float64)
        pos = cap > 0
        out[pos] = np.clip(1.0 - act[pos] / cap[pos], 0.0, 1.0)
        return out


@dataclass(frozen=True)
class Matching:
    """Chosen pairs (sorted by mentee index), their scores (0..100, without priority)."""

    mentee_idx: IntArray
    mentor_idx: IntArray
    score: FloatArray
    total_utility: float
    n_candidates: int
    seconds: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.mentee_idx.shape[0])


@dataclass(frozen=True)
class Candidates:
    """Candidate arcs: mentee rows, mentor cols and their scores (0..100, no priority)."""

    rows: IntArray
    cols: IntArray
    score: FloatArray
    k: dict[int, int] = field(default_factory=dict)
    """The ``k`` used per band (``-1`` = complete block)."""


# ---------------------------------------------------------------------------------------
# Exact per-pair scores
# ---------------------------------------------------------------------------------------


def _check_pairs(rows: npt.ArrayLike, cols: npt.ArrayLike) -> tuple[IntArray, IntArray]:
    r = np.asarray(rows, dtype=np.int64).reshape(-1)
    c = np.asarray(cols, dtype=np.int64).reshape(-1)
    if r.shape != c.shape:
        raise ValueError("rows and cols must have the same length")
    return r, c


def score_components(
    mentees: Mentees, mentors: Mentors, rows: npt.ArrayLike, cols: npt.ArrayLike
) -> dict[str, FloatArray]:
    """Exact components in [0, 1] (float64) for the pairs ``(rows[p], cols[p])``.

    Keys are :data:`COMPONENTS`. Hard constraints are *not* checked here.
    """
    r, c = _check_pairs(rows, cols)
    n = r.shape[0]
    out = {name: np.zeros(n, dtype=np.float64) for name in COMPONENTS}
    me_text, mo_text = mentees.text_unit, mentors.text_unit
    for a in range(0, n, _PAIR_CHUNK):
        rr, cc = r[a : a + _PAIR_CHUNK], c[a : a + _PAIR_CHUNK]
        sl = slice(a, a + rr.shape[0])
        shared = np.count_nonzero(mentees.topics[rr] & mentors.topics[cc], axis=1)
        out["topic"][sl] = shared / np.maximum(mentees.topic_count[rr], 1.0)
        lang = np.any(mentees.languages[rr] & mentors.languages[cc], axis=1)
        out["language"][sl] = lang
        hours = np.count_nonzero(mentees.availability[rr] & mentors.availability[cc], axis=1)
        out["availability"][sl] = np.minimum(hours, AVAILABILITY_CAP_HOURS) / AVAILABILITY_CAP_HOURS
        cos = np.einsum("ij,ij->i", me_text[rr].astype(np.float64), mo_text[cc])
        out["text"][sl] = np.clip(cos, 0.0, 1.0)
        out["load"][sl] = mentors.load[cc]
    return out


def pair_scores(
    mentees: Mentees,
    mentors: Mentors,
    rows: npt.ArrayLike,
    cols: npt.ArrayLike,
    weights: Weights,
) -> FloatArray:
    """``100 * sum(w_c * comp_c) / sum(w)`` for each pair: float64 in [0, 100]."""
    comps = score_components(mentees, mentors, rows, cols)
    r, _ = _check_pairs(rows, cols)
    total = np.zeros(r.shape[0], dtype=np.float64)
    for name, w in zip(COMPONENTS, weights.as_tuple(), strict=True):
        if w:
            total += w * comps[name]
    return np.asarray(total * (100.0 / weights.total), dtype=np.float64)


# ---------------------------------------------------------------------------------------
# Hard constraints
# ---------------------------------------------------------------------------------------


def _excluded_array(excluded: npt.ArrayLike | None) -> IntArray:
    if excluded is None:
        return np.zeros((0, 2), dtype=np.int64)
    arr = np.asarray(excluded, dtype=np.int64)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError("excluded must have shape (e, 2): (mentee_id, mentor_id)")
    return arr


def _lookup(ids: IntArray, wanted: IntArray) -> IntArray:
    """Index of each ``wanted`` id in ``ids`` (-1 when absent)."""
    if ids.shape[0] == 0:
        return np.full(wanted.shape[0], -1, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    pos = np.searchsorted(ids, wanted, sorter=order)
    pos = np.minimum(pos, ids.shape[0] - 1)
    idx = order[pos]
    return np.where(ids[idx] == wanted, idx, -1).astype(np.int64)


def _forbidden(
    mentees: Mentees, mentors: Mentors, excluded: npt.ArrayLike | None
) -> tuple[IntArray, IntArray]:
    """(mentee idx, mentor idx) of excluded and self pairs, deduplicated and sorted."""
    ex = _excluded_array(excluded)
    er = _lookup(mentees.ids, ex[:, 0])
    ec = _lookup(mentors.ids, ex[:, 1])
    ok = (er >= 0) & (ec >= 0)
    _, sr, sc = np.intersect1d(mentees.ids, mentors.ids, return_indices=True)
    rows = np.concatenate([er[ok], sr.astype(np.int64)])
    cols = np.concatenate([ec[ok], sc.astype(np.int64)])
    m = max(len(mentors), 1)
    keys = np.unique(rows * m + cols)
    return keys // m, keys % m


def _bands(mentees: Mentees, mentors: Mentors) -> list[tuple[int, IntArray, IntArray]]:
    """Per band: (band, mentee indices, indices of mentors with room), both ascending."""
    out = []
    has_room = mentors.remaining > 0
    for b in np.unique(mentees.band).tolist():
        rows = np.flatnonzero(mentees.band == b).astype(np.int64)
        cols = np.flatnonzero((mentors.band == b) & has_room).astype(np.int64)
        if rows.size and cols.size:
            out.append((int(b), rows, cols))
    return out


def feasible_pairs(
    mentees: Mentees, mentors: Mentors, excluded: npt.ArrayLike | None = None
) -> tuple[IntArray, IntArray]:
    """All feasible (mentee idx, mentor idx) pairs of the complete graph, row-major order.

    Only for small instances: memory is proportional to the number of feasible pairs.
    """
    fr, fc = _forbidden(mentees, mentors, excluded)
    m = max(len(mentors), 1)
    forbidden_keys = fr * m + fc
    rows_out, cols_out = [], []
    for _, rows, cols in _bands(mentees, mentors):
        rr = np.repeat(rows, cols.shape[0])
        cc = np.tile(cols, rows.shape[0])
        keep = ~np.isin(rr * m + cc, forbidden_keys)
        rows_out.append(rr[keep])
        cols_out.append(cc[keep])
    if not rows_out:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    r = np.concatenate(rows_out)
    c = np.concatenate(cols_out)
    order = np.lexsort((c, r))
    return r[order], c[order]


def violations(
    mentees: Mentees,
    mentors: Mentors,
    matching: Matching,
    excluded: npt.ArrayLike | None = None,
) -> dict[str, int]:
    """Count hard-constraint violations of a matching (all zeros for a valid one)."""
    r, c = matching.mentee_idx, matching.mentor_idx
    fr, fc = _forbidden(mentees, mentors, excluded)
    m = max(len(mentors), 1)
    counts = np.bincount(c, minlength=len(mentors)) if c.size else np.zeros(len(mentors))
    return {
        "band": int(np.count_nonzero(mentees.band[r] != mentors.band[c])),
        "excluded_or_self": int(np.count_nonzero(np.isin(r * m + c, fr * m + fc))),
        "self": int(np.count_nonzero(mentees.ids[r] == mentors.ids[c])),
        "capacity": int(np.count_nonzero(counts > mentors.remaining)),
        "mentee_twice": int(r.shape[0] - np.unique(r).shape[0]),
    }


# ---------------------------------------------------------------------------------------
# Candidate generation: dense block scoring + top-k
# ---------------------------------------------------------------------------------------


class _BlockScorer:
    """Scores (mentee rows x a fixed set of mentor cols) with matrix products.

    Values are in weight units (``sum_c w_c * comp_c``, i.e. ``score * sum(w) / 100``),
    float32. The mentor side is gathered and pre-scaled once so a chunk costs four GEMMs
    and a handful of in-place element-wise passes:

        S  = [w_t * T_i / |T_i|, 1] @ [T_j, w_load * load_j]^T         (linear terms)
        S += min(L_i @ (w_l L_j)^T, w_l)                               (any shared language)
        S += min(A_i @ (w_a/12 A_j)^T, w_a)                            (capped hours)
        S += max(X_i @ (w_x X_j)^T, 0)                                 (clipped cosine)
    """

    def __init__(self, mentees: Mentees, mentors: Mentors, cols: IntArray, w: Weights) -> None:
        self.me = mentees
        self.w = w
        wt, wl, wa, wx, wload = w.as_tuple()
        self.n_cols = int(cols.shape[0])
        b_lin = np.empty((self.n_cols, mentors.topics.shape[1] + 1), dtype=np.float32)
        b_lin[:, :-1] = mentors.topics_f[cols]
        b_lin[:, -1] = wload * mentors.load[cols]
        self.b_lin_t = np.ascontiguousarray(b_lin.T)
        self.b_lang_t = np.ascontiguousarray((mentors.languages_f[cols] * wl).T) if wl else None
        self.b_av_t = (
            np.ascontiguousarray((mentors.availability_f[cols] * (wa / AVAILABILITY_CAP_HOURS)).T)
            if wa
            else None
        )
        self.b_tx_t = np.ascontiguousarray((mentors.text_unit[cols] * wx).T) if wx else None
        self.a_topic_scale = (wt / np.maximum(mentees.topic_count, 1.0)).astype(np.float32)

    def score(self, rows: IntArray, out: F32Array | None = None) -> F32Array:
        me, w = self.me, self.w
        n = int(rows.shape[0])
        if out is None:
            out = np.empty((n, self.n_cols), dtype=np.float32)
        tmp = np.empty_like(out)
        a_lin = np.empty((n, me.topics.shape[1] + 1), dtype=np.float32)
        np.multiply(me.topics_f[rows], self.a_topic_scale[rows, None], out=a_lin[:, :-1])
        a_lin[:, -1] = 1.0
        np.matmul(a_lin, self.b_lin_t, out=out)
        if self.b_lang_t is not None:
            np.matmul(me.languages_f[rows], self.b_lang_t, out=tmp)
            np.minimum(tmp, np.float32(w.language), out=tmp)
            out += tmp
        if self.b_av_t is not None:
            np.matmul(me.availability_f[rows], self.b_av_t, out=tmp)
            np.minimum(tmp, np.float32(w.availability), out=tmp)
            out += tmp
        if self.b_tx_t is not None:
            np.matmul(me.text_unit[rows], self.b_tx_t, out=tmp)
            np.maximum(tmp, np.float32(0.0), out=tmp)
            out += tmp
        return out


def default_workers() -> int:
    """Threads for block scoring: the CPUs this process may use, at most 4."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        n = os.cpu_count() or 1
    return max(1, min(4, n))


def auto_k(n_block_mentees: int, n_block_mentors: int, n_mentees_total: int) -> int | None:
    """The per-mentee candidate count for a band block (``None`` = complete block)."""
    if n_block_mentees * n_block_mentors <= FULL_GRAPH_PAIRS:
        return None
    k = max(K_MIN, ARC_BUDGET // max(n_mentees_total, 1))
    return None if k >= n_block_mentors else int(k)


def _mask_forbidden(
    block: F32Array,
    row_start: int,
    f_local_rows: IntArray,
    f_local_cols: IntArray,
) -> None:
    lo = np.searchsorted(f_local_rows, row_start, side="left")
    hi = np.searchsorted(f_local_rows, row_start + block.shape[0], side="left")
    if hi > lo:
        block[f_local_rows[lo:hi] - row_start, f_local_cols[lo:hi]] = -np.inf


def candidates(
    mentees: Mentees,
    mentors: Mentors,
    weights: Weights,
    excluded: npt.ArrayLike | None = None,
    *,
    k: int | None = None,
    min_score: float = 0.0,
    workers: int | None = None,
) -> Candidates:
    """Feasible candidate arcs with their scores (see the module docstring for pruning).

    ``k=None`` chooses per band block with :func:`auto_k`; an explicit ``k`` prunes every
    block to ``k`` mentors per mentee (plus the mentor lists). Arcs with a
    score below ``min_score`` are dropped. Rows are ascending; the order is deterministic.
    Chunks of a block are scored by ``workers`` threads (default: up to 4 CPUs; NumPy
    releases the GIL); results are collected in chunk order, so they do not depend on it.
    """
    if k is not None and k < 1:
        raise ValueError("k must be >= 1")
    n_workers = default_workers() if workers is None else max(1, int(workers))
    fr, fc = _forbidden(mentees, mentors, excluded)
    scale = 100.0 / weights.total
    # arcs below thr are dropped; forbidden cells are -inf so they never pass (scores >= 0)
    thr = np.float32(max(min_score, 0.0) / scale * (1 - 1e-6))
    bonus_all = (mentees.priority.astype(np.float64) / scale).astype(np.float32)  # weight units
    rows_out: list[IntArray] = []
    cols_out: list[IntArray] = []
    vals_out: list[F32Array] = []
    ks: dict[int, int] = {}
    local_row = np.full(len(mentees), -1, dtype=np.int64)
    local_col = np.full(len(mentors), -1, dtype=np.int64)
    for band, rows, cols in _bands(mentees, mentors):
        # highest priority first, so chunks hold similar priorities (see _ChunkTopK)
        rows = rows[np.argsort(-bonus_all[rows], kind="stable")]
        n_b, m_b = int(rows.shape[0]), int(cols.shape[0])
        kb = auto_k(n_b, m_b, len(mentees)) if k is None else (None if k >= m_b else k)
        ks[band] = -1 if kb is None else kb
        local_row[rows] = np.arange(n_b)
        local_col[cols] = np.arange(m_b)
        lr, lc = local_row[fr], local_col[fc]
        keep = (lr >= 0) & (lc >= 0)
        order = np.argsort(lr[keep], kind="stable")
        f_lr, f_lc = lr[keep][order], lc[keep][order]
        local_row[rows] = -1
        local_col[cols] = -1

        scorer = _BlockScorer(mentees, mentors, cols, weights)
        chunk = max(1, _CHUNK_CELLS // m_b)
        top_cols = np.zeros((n_b, 0 if kb is None else kb), dtype=np.int64)
        if kb is None:
            want = np.zeros(0, dtype=np.int64)
            tau = np.zeros(0, dtype=np.float32)
        else:
            want = np.minimum(MENTOR_TOP_FACTOR * mentors.remaining[cols] + MENTOR_TOP_MIN, n_b)
            tau = _mentor_thresholds(scorer, rows, want, bonus_all[rows], n_workers)
        run_chunk = _ChunkTopK(
            rows, cols, scorer, kb, top_cols, f_lr, f_lc, chunk, thr, tau, bonus_all[rows]
        )

        starts = range(0, n_b, chunk)
        results = _map(run_chunk, starts, n_workers)
        m_rows: list[IntArray] = []
        m_cols: list[IntArray] = []
        m_vals: list[F32Array] = []
        for res in results:  # chunk order: deterministic whatever the scheduling
            rows_out.append(res[0])
            cols_out.append(cols[res[1]])
            vals_out.append(res[2])
            m_rows.append(res[3])
            m_cols.append(res[4])
            m_vals.append(res[5])
        del results
        if kb is not None:
            sr, sc, sv = _mentor_top(
                np.concatenate(m_rows),
                np.concatenate(m_cols),
                np.concatenate(m_vals),
                bonus_all[rows],
                want,
            )
            # drop arcs already in that mentee's top-k
            dup = (top_cols[sr] == sc[:, None]).any(axis=1)
            rows_out.append(rows[sr[~dup]])
            cols_out.append(cols[sc[~dup]])
            vals_out.append(sv[~dup])

    if not rows_out:
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(empty, empty.copy(), np.zeros(0, dtype=np.float64), ks)
    r = np.concatenate(rows_out)
    c = np.concatenate(cols_out)
    v = np.concatenate(vals_out)
    finite = np.isfinite(v)
    if not finite.all():
        r, c, v = r[finite], c[finite], v[finite]
    order = np.argsort(r, kind="stable")
    return Candidates(r[order], c[order], v[order].astype(np.float64) * scale, ks)


_T = TypeVar("_T")


def _map(fn: Callable[[int], _T], items: range, n_workers: int) -> list[_T]:
    """``[fn(x) for x in items]``, on a thread pool (with 1-thread BLAS) when it helps."""
    if n_workers > 1 and len(items) > 1:
        with single_threaded_blas(), ThreadPoolExecutor(max_workers=n_workers) as pool:
            return list(pool.map(fn, items))
    return [fn(x) for x in items]


def _mentor_thresholds(
    scorer: _BlockScorer,
    rows: IntArray,
    want: IntArray,
    bonus: F32Array,
    n_workers: int,
) -> F32Array:
    """Per mentor column, a utility threshold that about ``MENTOR_TOP_MARGIN * want`` of the
    block's mentees reach, estimated from an evenly strided sample of mentee rows.

    Cells at or above the threshold are exactly a column's best cells, so collecting them
    during the main pass yields each mentor's top list without a column-wise selection
    over the whole block. (A column whose estimate was too high just gets fewer than
    ``want`` of its best mentees; one that was too low costs a little memory.)
    """
    n_b, m_b = int(rows.shape[0]), int(want.shape[0])
    stride = max(1, -(-n_b // _SAMPLE_ROWS))
    sample_local = np.arange(0, n_b, stride)
    sample = rows[sample_local]
    s = int(sample.shape[0])
    step = max(1, _CHUNK_CELLS // m_b)
    parts = _map(lambda a: scorer.score(sample[a : a + step]), range(0, s, step), n_workers)
    block = np.concatenate(parts, axis=0)
    del parts
    block += bonus[sample_local][:, None]  # utilities (bonus is indexed by local row)
    block_t = np.ascontiguousarray(block.T)  # (m_b, s)
    del block
    q = np.ceil(MENTOR_TOP_MARGIN * want * (s / n_b)).astype(np.int64) + 2
    tau = np.full(m_b, -np.inf, dtype=np.float32)
    has = q < s
    if has.any():
        q_max = int(q[has].max())
        top = np.partition(block_t[has], s - q_max, axis=1)[:, s - q_max :]
        top = -np.sort(-top, axis=1)  # descending
        tau[has] = top[np.arange(top.shape[0]), q[has] - 1]
    return tau


def _mentor_top(
    r: IntArray, c: IntArray, v: F32Array, bonus: F32Array, want: IntArray
) -> tuple[IntArray, IntArray, F32Array]:
    """Per column ``c``, the ``want[c]`` cells of highest utility ``v + bonus[r]`` (ties by
    row), from the collected cells; returns (rows, cols, scores)."""
    order = np.lexsort((r, -(v + bonus[r]), c))
    r, c, v = r[order], c[order], v[order]
    starts = np.searchsorted(c, np.arange(want.shape[0]))
    rank = np.arange(c.shape[0]) - starts[c]
    keep = rank < want[c]
    return r[keep], c[keep], v[keep]


class _ChunkTopK:
    """Scores one chunk of a band block's mentee rows, keeps each row's best ``k`` and
    collects the cells reaching their mentor's threshold ``tau`` (mentor-side lists)."""

    def __init__(
        self,
        rows: IntArray,
        cols: IntArray,
        scorer: _BlockScorer,
        k: int | None,
        top_cols: IntArray,
        f_lr: IntArray,
        f_lc: IntArray,
        chunk: int,
        thr: np.float32,
        tau: F32Array,
        bonus: F32Array,
    ) -> None:
        self.rows, self.cols, self.scorer, self.k = rows, cols, scorer, k
        self.top_cols, self.f_lr, self.f_lc = top_cols, f_lr, f_lc
        self.chunk, self.thr, self.tau, self.bonus = chunk, thr, tau, bonus

    def __call__(self, a: int) -> tuple[IntArray, IntArray, F32Array, IntArray, IntArray, F32Array]:
        """(mentee idx, local col, score) of row arcs; (local row, local col, score) of
        mentor-side cells (cells whose utility reaches the column's ``tau``)."""
        rr = self.rows[a : a + self.chunk]
        m_b, kb = int(self.cols.shape[0]), self.k
        block = self.scorer.score(rr)
        _mask_forbidden(block, a, self.f_lr, self.f_lc)
        if kb is None:
            bi, bj = np.nonzero(block >= self.thr)
            bv = block[bi, bj]
            none_i = np.zeros(0, dtype=np.int64)
            return rr[bi], bj, bv, none_i, none_i, np.zeros(0, dtype=np.float32)
        part = np.argpartition(block, m_b - kb, axis=1)[:, m_b - kb :]
        self.top_cols[a : a + rr.shape[0]] = part
        bv = np.take_along_axis(block, part, axis=1).reshape(-1)
        bi = np.repeat(np.arange(rr.shape[0]), kb)
        bj = part.reshape(-1)
        ok = bv >= self.thr
        # Mentor side ranks by utility (score + priority). Rows are sorted by priority, so
        # ``score >= tau - max(bonus in chunk)`` is a tight superset; filter it exactly.
        bonus = self.bonus[a : a + rr.shape[0]]
        cut = self.tau - np.float32(bonus.max())
        flat = np.flatnonzero(block >= cut[None, :])
        mi, mj = np.divmod(flat, m_b)
        mv = block.reshape(-1)[flat]
        keep = (mv + bonus[mi] >= self.tau[mj]) & (mv >= self.thr)
        return rr[bi[ok]], bj[ok], bv[ok], mi[keep] + a, mj[keep], mv[keep]


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


def _matching(
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
    result = _matching(
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

    Feasible = same band, remaining capacity > 0, not excluded, not the mentee themself.
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
    ex = _excluded_array(excluded)
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
