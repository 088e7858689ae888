"""Train the regression of :mod:`.semantic` and write it as ``.npz`` (issue 17).

``python -m peerpath.safety.crisis.embed_train`` writes the committed ``embed_en.npz``: the
English lines of the tuning and training sets, :data:`CALIBRATED_C`, :data:`CALIBRATED_MIX`
and :data:`CALIBRATED_THRESHOLD`, each file's sha256. To calibrate, give the independent sets
as separate files (``crisis_training.tsv`` is their concatenation) and mark the sets of
listener, mentor and moderator replies::

    python -m peerpath.safety.crisis.embed_train OUT.npz --train crisis_labelled.tsv W*.tsv \\
        --calibrate W*.tsv --replies W6.tsv W10.tsv

Every file is a labelled set in :mod:`peerpath.safety.evaluate`'s format; the regression
reads the lines in ``--language`` (English by default), its inputs are
:func:`.semantic.inputs` (embedding and voice features). It is fitted with balanced class
weights and an L2 penalty (the objective of scikit-learn's ``LogisticRegression(C=...,
class_weight="balanced")``, solved by Newton's method, so NumPy is enough). Its threshold is
chosen on text nothing was fitted on: each ``--calibrate`` file is left out in turn, the n-gram
model (:func:`.train.fit`) and the regression are fitted on the other files, and the whole
detector (rules, then the n-gram model, then this signal, as :func:`..detect` asks them) reads
the file's lines. The threshold is the lowest at which, on the pooled calibration lines of
every language, the detector stays within ``--fpr-all`` of every negative, ``--fpr-none`` of
the negatives of category ``none`` (plain chat, replies left out) and the learned signals
report at most ``--fpr-replies`` of the replies (the negatives of the ``--replies`` files; what
the rules report there is the lexicons' to fix). The ``C`` and ``mix`` with the best recall on
the English positives are kept; the written regression is fitted on every ``--train`` file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from peerpath.safety.crisis import _all_codes, _cue_kinds, _detector, _scans, reading
from peerpath.safety.crisis.embed import Encoder, Floats, LinearHead
from peerpath.safety.crisis.model import MIN_WORDS, model_hit, read_model
from peerpath.safety.crisis.semantic import SCREEN, inputs, reads_as_english
from peerpath.safety.crisis.text import prepare, variants
from peerpath.safety.crisis.train import fit, sha256, write
from peerpath.safety.evaluate import NO_CATEGORY, Row, read_rows

Bools = npt.NDArray[np.bool_]
DEFAULT_CS = (0.3, 1.0, 3.0)
DEFAULT_MIXES = (0.3, 0.5, 0.7)
# The committed embed_en.npz is written with these. Calibrated with the twelve independent
# sets w7-w18 (7,785 lines, 3,420 positives, 14 languages) in the training set: leaving each
# English set out in turn (2,356 English positives; n-gram model and regression refitted
# without it), the lowest threshold within the budgets is 0.674 (English recall 0.829, FPR
# 0.050, plain chat 0.009, replies 0.013; a nested choice of threshold 0.825). 0.715 is the
# lowest above every screened demo string (seeding the demo raises no alert): recall 0.801,
# FPR 0.047. Before w7-w18 (w1-w5 left out, 870 English positives) the same budgets gave
# 0.725 (recall 0.739). The rules' look-alike tests hold the rules alone to no report; a few
# of those look-alikes are reported by the learned signals ("i updated my will after the baby
# was born, feels good to have it all sorted"), which are held to the budgets instead.
CALIBRATED_C = 1.0
CALIBRATED_MIX = 0.5
CALIBRATED_THRESHOLD = 0.715


def fit_logistic(
    x: Floats, y: Bools, *, c: float, iterations: int = 50
) -> tuple[npt.NDArray[np.float64], float]:
    """Weights and intercept minimising 0.5*|w|^2 + c * sum(weight_i * logloss_i).

    Class weights are balanced (n / (2 * n_class)); the intercept is not penalised.
    """
    n, d = x.shape
    positives = int(y.sum())
    if positives in (0, n):
        raise ValueError("both labels are needed to fit")
    sample = np.where(y, n / (2 * positives), n / (2 * (n - positives))) * c
    a = np.hstack([x.astype(np.float64), np.ones((n, 1))])
    penalty = np.eye(d + 1)
    penalty[d, d] = 0.0
    theta = np.zeros(d + 1)
    target = y.astype(np.float64)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(a @ theta)))
        gradient = a.T @ (sample * (p - target)) + penalty @ theta
        hessian = (a * (sample * p * (1.0 - p))[:, None]).T @ a + penalty
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-10:
            break
    return theta[:d], float(theta[d])


def lowest_threshold(
    scores: Floats, *, label: Bools, rules: Bools, negatives: Bools, budget: float
) -> float:
    """The lowest threshold at which ``rules OR score >= t`` reports at most ``budget`` of
    ``negatives`` (a mask of label-0 lines). When the rules alone exceed the budget, the model
    may add no false positive of its own."""
    chosen = negatives & ~label
    allowed = int(np.floor(budget * chosen.sum() + 1e-9)) - int((rules & chosen).sum())
    own = np.sort(scores[chosen & ~rules])[::-1]  # negatives only the model could report
    allowed = max(allowed, 0)
    if allowed >= len(own):
        return 0.0
    return float(np.nextafter(np.float32(own[allowed]), np.float32(2.0)))


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the rules and the n-gram model make of one line, as :func:`..detect` asks them."""

    rules: bool  # a rule reported it
    model: bool  # the n-gram model did (asked only when no rule reported)
    asked: bool  # the embedding signal would be asked (English, 5+ words, screened in)
    p_model: float


