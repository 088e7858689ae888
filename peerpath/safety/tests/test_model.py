"""The crisis model (the detector's learned second signal): the committed file matches the
tuning set, one message is weighed exactly as in training, a model-only hit has a category
and a severity, the gate keeps plain chat away from it, ordinary text in the repository is
never reported by it, detection survives a missing file, and training is reproducible."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import numpy as np
import pytest

from peerpath.safety import crisis, evaluate
from peerpath.safety.crisis import model, train

# No rule reports these; the model does.
MODEL_ONLY = "not going to be around much longer, just wanted one person to know"

TINY_SET = (
    "language\tlabel\tcategory\ttext\n"
    "en\t1\tsuicide\ti want to die tonight\n"
    "en\t1\tself_harm\ti cut myself again\n"
    "en\t1\tsuicide\tno reason to live anymore\n"
    "en\t1\tself_harm\tburned my arm on purpose\n"
    "en\t0\tnone\tthis exam is killing me lol\n"
    "en\t0\tnone\tsee you tomorrow at practice\n"
    "en\t0\tsuicide\tsuicide prevention training was good\n"
    "en\t0\tnone\tmy phone died again\n"
)

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def confident_model(monkeypatch):
    """A model that reports everything it reads (suicide, p 0.99)."""
    loaded = model.load_model()
    assert loaded is not None
    monkeypatch.setattr(type(loaded), "predict", lambda self, norm, kinds: (0.99, "suicide"))


def test_committed_model_was_trained_on_the_current_tuning_and_training_sets():
    """Changed crisis_labelled.tsv or crisis_training.tsv? Run
    `python -m peerpath.safety.crisis.train`."""
    loaded = model.read_model(model.MODEL_PATH)
    assert loaded.tuning_sha256 == (
        train.sha256(evaluate.LABELLED_SET),
        train.sha256(evaluate.TRAINING_SET),
    )
    assert model.MODEL_PATH.stat().st_size < 5_000_000
    assert set(loaded.categories) <= set(crisis.CATEGORIES)
    assert loaded.coef.dtype == np.float32


def test_one_message_is_weighed_as_in_training(tmp_path):
    """Model.vector (one message, cached words) gives exactly the training matrix's row."""
    tsv = tmp_path / "set.tsv"
    rows = evaluate.read_rows(evaluate.LABELLED_SET)[::40]
    tsv.write_text(
        "language\tlabel\tcategory\ttext\n"
        + "".join(f"{r.language}\t{int(r.label)}\t{r.category}\t{r.text}\n" for r in rows),
        encoding="utf-8",
    )
    out = tmp_path / "m.npz"
    arrays = train.train([tsv], out)
    trained = model.read_model(out)
    docs = train.docs_of([r.text for r in rows])
    kept = [[str(n) for n in arrays[f"vocabulary_{b}"]] for b in model.BLOCKS]
    matrix = train.matrix(docs, kept, arrays["idf"])
    for i, (norm, kinds) in enumerate(docs):
        columns, values = trained.vector(norm, kinds)
        row = matrix.rows == i
        expected = dict(zip(matrix.columns[row].tolist(), matrix.values[row].tolist(), strict=True))
        got = dict(zip(columns.tolist(), values.tolist(), strict=True))
        assert got.keys() == expected.keys(), rows[i].text
        assert np.allclose([got[c] for c in expected], list(expected.values()), atol=1e-5)


def test_a_model_only_hit_has_a_category_and_a_severity():
    hit = crisis.detect(MODEL_ONLY)
    assert hit is not None
    assert hit.term.startswith(model.MODEL_TERM)
    assert float(hit.term.removeprefix(model.MODEL_TERM)) >= model.THRESHOLD
    assert hit.category in crisis.CATEGORIES
    assert hit.severity in crisis.SEVERITIES
    assert hit.language == ""


def test_rules_come_first():
    hit = crisis.detect("i want to kill myself")
    assert hit is not None
    assert not hit.term.startswith(model.MODEL_TERM)


@pytest.mark.parametrize(
    ("p", "category", "severity"),
    [
        (0.99, "immediate_danger", "high"),
        (0.95, "immediate_danger", "medium"),  # below HIGH_THRESHOLD: not queued for staff
        (0.99, "self_harm", "medium"),  # self-harm is medium in the rules
        (0.99, "suicide", "medium"),
        (0.80, "suicide", None),  # below THRESHOLD: no hit
    ],
)
def test_model_hit_severity(monkeypatch, p, category, severity):
    loaded = model.load_model()
    assert loaded is not None
    monkeypatch.setattr(type(loaded), "predict", lambda self, norm, kinds: (p, category))
    hit = model.model_hit("a message of at least five words", "", frozenset({"means"}), frozenset)
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


@pytest.mark.usefixtures("confident_model")
@pytest.mark.parametrize(
    "text",
    [
        "the new album is really good, the second song especially",  # no cue at all: the gate
        "haha lol that was so fun, thanks all",  # only a veto (a joke)
        "i want to die of embarrassment after that talk",  # a safe idiom cancelled the phrase
        "i would never kill myself, i have too much to live for",  # a negation did
        "not me",  # fewer than MIN_WORDS words: n-grams alone score short replies high
        "i know right",
    ],
)
def test_the_model_is_not_asked_without_a_cue_or_when_a_phrase_was_cancelled(text):
    # The embedding signal is left out: it is asked from the n-gram model's score, which
    # the fixture makes certain (test_semantic covers its gate).
    assert crisis.detect(text, embedding=False) is None


