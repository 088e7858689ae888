"""match(), the baselines and suggest(): property tests against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerpath.matching import (
    Weights,
    engine,
    match,
    pair_scores,
    pruning,
    suggest,
    violations,
)
from peerpath.matching.baselines import exact_optimum, gale_shapley, greedy
from peerpath.matching.engine import COST_SCALE

from .helpers import (
    brute_force_optimum,
    check_valid,
    feasible_matrix,
    make_mentees,
    make_mentors,
    people,
    random_instance,
)

WEIGHTS = st.builds(
    Weights,
    topic=st.sampled_from([0.0, 1.0, 3.0]),
    language=st.sampled_from([0.0, 2.0]),
    availability=st.sampled_from([0.0, 2.0, 5.0]),
    text=st.sampled_from([0.0, 1.0]),
    load=st.sampled_from([0.5, 1.0]),
)
INSTANCE = st.tuples(
    st.integers(0, 2**32 - 1),  # seed
    st.integers(0, 8),  # mentees
    st.integers(0, 5),  # mentors
    st.sampled_from([0.0, 0.1, 0.4]),  # exclusion probability
)
SETTINGS = settings(max_examples=100, deadline=None)


def tolerance(n_pairs: int) -> float:
    """Integer costs round each arc by <= 0.5/COST_SCALE; float32 block scores add ~1e-5."""
    return n_pairs * (1.0 / COST_SCALE + 1e-4) + 1e-6


@SETTINGS
@given(INSTANCE, WEIGHTS)
def test_match_is_feasible_and_optimal(instance, weights):
    seed, n, m, p_ex = instance
    mentees, mentors, excluded = random_instance(seed, n, m, p_exclude=p_ex)
    result = match(mentees, mentors, weights, excluded)
    check_valid(mentees, mentors, excluded, result)
    assert violations(mentees, mentors, result, excluded) == dict.fromkeys(
        ("band", "language", "excluded_or_self", "self", "capacity", "mentee_twice"), 0
    )
    optimum = brute_force_optimum(mentees, mentors, weights, excluded)
    assert result.total_utility == pytest.approx(optimum, abs=tolerance(n))
    # reported scores and total are consistent with the exact scoring
    np.testing.assert_allclose(
        result.score,
        pair_scores(mentees, mentors, result.mentee_idx, result.mentor_idx, weights),
    )
    expected_total = result.score.sum() + mentees.priority[result.mentee_idx].sum()
    assert result.total_utility == pytest.approx(expected_total)


@SETTINGS
@given(INSTANCE, WEIGHTS)
def test_match_beats_baselines_and_equals_exact(instance, weights):
    seed, n, m, p_ex = instance
    mentees, mentors, excluded = random_instance(seed, n, m, p_exclude=p_ex)
    ours = match(mentees, mentors, weights, excluded)
    tol = tolerance(n)
    for baseline in (greedy, gale_shapley, exact_optimum):
        other = baseline(mentees, mentors, weights, excluded)
        check_valid(mentees, mentors, excluded, other)
        assert ours.total_utility >= other.total_utility - tol, baseline.__name__
    exact = exact_optimum(mentees, mentors, weights, excluded)
    assert ours.total_utility == pytest.approx(exact.total_utility, abs=tol)


@SETTINGS
@given(INSTANCE, WEIGHTS, st.integers(1, 3))
def test_pruned_match_is_feasible_and_bounded(instance, weights, k):
    seed, n, m, p_ex = instance
    mentees, mentors, excluded = random_instance(seed, n, m, p_exclude=p_ex)
    result = match(mentees, mentors, weights, excluded, k=k)
    check_valid(mentees, mentors, excluded, result)
    optimum = brute_force_optimum(mentees, mentors, weights, excluded)
    assert result.total_utility <= optimum + tolerance(n)


@SETTINGS
@given(INSTANCE, WEIGHTS)
def test_match_is_deterministic(instance, weights):
    seed, n, m, p_ex = instance
    a = match(*_args(seed, n, m, p_ex, weights))
    b = match(*_args(seed, n, m, p_ex, weights))
    np.testing.assert_array_equal(a.mentee_idx, b.mentee_idx)
    np.testing.assert_array_equal(a.mentor_idx, b.mentor_idx)
    np.testing.assert_array_equal(a.score, b.score)
    assert a.total_utility == b.total_utility


def _args(seed, n, m, p_ex, weights):
    mentees, mentors, excluded = random_instance(seed, n, m, p_exclude=p_ex)
    return mentees, mentors, weights, excluded


def test_unmatched_allowed_and_capacity_respected():
    mentees, mentors, excluded = random_instance(11, 8, 2, p_exclude=0.0)
    result = match(mentees, mentors, Weights(), excluded)
    check_valid(mentees, mentors, excluded, result)
    assert len(result) <= int(mentors.remaining.sum())


def _no_common_language(language_weight: float):
    """Two mentees and two mentors in one band: mentee 0 speaks only language 0, mentee 1
    only language 1; mentor 0 only language 1 (with everything else in common with mentee
    0), mentor 1 both. The best-scoring assignment without the hard constraint pairs
    mentee 0 with mentor 0."""
    rng = np.random.default_rng(3)
    me, mo = list(people(rng, 2)), list(people(rng, 2, id_base=100))
    me[1] = mo[1] = np.array([1, 1], dtype=np.int8)
    me[2] = mo[2] = np.ones((2, 4), dtype=bool)
    me[3] = np.array([[1, 0, 0], [0, 1, 0]], dtype=bool)
    mo[3] = np.array([[0, 1, 0], [1, 1, 0]], dtype=bool)
    me[4] = np.zeros_like(me[4])
    me[4][0, :40] = True
    mo[4] = np.zeros_like(mo[4])
    mo[4][0, :40] = True  # mentor 0 shares 40 hours with mentee 0, mentor 1 none
    mentees = make_mentees(me, np.zeros(2))
    mentors = make_mentors(mo, np.array([1, 1]), np.array([0, 0]))
    return mentees, mentors, Weights(language=language_weight, availability=10.0)


@pytest.mark.parametrize("language_weight", [0.0, 2.0])
@pytest.mark.parametrize("k", [None, 1])
def test_no_common_language_is_never_a_pair(language_weight, k):
    mentees, mentors, w = _no_common_language(language_weight)
    result = match(mentees, mentors, w, k=k)
    pairs = set(zip(result.mentee_idx.tolist(), result.mentor_idx.tolist(), strict=True))
    assert (0, 0) not in pairs
    assert pairs == {(0, 1), (1, 0)}
    assert violations(mentees, mentors, result)["language"] == 0
    for baseline in (greedy, gale_shapley, exact_optimum):
        other = baseline(mentees, mentors, w)
        assert violations(mentees, mentors, other)["language"] == 0, baseline.__name__
    idx, _ = suggest(mentees, 0, mentors, w)
    assert idx.tolist() == [1]


def test_priority_breaks_competition_for_a_single_slot():
    mentees, mentors, _ = random_instance(5, 2, 1, p_exclude=0.0, overlap_ids=False)
    object.__setattr__(mentees, "band", np.array([1, 1], dtype=np.int8))
    object.__setattr__(mentors, "band", np.array([1], dtype=np.int8))
    object.__setattr__(mentees, "languages", np.ones((2, 3), dtype=np.bool_))
    object.__setattr__(mentors, "languages", np.ones((1, 3), dtype=np.bool_))
    object.__setattr__(mentors, "capacity", np.array([1], dtype=np.int32))
    object.__setattr__(mentors, "active", np.array([0], dtype=np.int32))
    mentors.__dict__.pop("remaining", None)
    mentors.__dict__.pop("load", None)
    for favourite in (0, 1):
        prio = np.zeros(2, dtype=np.float32)
        prio[favourite] = 500.0
        object.__setattr__(mentees, "priority", prio)
        result = match(mentees, mentors, Weights())
        assert result.mentee_idx.tolist() == [favourite]


def test_threads_and_pruning_on_a_multi_chunk_instance(monkeypatch):
    """Several chunks per band, explicit pruning and the mentor-side lists."""
    monkeypatch.setattr(pruning, "_CHUNK_CELLS", 20_000)  # ~100 mentee rows per chunk
    rng = np.random.default_rng(42)
    n, m = 1200, 400
    mentees = make_mentees(people(rng, n), rng.random(n))
    mentors = make_mentors(
        people(rng, m, id_base=10_000), rng.integers(0, 4, size=m), rng.integers(0, 2, size=m)
    )
    excluded = np.stack([mentees.ids[:50], mentors.ids[:50]], axis=1)
    w = Weights()
    one = match(mentees, mentors, w, excluded, k=5, workers=1)
    two = match(mentees, mentors, w, excluded, k=5, workers=2)
    np.testing.assert_array_equal(one.mentee_idx, two.mentee_idx)
    np.testing.assert_array_equal(one.mentor_idx, two.mentor_idx)
    assert one.n_candidates == two.n_candidates
    assert one.n_candidates > 5 * n  # mentor lists added arcs beyond the k per mentee
    check_valid(mentees, mentors, excluded, one)
    full = exact_optimum(mentees, mentors, w, excluded)
    assert one.total_utility <= full.total_utility + tolerance(n)
    assert one.total_utility >= 0.99 * full.total_utility
    assert one.total_utility >= greedy(mentees, mentors, w, excluded).total_utility - tolerance(n)
    assert set(one.seconds) >= {"candidates", "score", "solve", "total"}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 8), st.integers(0, 30), st.integers(1, 6))
def test_suggest_matches_brute_force_ranking(seed, n, m, top):
    mentees, mentors, excluded = random_instance(seed, n, m, p_exclude=0.2)
    w = Weights()
    ok = feasible_matrix(mentees, mentors, excluded)
    for i in range(n):
        idx, scores = suggest(mentees, i, mentors, w, excluded, top=top)
        cols = np.flatnonzero(ok[i])
        exact = pair_scores(mentees, mentors, np.full(cols.size, i), cols, w)
        order = np.lexsort((mentors.ids[cols], -exact))[:top]
        assert idx.tolist() == cols[order].tolist()
        np.testing.assert_allclose(scores, exact[order])


def test_suggest_ties_broken_by_mentor_id_in_a_pool_of_10k():
    rng = np.random.default_rng(0)
    me = people(rng, 3)
    mo = list(people(rng, 10_000, id_base=1000))
    mo[0] = rng.permutation(mo[0])  # ids not in row order
    # make every mentor identical so only the id decides
    for a in range(1, 6):
        mo[a] = np.repeat(mo[a][:1], 10_000, axis=0)
    mentees = make_mentees(me, np.zeros(3))
    mentors = make_mentors(mo, np.full(10_000, 3), np.zeros(10_000))
    object.__setattr__(mentees, "band", mentors.band[:3].copy())
    idx, scores = suggest(mentees, 0, mentors, Weights(), top=5)
    assert mentors.ids[idx].tolist() == sorted(mentors.ids.tolist())[:5]
    assert np.all(scores == scores[0])


def _brute_force_assignment(n, m, util, remaining):
    """Best total over all assignments (each row one col or none) by DP on capacities."""
    best = {tuple(remaining): 0.0}
    for i in range(n):
        nxt = dict(best)
        for caps, value in best.items():
            for j in range(m):
                if util[i, j] is not None and caps[j] > 0:
                    c2 = (*caps[:j], caps[j] - 1, *caps[j + 1 :])
                    nxt[c2] = max(nxt.get(c2, -1.0), value + util[i, j])
        best = nxt
    return max(best.values())


@SETTINGS
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 7),
    st.integers(1, 4),
    st.floats(0.2, 1.0),
)
def test_solve_assignment_matches_brute_force(seed, n, m, density):
    rng = np.random.default_rng(seed)
    present = rng.random((n, m)) < density
    rows, cols = np.nonzero(present)
    utility = np.round(rng.random(rows.size) * 100, 3)
    remaining = rng.integers(0, 3, size=m)
    chosen = engine.solve_assignment(rows, cols, utility, remaining)
    assert len(set(rows[chosen].tolist())) == int(chosen.sum())
    assert np.all(np.bincount(cols[chosen], minlength=m) <= remaining)
    table = np.full((n, m), None, dtype=object)
    table[rows, cols] = utility
    expected = _brute_force_assignment(n, m, table, tuple(remaining.tolist()))
    assert utility[chosen].sum() == pytest.approx(expected, abs=1e-6)
