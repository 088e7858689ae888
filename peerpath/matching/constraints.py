"""Hard constraints: same band, mentors with room, a shared language, no excluded pair,
never oneself; the complete feasible graph (small instances) and a matching's violations."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from peerpath.matching.model import BoolArray, IntArray, Matching, Mentees, Mentors


def excluded_pairs(excluded: npt.ArrayLike | None) -> IntArray:
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


def share_a_language(
    mentees: Mentees, mentors: Mentors, rows: npt.ArrayLike, cols: npt.ArrayLike
) -> BoolArray:
    """Whether each pair ``(rows[p], cols[p])`` speaks at least one language in common.

    Two people without a common language can never be paired (whatever the weights): the
    language is a hard constraint, its score component only ever reads 1 on a feasible pair.
    """
    r = np.asarray(rows, dtype=np.int64).reshape(-1)
    c = np.asarray(cols, dtype=np.int64).reshape(-1)
    if r.shape[0] == 0:
        return np.zeros(0, dtype=np.bool_)
    return np.asarray(np.any(mentees.languages[r] & mentors.languages[c], axis=1), dtype=np.bool_)


def forbidden_cells(
    mentees: Mentees, mentors: Mentors, excluded: npt.ArrayLike | None
) -> tuple[IntArray, IntArray]:
    """(mentee idx, mentor idx) of excluded and self pairs, deduplicated and sorted."""
    ex = excluded_pairs(excluded)
    er = _lookup(mentees.ids, ex[:, 0])
    ec = _lookup(mentors.ids, ex[:, 1])
    ok = (er >= 0) & (ec >= 0)
    _, sr, sc = np.intersect1d(mentees.ids, mentors.ids, return_indices=True)
    rows = np.concatenate([er[ok], sr.astype(np.int64)])
    cols = np.concatenate([ec[ok], sc.astype(np.int64)])
    m = max(len(mentors), 1)
    keys = np.unique(rows * m + cols)
    return keys // m, keys % m


def band_blocks(mentees: Mentees, mentors: Mentors) -> list[tuple[int, IntArray, IntArray]]:
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
    fr, fc = forbidden_cells(mentees, mentors, excluded)
    m = max(len(mentors), 1)
    forbidden_keys = fr * m + fc
    rows_out, cols_out = [], []
    for _, rows, cols in band_blocks(mentees, mentors):
        rr = np.repeat(rows, cols.shape[0])
        cc = np.tile(cols, rows.shape[0])
        keep = ~np.isin(rr * m + cc, forbidden_keys) & share_a_language(mentees, mentors, rr, cc)
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
    fr, fc = forbidden_cells(mentees, mentors, excluded)
    m = max(len(mentors), 1)
    counts = np.bincount(c, minlength=len(mentors)) if c.size else np.zeros(len(mentors))
    return {
        "band": int(np.count_nonzero(mentees.band[r] != mentors.band[c])),
        "language": int(np.count_nonzero(~share_a_language(mentees, mentors, r, c))),
        "excluded_or_self": int(np.count_nonzero(np.isin(r * m + c, fr * m + fc))),
        "self": int(np.count_nonzero(mentees.ids[r] == mentors.ids[c])),
        "capacity": int(np.count_nonzero(counts > mentors.remaining)),
        "mentee_twice": int(r.shape[0] - np.unique(r).shape[0]),
    }
