"""Score components, pair scores, weights and data validation on hand-made examples."""

from __future__ import annotations

import numpy as np
import pytest

from peerpath.matching import Mentees, Mentors, Weights, pair_scores, score_components
from peerpath.matching.constraints import feasible_pairs
from peerpath.matching.features import HOURS, encode_text
from peerpath.matching.pruning import candidates

from .helpers import random_instance


def hours(*spans: tuple[int, int]) -> np.ndarray:
    row = np.zeros(HOURS, dtype=bool)
    for a, b in spans:
        row[a:b] = True
    return row


def small_world():
    """2 mentees x 3 mentors, 4 topics, 3 languages."""
    text_me = encode_text(["sleep and exam stress", ""], dim=64)
    text_mo = encode_text(["exam stress and sleep", "guitar lessons", "sleep"], dim=64)
    mentees = Mentees(
        ids=np.array([1, 2]),
        band=np.array([2, 2]),
        topics=np.array([[1, 1, 1, 0], [0, 0, 0, 0]], dtype=bool),
        languages=np.array([[1, 0, 0], [0, 1, 0]], dtype=bool),
        availability=np.array([hours((18, 24)), hours((0, 168))]),
        text=text_me,
        priority=np.array([0.0, 5.0]),
    )
    mentors = Mentors(
        ids=np.array([10, 11, 12]),
        band=np.array([2, 2, 1]),
        topics=np.array([[1, 1, 0, 1], [0, 0, 0, 1], [1, 1, 1, 1]], dtype=bool),
        languages=np.array([[1, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=bool),
        availability=np.array([hours((20, 23)), hours((100, 130)), hours()]),
        text=text_mo,
        capacity=np.array([4, 0, 2]),
        active=np.array([1, 0, 5]),
    )
    return mentees, mentors


def test_components_by_hand():
    mentees, mentors = small_world()
    c = score_components(mentees, mentors, np.array([0, 0, 0, 1]), np.array([0, 1, 2, 1]))
    np.testing.assert_allclose(c["topic"], [2 / 3, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(c["language"], [1.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(c["availability"], [3 / 12, 0.0, 0.0, 1.0])  # 30 h capped at 12
    assert c["text"][0] == pytest.approx(1.0, abs=1e-6)  # same words
    assert c["text"][3] == 0.0  # empty text
    np.testing.assert_allclose(c["load"], [0.75, 0.0, 0.0, 0.0])  # 1-1/4; cap 0; over-full
    for v in c.values():
        assert v.dtype == np.float64
        assert np.all((v >= 0) & (v <= 1))


def test_pair_scores_weighted_mean():
    mentees, mentors = small_world()
    w = Weights(topic=3, language=2, availability=2, text=1, load=1)
    s = pair_scores(mentees, mentors, [0], [0], w)
    expected = 100 * (3 * 2 / 3 + 2 * 1 + 2 * 0.25 + 1 * 1.0 + 1 * 0.75) / 9
    assert s[0] == pytest.approx(expected, abs=1e-4)
    only_lang = pair_scores(mentees, mentors, [0, 0], [0, 1], Weights(0, 1, 0, 0, 0))
    np.testing.assert_allclose(only_lang, [100.0, 0.0])


def test_pair_scores_rejects_mismatched_lengths():
    mentees, mentors = small_world()
    with pytest.raises(ValueError, match="same length"):
        pair_scores(mentees, mentors, [0, 1], [0], Weights())


@pytest.mark.parametrize(
    "kwargs",
    [{"topic": -1.0}, {"topic": 0, "language": 0, "availability": 0, "text": 0, "load": 0}],
)
def test_weights_validation(kwargs):
    with pytest.raises(ValueError, match="weight"):
        Weights(**kwargs)


def test_people_validation():
    mentees, mentors = small_world()
    with pytest.raises(ValueError, match="rows"):
        Mentees(
            mentees.ids,
            mentees.band[:1],
            mentees.topics,
            mentees.languages,
            mentees.availability,
            mentees.text,
            mentees.priority,
        )
    with pytest.raises(ValueError, match="unique"):
        Mentors(
            np.array([10, 10, 12]),
            mentors.band,
            mentors.topics,
            mentors.languages,
            mentors.availability,
            mentors.text,
            mentors.capacity,
            mentors.active,
        )
    with pytest.raises(ValueError, match="priority"):
        Mentees(
            mentees.ids,
            mentees.band,
            mentees.topics,
            mentees.languages,
            mentees.availability,
            mentees.text,
            np.array([0.0, -1.0]),
        )


def test_remaining_and_load():
    _, mentors = small_world()
    assert mentors.remaining.tolist() == [3, 0, 0]
    np.testing.assert_allclose(mentors.load, [0.75, 0.0, 0.0])


def test_unnormalised_text_is_treated_as_cosine():
    mentees, mentors = small_world()
    scaled = Mentees(
        mentees.ids,
        mentees.band,
        mentees.topics,
        mentees.languages,
        mentees.availability,
        mentees.text * 7,
        mentees.priority,
    )
    a = score_components(mentees, mentors, [0, 0], [0, 2])["text"]
    b = score_components(scaled, mentors, [0, 0], [0, 2])["text"]
    np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_block_scores_agree_with_exact_pair_scores(seed):
    mentees, mentors, excluded = random_instance(seed, 30, 20)
    w = Weights(topic=1.5, language=0.5, availability=2, text=3, load=0.7)
    cand = candidates(mentees, mentors, w, excluded)
    exact = pair_scores(mentees, mentors, cand.rows, cand.cols, w)
    np.testing.assert_allclose(cand.score, exact, atol=1e-3)
    # complete graph when small: the candidate set is exactly the feasible set
    fr, fc = feasible_pairs(mentees, mentors, excluded)
    got = sorted(zip(cand.rows.tolist(), cand.cols.tolist(), strict=True))
    assert got == sorted(zip(fr.tolist(), fc.tolist(), strict=True))


def test_min_score_drops_weak_arcs():
    mentees, mentors, excluded = random_instance(7, 40, 20, p_exclude=0.0)
    w = Weights()
    full = candidates(mentees, mentors, w, excluded)
    cut = float(np.median(full.score))
    strong = candidates(mentees, mentors, w, excluded, min_score=cut)
    assert 0 < len(strong.rows) < len(full.rows)
    assert np.all(strong.score >= cut - 1e-3)
    assert len(strong.rows) == int(np.count_nonzero(full.score >= cut - 1e-6))
