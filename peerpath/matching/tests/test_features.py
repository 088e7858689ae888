"""Text hashing and availability grids."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from peerpath.matching.features import (
    HOURS,
    availability_matrix,
    encode_text,
    shift_availability,
    stem,
    tokenize,
)


def test_encode_text_shape_dtype_and_unit_rows():
    x = encode_text(["I cannot sleep because of stress", "", "the and of", "exams exams"])
    assert x.shape == (4, 256)
    assert x.dtype == np.float32
    norms = np.linalg.norm(x, axis=1)
    assert norms[0] == pytest.approx(1.0, abs=1e-6)
    assert norms[3] == pytest.approx(1.0, abs=1e-6)
    # empty and stop-word-only texts give all-zero rows
    assert not x[1].any()
    assert not x[2].any()


def test_encode_text_similarity_reflects_shared_words():
    x = encode_text(
        ["worried about exams and sleep", "sleep problems before exams", "learning guitar chords"],
        dim=1024,
    )
    assert x[0] @ x[1] > 0.3
    assert abs(float(x[0] @ x[2])) < 0.2


def test_encode_text_is_case_and_inflection_insensitive():
    a, b = encode_text(["Sleeping WORRIES", "sleep worry"])
    assert a @ b == pytest.approx(1.0, abs=1e-6)


def test_sublinear_tf():
    x = encode_text(["calm calm calm calm music"], dim=4096)[0]
    nz = np.sort(np.abs(x[x != 0]))
    assert nz.shape == (2,)
    assert nz[1] / nz[0] == pytest.approx(1 + np.log(4), rel=1e-5)


def test_encode_text_deterministic_across_processes():
    texts = ["panic attacks before exams", "I listen without judgement", ""]
    here = encode_text(texts, dim=64)
    code = (
        "import sys, numpy as np; from peerpath.matching.features import encode_text; "
        f"sys.stdout.write(encode_text({texts!r}, dim=64).tobytes().hex())"
    )
    for seed in ("1", "2"):
        out = subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        other = np.frombuffer(bytes.fromhex(out), dtype=np.float32).reshape(here.shape)
        np.testing.assert_array_equal(here, other)


def test_tokenize_and_stem():
    assert tokenize("I'm so TIRED of the exams!") == ["tir", "exam"]
    assert stem("worries") == "worry"
    assert stem("stress") == "stress"
    assert stem("anxious") == "anxious"
    assert stem("sleeping") == stem("sleeps") == "sleep"


def test_encode_text_rejects_bad_dim():
    with pytest.raises(ValueError, match="dim"):
        encode_text(["x"], dim=0)


def test_availability_matrix_parse():
    good = "1" * 3 + "0" * (HOURS - 3)
    grid = availability_matrix([good, "", "1" * (HOURS - 1), "2" * HOURS, "0" * HOURS])
    assert grid.dtype == np.bool_
    assert grid.shape == (5, HOURS)
    assert grid[0, :3].all()
    assert not grid[0, 3:].any()
    assert not grid[1:].any()  # empty, wrong length, wrong characters, all zeros


def test_availability_matrix_rejects_non_strings():
    grid = availability_matrix([None, b"1" * HOURS])  # type: ignore[list-item]
    assert not grid.any()


def test_shift_positive_offset_moves_earlier():
    local = np.zeros((1, HOURS), dtype=bool)
    local[0, 20] = True  # Monday 20:00 local
    utc = shift_availability(local, np.array([2]))
    assert np.flatnonzero(utc[0]).tolist() == [18]  # Monday 18:00 UTC


def test_shift_negative_offset_and_wraparound():
    local = np.zeros((2, HOURS), dtype=bool)
    local[0, 0] = True  # Monday 00:00 at UTC+3 -> Sunday 21:00 UTC
    local[1, HOURS - 1] = True  # Sunday 23:00 at UTC-5 -> Monday 04:00 UTC
    utc = shift_availability(local, np.array([3, -5]))
    assert np.flatnonzero(utc[0]).tolist() == [HOURS - 3]
    assert np.flatnonzero(utc[1]).tolist() == [4]


def test_shift_matches_per_row_roll_and_rounds_offsets():
    rng = np.random.default_rng(3)
    local = rng.random((50, HOURS)) < 0.2
    offsets = rng.choice([-8.0, -5.0, 0.0, 1.0, 5.5, 9.0, 12.75], size=50)
    utc = shift_availability(local, offsets)
    for r in range(50):
        expected = np.roll(local[r], -int(np.rint(offsets[r])))
        np.testing.assert_array_equal(utc[r], expected)
    assert utc.sum() == local.sum()


def test_shift_rejects_bad_shape():
    with pytest.raises(ValueError, match="availability"):
        shift_availability(np.zeros((2, 24), dtype=bool), np.zeros(2))
