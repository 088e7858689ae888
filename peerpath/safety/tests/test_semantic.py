"""The English embedding signal in detect() (issue 17): the committed regression matches the
training files, it is asked only where the rules and the n-gram model are silent, for English
messages of 5+ words that the n-gram model does not score as plain chat, its score mixes in
the n-gram model's and reads who speaks to whom, it reports with term "embed:0.87" and a
category, the demo's text is never reported, the detector keeps its false-positive budgets on
the safety tests' ordinary lines, and detection works without the weights."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from peerpath.safety import crisis, evaluate
from peerpath.safety.crisis import model, semantic, train
from peerpath.safety.crisis.embed import LinearHead
from peerpath.safety.tests.test_embed import needs_model
from peerpath.safety.tests.test_model import MODEL_ONLY, _demo_strings, _ordinary_lines

# No rule and no n-gram model reports this (a line of the training set); the embedding does.
EMBED_ONLY = "hed be better off raising the baby without me. all i do is make everything worse"


@pytest.fixture
def confident_encoder(monkeypatch):
    """An embedding signal that reports everything it is asked about (p 0.99)."""
    asked: list[str] = []

    class Always:
        head = LinearHead(np.zeros(1, dtype=np.float32), 0.0, 0.5)

        def probability(self, text: str, p_model: float) -> float:
            asked.append(text)
            return 0.99

    monkeypatch.setattr(semantic, "load_semantic", lambda: Always())
    return asked


def test_the_committed_regression_was_trained_on_the_current_sets():
    """Changed crisis_labelled.tsv or crisis_training.tsv? Run
    `python -m peerpath.safety.crisis.embed_train`."""
    with np.load(semantic.EMBED_PATH, allow_pickle=False) as data:
        sources = tuple(str(d) for d in data["sources_sha256"])
        assert str(data["language"]) == "en"
        assert data["coef"].shape == (384 + len(semantic.VOICE),)
        assert 0 <= float(data["mix"]) < 1
    assert sources == (train.sha256(evaluate.LABELLED_SET), train.sha256(evaluate.TRAINING_SET))
    assert semantic.EMBED_PATH.stat().st_size < 20_000


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("i keep writing the note in my head", True),
        ("honestly this week has been rough with exams", True),
        ("me corté el pelo y me encanta", False),
        ("este examen de fisica me va a matar, me quiero morir jajaja", False),
        ("sono sul divano con il mio cane stasera", False),
        ("ich bin so müde heute, die arbeit war lang", False),
    ],
)
def test_reads_as_english(text, english):
    assert semantic.reads_as_english(text) is english


@pytest.mark.parametrize(
    "text",
    [
        "i keep writing the letter",  # 5 words: asked
        "everything feels so heavy and i am tired of all of it",
    ],
)
def test_the_encoder_reports_what_nothing_else_does(confident_encoder, monkeypatch, text):
    monkeypatch.setattr(semantic, "SCREEN", 0.0)
    hit = crisis.detect(text)
    assert hit is not None
    assert (hit.term, hit.severity, hit.language) == ("embed:0.99", "medium", "")
    assert hit.category in crisis.CATEGORIES
    assert confident_encoder == [text]


@pytest.mark.parametrize(
    "text",
    [
        "i want to kill myself",  # the rules report it
        "i want to die of embarrassment after that talk",  # a safe idiom cancelled a phrase
        "i would never kill myself, i have too much to live for",  # a negation did
        "note in my head",  # fewer than 5 words
        "me quiero morir de la vergüenza jajaja",  # not English
        "este examen de fisica me va a matar, me quiero morir jajaja",
    ],
)
def test_the_encoder_is_not_asked(confident_encoder, monkeypatch, text):
    monkeypatch.setattr(semantic, "SCREEN", 0.0)
    hit = crisis.detect(text)
    assert hit is None or not hit.term.startswith(semantic.EMBED_TERM)
    assert confident_encoder == []


def test_plain_chat_is_screened_by_the_ngram_model(confident_encoder):
    """A typical English message costs no embedding: the n-gram model scores it far below
    SCREEN (detect() stays in the microseconds)."""
    assert crisis.detect(evaluate.TYPICAL_MESSAGE) is None
    assert confident_encoder == []


def test_the_n_gram_model_comes_first(confident_encoder):
    hit = crisis.detect(MODEL_ONLY)
    assert hit is not None
    assert hit.term.startswith(model.MODEL_TERM)
    assert confident_encoder == []


def test_without_the_weights_detect_logs_once_and_goes_on(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("PEERPATH_MINILM_DIR", str(tmp_path))
    monkeypatch.setattr("peerpath.safety.crisis.embed.importlib.util.find_spec", lambda name: None)
    semantic._load.cache_clear()
    try:
        with caplog.at_level(logging.ERROR, logger=semantic.__name__):
            assert crisis.detect(EMBED_ONLY) is None
            assert crisis.detect(EMBED_ONLY + " again") is None
            crisis.preload()
            assert crisis.detect("i want to kill myself") is not None
    finally:
        semantic._load.cache_clear()
    assert caplog.text.count("unavailable") == 1


@needs_model
def test_an_embed_only_hit():
    hit = crisis.detect(EMBED_ONLY)
    assert hit is not None
    assert hit.term.startswith(semantic.EMBED_TERM)
    assert hit.category in crisis.CATEGORIES
    assert crisis.detect(EMBED_ONLY, embedding=False) is None


def _embed_reports(texts: set[str]) -> list[tuple[str, str]]:
    return [
        (hit.term, text)
        for text in sorted(texts)
        if (hit := crisis.detect(text)) is not None and hit.term.startswith(semantic.EMBED_TERM)
    ]


# Demo strings that no screening reads: a kick's reason is a moderator's reason for an
# action (``safety.registry.NOT_SCREENED``), so its score (embed 0.81) raises nothing.
NOT_SCREENED_DEMO_STRINGS = frozenset({"Flooding the room after being asked to stop."})


@needs_model
def test_the_demo_strings_are_not_reported_by_the_embedding():
    """Seeding the demo raises no alert: no text it writes is reported by the embedding."""
    texts = _demo_strings() - NOT_SCREENED_DEMO_STRINGS
    assert len(texts) > 300
    assert _embed_reports(texts) == []


# The lines of crisis_training.tsv written as listener, mentor and moderator replies (w6).
REPLY_LINES = (range(3700, 4400),)
# The false-positive budgets (issue 17): every label-0 line, plain chat ("none"), and what the
# learned signals add on replies.
FPR_ALL, FPR_NONE, FPR_REPLIES = 0.05, 0.01, 0.02


@needs_model
def test_the_detector_keeps_its_false_positive_budgets_on_ordinary_lines():
    """Every label-0 line of the safety tests' sets (the held-out sets measured only by the
    lead aside): the whole detector reports at most 5 % of them and 1 % of the plain chat;
    the learned signals report at most 2 % of the replies to someone in crisis."""
    tests = Path(evaluate.__file__).with_name("tests")
    unread = {path.name for path in evaluate.UNREAD_BY_TESTS}
    rows = [
        row
        for path in sorted(tests.glob("*.tsv"))
        if path.name not in unread
        for row in evaluate.read_rows(path)
        if not row.label
    ]
    assert {row.text for row in rows} == _ordinary_lines()
    hits = {row.text: crisis.detect(row.text) for row in rows}
    plain = [row for row in rows if row.category == evaluate.NO_CATEGORY]
    assert len(rows) > 4000
    assert _share(hits, rows) <= FPR_ALL
    assert _share(hits, plain) <= FPR_NONE
    replies = [
        row
        for row in evaluate.read_rows(evaluate.TRAINING_SET)
        if not row.label and any(row.line in lines for lines in REPLY_LINES)
    ]
    assert len(replies) == 700
    learned = {
        text: hit
        for text, hit in ((r.text, crisis.detect(r.text)) for r in replies)
        if hit is not None and hit.term.startswith((model.MODEL_TERM, semantic.EMBED_TERM))
    }
    assert _share(learned, replies) <= FPR_REPLIES


def _share(hits, rows) -> float:
    return sum(hits.get(row.text) is not None for row in rows) / len(rows)


def test_the_voice_features_tell_a_reply_from_the_writers_own_words():
    reply = semantic.voice("you're not a burden. take a breath, okay?")
    own = semantic.voice("i am a burden to everyone and i am so tired")
    names = dict(zip(semantic.VOICE, range(len(semantic.VOICE)), strict=True))
    assert reply[names["opens with an instruction"]] == 1
    assert reply[names["more second than first person"]] == 1
    assert reply[names["a question mark"]] == 1
    assert own[names["first person share"]] == pytest.approx(2 / 11)
    assert own[names["any second person"]] == 0
    assert semantic.inputs(np.zeros((1, 384), np.float32), ["i am tired"]).shape == (
        1,
        384 + len(semantic.VOICE),
    )


def test_the_score_mixes_the_n_gram_models_log_odds():
    head = LinearHead(np.zeros(2, dtype=np.float32), 0.0, 0.5, mix=0.5)
    x = np.array([[1.0, 0.0]], dtype=np.float32)
    assert head.probability(x)[0] == pytest.approx(0.5)
    p = 0.9  # the regression says 0.5 (log-odds 0), the prior 0.9: half of logit(0.9)
    expected = 1 / (1 + np.exp(-0.5 * np.log(p / (1 - p))))
    assert head.probability(x, np.array([p]))[0] == pytest.approx(expected)