@pytest.mark.usefixtures("confident_model")
@pytest.mark.parametrize(
    "text",
    [
        "everything is ready and i am sitting here",  # a strong cue (a plan) opens the gate
        "i will be alone in the house all weekend",  # a weak cue (alone) opens it too
    ],
)
def test_a_cue_opens_the_gate(text):
    hit = crisis.detect(text)
    assert hit is not None
    assert hit.term == "model:0.99"


def test_the_weak_cues_are_looked_for_only_when_the_model_would_report(monkeypatch):
    """Plain chat costs the model one prediction: the gate's search for every cue kind
    runs only for a message the model would report and no strong cue opened."""
    asked = []

    def cue_kinds() -> frozenset[str]:
        asked.append(True)
        return frozenset({"alone"})

    loaded = model.load_model()
    assert loaded is not None
    words = "one two three four five"
    monkeypatch.setattr(type(loaded), "predict", lambda self, norm, kinds: (0.10, "suicide"))
    assert model.model_hit(words, "", frozenset(), cue_kinds) is None
    assert asked == []
    monkeypatch.setattr(type(loaded), "predict", lambda self, norm, kinds: (0.99, "suicide"))
    assert model.model_hit(words, "", frozenset({"means"}), cue_kinds) is not None
    assert asked == []  # a strong cue opened the gate
    assert model.model_hit(words, "", frozenset(), cue_kinds) is not None
    assert asked == [True]


def test_detect_works_without_the_model_file(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(model, "MODEL_PATH", tmp_path / "missing.npz")
    model._load.cache_clear()
    try:
        with caplog.at_level(logging.ERROR, logger=model.__name__):
            assert crisis.detect(MODEL_ONLY) is None  # the rules alone
            hit = crisis.detect("i want to kill myself")
            crisis.preload()
    finally:
        model._load.cache_clear()
    assert hit is not None
    assert caplog.text.count("unreadable") == 1  # logged once, not per message


def test_a_corrupt_model_file_is_no_model(monkeypatch, tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"not a zip")
    monkeypatch.setattr(model, "MODEL_PATH", path)
    model._load.cache_clear()
    try:
        assert crisis.detect(MODEL_ONLY) is None
    finally:
        model._load.cache_clear()


def test_training_is_reproducible(tmp_path):
    tsv = tmp_path / "set.tsv"
    tsv.write_text(TINY_SET, encoding="utf-8")
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    assert train.main([str(tsv), "--out", str(first)]) == 0
    train.train([tsv], second)
    assert first.read_bytes() == second.read_bytes()
    trained = model.read_model(first)
    assert trained.tuning_sha256 == (train.sha256(tsv),)
    assert trained.categories == ("self_harm", "suicide")
    p, category = trained.predict(*crisis.reading("i want to die tonight"))
    assert 0.5 < p <= 1
    assert category == "suicide"
    assert trained.predict(*crisis.reading("see you tomorrow at practice"))[0] < 0.5


def test_the_regression_reaches_the_optimum():
    """L-BFGS stops where the penalised log-loss's gradient vanishes."""
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(60, 5))
    y = dense @ np.array([1.5, -2.0, 0.0, 0.5, 1.0]) + rng.normal(size=60) > 0
    rows, columns = np.nonzero(np.ones_like(dense))
    x = train.Sparse(rows, columns, dense[rows, columns], dense.shape)
    w, b = train.logistic(x, y, weights=np.ones(60), c=1.0)
    p = 1 / (1 + np.exp(-(dense @ w + b)))
    gradient = dense.T @ (p - y) + w
    assert np.abs(gradient).max() < 1e-3
    assert abs(float((p - y).sum())) < 1e-3


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
    assert "p50" in out
    assert "p95" in out


# --- Ordinary text in the repository ------------------------------------------------------


def _literals(paths: list[Path], min_words: int = 5) -> set[str]:
    """String literals of ``min_words`` words or more (docstrings left out)."""
    found = set()
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and len(node.value.split()) >= min_words
            ):
                found.add(node.value)
    return found


def _demo_strings() -> set[str]:
    paths = {*REPO.glob("peerpath/demo/**/*.py"), *REPO.glob("peerpath/*/demo.py")}
    return _literals(sorted(paths))


def _ordinary_lines() -> set[str]:
    """Every label-0 line of the safety tests' labelled sets (the held-out set's too: it was
    measured once with the committed model, 0 of 200 reported by it, never tuned on)."""
    tests = Path(evaluate.__file__).with_name("tests")
    unread = {path.name for path in evaluate.UNREAD_BY_TESTS}  # measured only by the lead
    paths = sorted(p for p in tests.glob("*.tsv") if p.name not in unread)
    return {row.text for path in paths for row in evaluate.read_rows(path) if not row.label}


def _model_reports(texts: set[str]) -> list[tuple[str, str]]:
    hits = []
    for text in sorted(texts):
        hit = crisis.detect(text)
        if hit is not None and hit.term.startswith(model.MODEL_TERM):
            hits.append((hit.term, text))
    return hits


def test_the_demo_strings_are_not_reported_by_the_model():
    """The previous model reported 9 of the demo's strings ("Sure, I'll take a look
    tonight and leave notes."); the demo's chat, posts and bios are ordinary text."""
    texts = _demo_strings()
    assert len(texts) > 300
    assert _model_reports(texts) == []


def test_no_ordinary_line_of_the_labelled_sets_is_reported_by_the_model():
    texts = _ordinary_lines()
    assert len(texts) > 2000
    assert _model_reports(texts) == []
