"""Exact per-pair scores: the five components in [0, 1] and their weighted 0..100 score
(the formulas are in :mod:`peerpath.matching.engine`'s docstring)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from peerpath.matching.model import (
    AVAILABILITY_CAP_HOURS,
    COMPONENTS,
    FloatArray,
    IntArray,
    Mentees,
    Mentors,
    Weights,
)

_PAIR_CHUNK = 16_384  # pairs per gather chunk in score_components


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
