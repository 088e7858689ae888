"""The labelled sets and the evaluator: the tuning set's shape and targets, the held-out sets'
shape (never their figures: a test on their recall would make them tuning targets), the
category column."""

from __future__ import annotations

import pytest

from peerpath.safety import evaluate
from peerpath.safety.crisis import CATEGORIES


def test_tuning_set_shape():
    rows = evaluate.read_rows(evaluate.LABELLED_SET)
    negatives = [r for r in rows if not r.label]
    assert len(rows) >= 1500
    assert len(negatives) * 2 >= len(rows)  # at least half ordinary talk
    both = {r.language for r in rows if r.label} & {r.language for r in negatives}
    assert len(both) >= 5
    assert {r.category for r in rows if r.label} >= set(CATEGORIES)


@pytest.mark.parametrize("path", evaluate.MEASURED_ONLY, ids=lambda p: p.name)
def test_heldout_sets_shape_and_no_overlap_with_the_tuning_set(path):
    heldout = evaluate.read_rows(path)
    assert len(heldout) >= 400
    assert {r.category for r in heldout if r.label} >= set(CATEGORIES) - {"incitement"}
    tuning = {r.text.casefold() for r in evaluate.read_rows(evaluate.LABELLED_SET)}
    assert not [r.text for r in heldout if r.text.casefold() in tuning]


def test_tuning_set_meets_the_targets_per_category_and_language():
    report = evaluate.evaluate_labelled(evaluate.LABELLED_SET)
    assert report.overall.recall >= 0.95
    assert report.overall.false_positive_rate <= 0.05
    for category, counts in report.per_category.items():
        assert counts.recall >= 0.9, (category, counts)
        assert counts.false_positive_rate <= 0.1, (category, counts)
    for language, counts in report.per_language.items():
        assert counts.recall >= 0.85, (language, counts)


def test_evaluate_reads_the_category_column_and_reports_per_category(tmp_path, capsys):
    path = tmp_path / "set.tsv"
    path.write_text(
        "language\tlabel\tcategory\ttext\n"
        "en\t1\timmediate_danger\ti'm on the roof right now\n"
        "en\t1\tharm_to_others\tthe weather is nice\n"  # a miss
        "en\t0\tsuicide\tthis exam is killing me\n"
        "en\t0\tnone\tkys\n",  # a false alarm
        encoding="utf-8",
    )
    report = evaluate.evaluate_labelled(path)
    assert report.per_category["immediate_danger"].tp == 1
    assert report.per_category["harm_to_others"].fn == 1
    assert report.per_category["suicide"].tn == 1
    assert report.per_category["none"].fp == 1
    assert report.same_category == 1
    assert evaluate.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "\nALL " in out
    assert "category" in out
    assert "MISS  line 3 [en] (harm_to_others) the weather is nice" in out


def test_evaluate_rejects_an_unknown_category(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("language\tlabel\tcategory\ttext\nen\t1\tgrief\thello\n", encoding="utf-8")
    with pytest.raises(ValueError, match="category"):
        evaluate.read_rows(path)
    path.write_text("language\tlabel\tcategory\ttext\nen\t1\thello\n", encoding="utf-8")
    with pytest.raises(ValueError, match="columns"):
        evaluate.read_rows(path)