def verdicts(rows: Sequence[Row], model_path: Path) -> list[Verdict]:
    """Each line read by the rules and by the n-gram model stored at ``model_path`` (the
    order of :func:`..detect`: a cancelled phrase or fewer than 5 words stop both models)."""
    model = read_model(model_path)
    detector = _detector(_all_codes())
    found = []
    for row in rows:
        text = row.text
        prepared = prepare(text, strip=True)
        stripped = variants(prepared)
        scans = list(_scans(text, prepared, stripped, detector))
        rules = any(scan.hit is not None for scan in scans)
        open_ = not rules and not any(scan.cancelled for scan in scans)
        open_ &= len(text.split(maxsplit=MIN_WORDS)) >= MIN_WORDS
        strong = frozenset().union(*(scan.strong for scan in scans))
        p, category = model.predict(stripped[0], strong)
        hit = open_ and (
            model_hit(
                text,
                stripped[0],
                strong,
                lambda: _cue_kinds(text, prepared, stripped[0]),  # noqa: B023 (called now)
                scored=(p, category),
            )
            is not None
        )
        asked = open_ and not hit and p >= SCREEN and reads_as_english(text)
        found.append(Verdict(rules, hit, asked, p))
    return found


@dataclass(frozen=True, slots=True)
class Lines:
    """The lines of every file: their group (file index), labels and the regression's inputs
    (zeros for lines the regression never reads: other languages that do not read as
    English)."""

    group: npt.NDArray[np.int64]
    label: Bools
    none: Bools  # a negative of category "none": plain chat
    reply: Bools  # a negative of a --replies file
    fitted: Bools  # in --language: the regression is fitted on these
    read: Bools  # the regression may read it (fitted, or reads as English)
    x: Floats
    rows: tuple[Row, ...]


def read_lines(
    paths: Sequence[Path], language: str, encoder: Encoder, replies: Sequence[int] = ()
) -> Lines:
    rows: list[Row] = []
    group = []
    for index, path in enumerate(paths):
        for row in read_rows(path):
            rows.append(row)
            group.append(index)
    g = np.array(group, dtype=np.int64)
    label = np.array([r.label for r in rows], dtype=bool)
    fitted = np.array([r.language == language for r in rows], dtype=bool)
    read = fitted | np.array([reads_as_english(r.text) for r in rows], dtype=bool)
    texts = [rows[i].text for i in np.flatnonzero(read)]
    x = np.zeros((len(rows), 0), dtype=np.float32)
    if texts:
        embedded = inputs(encoder.embed(texts), texts)
        x = np.zeros((len(rows), embedded.shape[1]), dtype=np.float32)
        x[read] = embedded
    return Lines(
        group=g,
        label=label,
        none=~label & np.array([r.category == NO_CATEGORY for r in rows], dtype=bool),
        reply=~label & np.isin(g, list(replies)),
        fitted=fitted,
        read=read,
        x=x,
        rows=tuple(rows),
    )


