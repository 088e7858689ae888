"""The crisis model (the detector's learned second signal): the committed file matches the
tuning set, its features are scikit-learn's, a model-only hit has a category and a
severity, detection survives a missing file, and training is reproducible."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from peerpath.safety import crisis, evaluate
from peerpath.safety.crisis import model, train

# No rule reports this; the model does (p ~0.93, suicide).
MODEL_ONLY = "i cant do this anymore. everything is too much and nobody would even notice"


@pytest.fixture
def no_model_file(monkeypatch, tmp_path):
    monkeypatch.setattr(model, "MODEL_PATH", tmp_path / "missing.npz")
    yield
    model._load.cache_clear()


def test_committed_model_was_trained_on_the_current_tuning_set():
    """Change crisis_labelled.tsv, then run `python -m peerpath.safety.crisis.train`."""
    loaded = model.read_model(model.MODEL_PATH)
    assert loaded.tuning_sha256 == train.sha256(evaluate.LABELLED_SET)
    assert model.MODEL_PATH.stat().st_size < 5_000_000
    assert set(loaded.categories) == set(crisis.CATEGORIES)


def test_features_are_those_of_the_hashing_vectorizer():
    """The fast one-text path (cached words, no input checks) counts exactly what
    HashingVectorizer.transform counts in training."""
    texts = [r.text for r in evaluate.read_rows(evaluate.LABELLED_SET)][::25]
    texts += ["", "  ", "a", "I  WANT\tto die!!", "ça va? Ünïcode ß", "k1ll  my$elf 2nite"]
    for block, vectorizer in enumerate(model.vectorizers()):
        for text in texts:
            expected = vectorizer.transform([text]).tocsr()
            counts = model.hashed(text, block)
            assert dict(zip(expected.indices.tolist(), expected.data.tolist(), strict=True)) == {
                column: float(n) for column, n in counts.items()
            }, (block, text)


def test_a_model_only_hit_has_a_category_and_a_severity():
    hit = crisis.detect(MODEL_ONLY)
    assert hit is not None
    assert hit.term.startswith("model:")
    assert float(hit.term.removeprefix("model:")) >= model.THRESHOLD
    assert hit.category in crisis.CATEGORIES
    assert hit.severity in crisis.SEVERITIES
    assert hit.language == ""


def test_rules_come_first():
    hit = crisis.detect("i want to kill myself")
    assert hit is not None
    assert not hit.term.startswith("model:")


@pytest.mark.parametrize(
    ("p", "category", "severity"),
    [
        (0.96, "immediate_danger", "high"),
        (0.90, "immediate_danger", "medium"),  # below HIGH_THRESHOLD: not queued for staff
        (0.99, "self_harm", "medium"),  # self-harm is medium in the rules
        (0.99, "suicide", "medium"),
        (0.80, "suicide", None),  # below THRESHOLD: no hit
    ],
)
def test_model_hit_severity(monkeypatch, p, category, severity):
    loaded = model.load_model()
    assert loaded is not None
    monkeypatch.setattr(type(loaded), "predict", lambda self, text: (p, category))
    hit = model.model_hit("a message of at least five words")
    if severity is None:
        assert hit is None
    else:
        assert hit is not None
        assert (hit.category, hit.severity, hit.term) == (category, severity, f"model:{p:.2f}")


def test_category_severity_follows_the_rules():
    usual = model.category_severity()
    assert usual["self_harm"] == "medium"
    assert usual["immediate_danger"] == "high"
    assert set(usual) >= set(crisis.CATEGORIES)


def test_detect_works_without_the_model_file(no_model_file, caplog):
    model._load.cache_clear()
    with caplog.at_level(logging.ERROR, logger=model.__name__):
        assert crisis.detect(MODEL_ONLY) is None  # the rules alone
        hit = crisis.detect("i want to kill myself")
        crisis.preload()
    assert hit is not None
    assert "unreadable" in caplog.text
    assert caplog.text.count("unreadable") == 1  # logged once, not per message


def test_a_corrupt_model_file_is_no_model(monkeypatch, tmp_path, caplog):
    path = tmp_path / "model.npz"
    path.write_bytes(b"not a zip")
    monkeypatch.setattr(model, "MODEL_PATH", path)
    model._load.cache_clear()
    try:
        assert model.model_hit(MODEL_ONLY) is None
    finally:
        model._load.cache_clear()


def test_training_is_reproducible(tmp_path):
    tsv = tmp_path / "set.tsv"
    tsv.write_text(
        "language\tlabel\tcategory\ttext\n"
        "en\t1\tsuicide\ti want to die tonight\n"
        "en\t1\tself_harm\ti cut myself again\n"
        "en\t1\tsuicide\tno reason to live anymore\n"
        "en\t1\tself_harm\tburned my arm on purpose\n"
        "en\t0\tnone\tthis exam is killing me lol\n"
        "en\t0\tnone\tsee you tomorrow at practice\n"
        "en\t0\tsuicide\tsuicide prevention training was good\n"
        "en\t0\tnone\tmy phone died again\n",
        encoding="utf-8",
    )
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    assert train.main([str(tsv), "--out", str(first)]) == 0
    train.train(tsv, second)
    assert first.read_bytes() == second.read_bytes()
    trained = model.read_model(first)
    assert trained.tuning_sha256 == train.sha256(tsv)
    assert trained.categories == ("self_harm", "suicide")
    assert trained.coef.dtype == np.float32
    p, category = trained.predict("i want to die tonight")
    assert 0.5 < p <= 1
    assert category in trained.categories


def test_evaluate_counts_hits_by_source(tmp_path, capsys):
    path = tmp_path / "set.tsv"
    path.write_text(
        "language\tlabel\tcategory\ttext\n"
        "en\t1\tsuicide\ti want to kill myself\n"
        f"en\t1\tsuicide\t{MODEL_ONLY}\n"
        "en\t0\tnone\tsee you at practice tomorrow\n",
        encoding="utf-8",
    )
    report = evaluate.evaluate_labelled(path)
    assert report.by_source["rules"].tp == 1
    assert report.by_source["model"].tp == 1
    assert evaluate.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "hits by the model: 1 (1 true, 0 false positives)" in out
    assert "hits by the rules: 1 (1 true, 0 false positives)" in out


@pytest.fixture
def confident_model(monkeypatch):
    """A model that reports everything it reads (suicide, p 0.99)."""
    loaded = model.load_model()
    assert loaded is not None
    monkeypatch.setattr(type(loaded), "predict", lambda self, text: (0.99, "suicide"))


@pytest.mark.usefixtures("confident_model")
@pytest.mark.parametrize(
    "text",
    [
        "i want to die of embarrassment after that talk",  # a safe idiom cancelled the phrase
        "i would never kill myself, i have too much to live for",  # a negation did
        "not me",  # fewer than MIN_WORDS words: n-grams alone score short replies high
        "i know right",
    ],
)
def test_the_model_is_not_asked_when_a_phrase_was_cancelled_or_the_message_is_short(text):
    assert crisis.detect(text) is None


@pytest.mark.usefixtures("confident_model")
def test_the_model_reads_messages_no_rule_reports():
    hit = crisis.detect("we went to the park and had a picnic today")
    assert hit is not None
    assert hit.term == "model:0.99"
