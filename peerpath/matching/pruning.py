"""Candidate generation: every band block scored with matrix products, pruned to each
mentee's best ``k`` mentors plus each mentor's best mentees (see "Candidate generation" in
:mod:`peerpath.matching.engine`'s docstring)."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from peerpath.matching._blas import single_threaded_blas
from peerpath.matching.constraints import band_blocks, forbidden_cells
from peerpath.matching.model import (
    AVAILABILITY_CAP_HOURS,
    Candidates,
    F32Array,
    IntArray,
    Mentees,
    Mentors,
    Weights,
)

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


class _BlockScorer:
    """Scores (mentee rows x a fixed set of mentor cols) with matrix products.

    Values are in weight units (``sum_c w_c * comp_c``, i.e. ``score * sum(w) / 100``),
    float32; a pair without a shared language is ``-inf`` (a hard constraint, dropped like a
    forbidden cell). The mentor side is gathered and pre-scaled once so a chunk costs four GEMMs
    and a handful of in-place element-wise passes:

        S  = [w_t * T_i / |T_i|, 1] @ [T_j, w_load * load_j]^T         (linear terms)
        S += w_l * min(L_i @ L_j^T, 1)                                 (any shared language)
        S  = -inf where L_i @ L_j^T == 0                               (no shared language)
        S += min(A_i @ (w_a/12 A_j)^T, w_a)                            (capped hours)
        S += max(X_i @ (w_x X_j)^T, 0)                                 (clipped cosine)
    """

    def __init__(self, mentees: Mentees, mentors: Mentors, cols: IntArray, w: Weights) -> None:
        self.me = mentees
        self.w = w
        wt, _, wa, wx, wload = w.as_tuple()  # the language weight applies in score()
        self.n_cols = int(cols.shape[0])
        b_lin = np.empty((self.n_cols, mentors.topics.shape[1] + 1), dtype=np.float32)
        b_lin[:, :-1] = mentors.topics_f[cols]
        b_lin[:, -1] = wload * mentors.load[cols]
        self.b_lin_t = np.ascontiguousarray(b_lin.T)
        # unscaled: the shared-language count is also the hard constraint (0 = never a pair)
        self.b_lang_t = np.ascontiguousarray(mentors.languages_f[cols].T)
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
        np.matmul(me.languages_f[rows], self.b_lang_t, out=tmp)
        no_language = tmp < np.float32(0.5)
        if w.language:
            np.minimum(tmp, np.float32(1.0), out=tmp)
            out += tmp * np.float32(w.language)
        if self.b_av_t is not None:
            np.matmul(me.availability_f[rows], self.b_av_t, out=tmp)
            np.minimum(tmp, np.float32(w.availability), out=tmp)
            out += tmp
        if self.b_tx_t is not None:
            np.matmul(me.text_unit[rows], self.b_tx_t, out=tmp)
            np.maximum(tmp, np.float32(0.0), out=tmp)
            out += tmp
        out[no_language] = -np.inf  # infeasible, like a forbidden cell: never kept
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
    fr, fc = forbidden_cells(mentees, mentors, excluded)
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
    for band, rows, cols in band_blocks(mentees, mentors):
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