@dataclass(frozen=True, slots=True)
class Folds:
    """Each calibration line read by rules and an n-gram model fitted without its file."""

    mask: Bools  # the calibration lines
    rules: Bools
    model: Bools
    asked: Bools
    p_model: npt.NDArray[np.float64]


def left_out(lines: Lines, held: Sequence[int]) -> Folds:
    """Fit the n-gram model without each held file in turn and read that file with it."""
    n = len(lines.rows)
    rules, model, asked = (np.zeros(n, dtype=bool) for _ in range(3))
    p_model = np.zeros(n)
    docs = [reading(r.text) for r in lines.rows]
    with tempfile.TemporaryDirectory() as folder:
        for g in held:
            train = np.flatnonzero(lines.group != g)
            arrays = fit(
                [docs[i] for i in train],
                [lines.rows[i].label for i in train],
                [lines.rows[i].category for i in train],
            )
            arrays["tuning_sha256"] = np.array([], dtype=str)
            path = Path(folder) / f"fold{g}.npz"
            write(path, arrays)
            test = np.flatnonzero(lines.group == g)
            for i, v in zip(test, verdicts([lines.rows[i] for i in test], path), strict=True):
                rules[i], model[i], asked[i], p_model[i] = v.rules, v.model, v.asked, v.p_model
    return Folds(np.isin(lines.group, held), rules, model, asked, p_model)


@dataclass(frozen=True, slots=True)
class Calibration:
    c: float
    mix: float
    threshold: float
    recall: float  # of the whole detector on the English positives of the calibration files
    recall_all: float  # on every positive
    fpr_all: float
    fpr_none: float
    fpr_replies: float  # replies reported by the learned signals


def calibrate(
    lines: Lines,
    folds: Folds,
    held: Sequence[int],
    *,
    cs: Sequence[float],
    mixes: Sequence[float],
    budgets: tuple[float, float, float],
    language: str = "en",
) -> Calibration:
    """The C, mix and threshold with the best English recall within the ``budgets`` (every
    negative, plain chat, replies) on the ``held`` files (the first among equals)."""
    found = []
    for c in cs:
        fits = {}
        for g in held:
            train = (lines.group != g) & lines.fitted
            fits[g] = fit_logistic(lines.x[train], lines.label[train], c=c)
        for mix in mixes:
            mixed = np.zeros(len(lines.rows), dtype=np.float32)
            for g, (coef, intercept) in fits.items():
                test = np.flatnonzero((lines.group == g) & folds.asked)
                head = LinearHead(coef.astype(np.float32), intercept, 0.5, mix)
                mixed[test] = head.probability(lines.x[test], folds.p_model[test])
            found.append(_calibration(lines, folds, mixed, c, mix, budgets, language))
    return max(found, key=lambda cal: cal.recall)


def _calibration(
    lines: Lines,
    folds: Folds,
    mixed: Floats,
    c: float,
    mix: float,
    budgets: tuple[float, float, float],
    language: str,
) -> Calibration:
    fpr_all, fpr_none, fpr_replies = budgets
    m = folds.mask
    before = folds.rules | folds.model
    scores = np.where(folds.asked, mixed, np.float32(0.0)).astype(np.float32)
    negatives = m & ~lines.label
    threshold = max(
        lowest_threshold(
            scores, label=lines.label, rules=before, negatives=negatives, budget=fpr_all
        ),
        lowest_threshold(
            scores,
            label=lines.label,
            rules=before,
            negatives=negatives & lines.none & ~lines.reply,
            budget=fpr_none,
        ),
        # on replies only what the learned signals report counts (the rules' are the lexicons')
        lowest_threshold(
            scores,
            label=lines.label,
            rules=folds.model,
            negatives=m & lines.reply,
            budget=fpr_replies,
        ),
    )
    reported = before | (folds.asked & (mixed >= threshold))
    english = np.array([r.language == language for r in lines.rows], dtype=bool)
    return Calibration(
        c,
        mix,
        threshold,
        _share(reported, m & lines.label & english),
        _share(reported, m & lines.label),
        _share(reported, m & ~lines.label),
        _share(reported, m & lines.none & ~lines.reply),
        _share(reported & ~folds.rules, m & lines.reply),
    )


def _share(reported: Bools, mask: Bools) -> float:
    return float(reported[mask].mean()) if mask.any() else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    from peerpath.safety.crisis.semantic import EMBED_PATH
    from peerpath.safety.evaluate import LABELLED_SET, TRAINING_SET

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, nargs="?", default=EMBED_PATH)
    parser.add_argument("--train", type=Path, nargs="+", default=[LABELLED_SET, TRAINING_SET])
    parser.add_argument("--calibrate", type=Path, nargs="+", default=[])
    parser.add_argument("--replies", type=Path, nargs="+", default=[])
    parser.add_argument("--language", default="en")
    parser.add_argument("--C", type=float, nargs="+", default=None, dest="cs")
    parser.add_argument("--mix", type=float, nargs="+", default=None, dest="mixes")
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--fpr-all", type=float, default=0.05)
    parser.add_argument("--fpr-none", type=float, default=0.01)
    parser.add_argument("--fpr-replies", type=float, default=0.02)
    args = parser.parse_args(argv)
    paths = list(dict.fromkeys([*args.train, *args.calibrate, *args.replies]))
    replies = [paths.index(p) for p in dict.fromkeys(args.replies)]
    lines = read_lines(paths, args.language, Encoder.load(), replies)
    if args.calibrate:
        held = [paths.index(p) for p in dict.fromkeys(args.calibrate)]
        if len(paths) < 2:
            parser.error("need 2+ files")
        folds = left_out(lines, held)
        cal = calibrate(
            lines,
            folds,
            held,
            cs=args.cs or list(DEFAULT_CS),
            mixes=args.mixes or list(DEFAULT_MIXES),
            budgets=(args.fpr_all, args.fpr_none, args.fpr_replies),
            language=args.language,
        )
        c, mix, threshold = cal.c, cal.mix, cal.threshold
        sys.stdout.write(
            f"C={cal.c}, mix {cal.mix}, threshold {cal.threshold:.3f}; the whole detector on "
            f"the calibration files, each left out of every fit: recall {args.language} "
            f"{cal.recall:.3f}, all {cal.recall_all:.3f}; FPR {cal.fpr_all:.3f}, on 'none' "
            f"{cal.fpr_none:.3f}, replies reported by the learned signals {cal.fpr_replies:.3f}\n"
        )
    else:  # the committed file: as calibrated (see CALIBRATED_*)
        c = (args.cs or [CALIBRATED_C])[0]
        mix = (args.mixes or [CALIBRATED_MIX])[0]
        threshold = CALIBRATED_THRESHOLD
    if args.threshold is not None:
        threshold = args.threshold
    fitted = np.isin(lines.group, [paths.index(p) for p in dict.fromkeys(args.train)])
    fitted &= lines.fitted
    coef, intercept = fit_logistic(lines.x[fitted], lines.label[fitted], c=c)
    np.savez(
        args.out,
        coef=coef.astype(np.float32),
        intercept=np.float64(intercept),
        threshold=np.float64(threshold),
        mix=np.float64(mix),
        C=np.float64(c),
        language=np.str_(args.language),
        sources_sha256=np.array([sha256(p) for p in dict.fromkeys(args.train)], dtype=str),
    )
    sys.stdout.write(
        f"{args.out}: {int(fitted.sum())} lines ({int(lines.label[fitted].sum())} positive), "
        f"C={c}, mix {mix}, threshold {threshold:.3f}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
