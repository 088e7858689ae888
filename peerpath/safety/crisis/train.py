"""Train the crisis model (:mod:`.model`) and write ``model.npz``.

``python -m peerpath.safety.crisis.train [TSV ...] [--out PATH]``: trains on the tuning set
(``safety/tests/crisis_labelled.tsv``) and the training set (``crisis_training.tsv``), or on
the labelled TSV files given. Numpy only
(logistic regressions fitted by L-BFGS written here), deterministic: the same files give the
same bytes (the zip entries carry a fixed date). Retrain whenever either set changes:
``test_model`` compares the sha256 stored in the file (one per file read, in order) with
theirs.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import math
import sys
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from peerpath.safety.crisis.model import BLOCK_WEIGHTS, BLOCKS, FORMAT, MODEL_PATH, features

if TYPE_CHECKING:
    from numpy.typing import NDArray

C: Final = 4.0  # inverse regularisation of every regression (as scikit-learn's C)
MIN_DF: Final = {"c": 2, "w": 2, "k": 1}  # documents a feature needs to be kept
MAX_ITER: Final = 400


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True, slots=True)
class Sparse:
    """A sparse matrix as coordinates (rows, columns, values), enough for a linear model."""

    rows: NDArray[np.intp]
    columns: NDArray[np.intp]
    values: NDArray[np.float64]
    shape: tuple[int, int]

    def dot(self, w: NDArray[np.float64]) -> NDArray[np.float64]:
        products = self.values * w[self.columns]
        return np.bincount(self.rows, products, minlength=self.shape[0]).astype(np.float64)

    def tdot(self, r: NDArray[np.float64]) -> NDArray[np.float64]:
        products = self.values * r[self.rows]
        return np.bincount(self.columns, products, minlength=self.shape[1]).astype(np.float64)

    def take(self, keep: NDArray[np.bool_]) -> Sparse:
        """The rows where ``keep`` is true, renumbered."""
        renumber = np.cumsum(keep) - 1
        mask = keep[self.rows]
        return Sparse(
            renumber[self.rows[mask]],
            self.columns[mask],
            self.values[mask],
            (int(keep.sum()), self.shape[1]),
        )


Doc = tuple[str, Iterable[str]]  # a normalised message and its strong cue kinds


def vocabulary(docs: Sequence[Doc]) -> tuple[list[list[str]], NDArray[np.float32]]:
    """Per block the features kept (seen in at least ``MIN_DF`` documents, sorted), and
    every kept feature's smooth idf, ln((1 + n) / (1 + df)) + 1."""
    frequencies: list[Counter[str]] = [Counter() for _ in BLOCKS]
    for norm, kinds in docs:
        for df, counts in zip(frequencies, features(norm, kinds), strict=True):
            df.update(counts.keys())
    kept: list[list[str]] = []
    idf: list[float] = []
    for block, df in zip(BLOCKS, frequencies, strict=True):
        names = sorted(name for name, n in df.items() if n >= MIN_DF[block])
        kept.append(names)
        idf += [math.log((1 + len(docs)) / (1 + df[name])) + 1 for name in names]
    return kept, np.array(idf, dtype=np.float32)


def matrix(docs: Sequence[Doc], kept: list[list[str]], idf: NDArray[np.float32]) -> Sparse:
    """The feature matrix of ``docs``, exactly as :meth:`.model.Model.vector` weighs a
    message (sublinear tf-idf, each block L2-normalised)."""
    offsets = np.cumsum([0, *(len(names) for names in kept)])
    index = [
        {name: int(offset) + i for i, name in enumerate(names)}
        for offset, names in zip(offsets, kept, strict=False)
    ]
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    for r, (norm, kinds) in enumerate(docs):
        for name, columns_of, counts in zip(BLOCKS, index, features(norm, kinds), strict=True):
            block = [
                (columns_of[f], (1.0 + math.log(n)) * float(idf[columns_of[f]]))
                for f, n in counts.items()
                if f in columns_of
            ]
            length = math.sqrt(sum(v * v for _, v in block)) / BLOCK_WEIGHTS[name]
            for column, value in block:
                rows.append(r)
                columns.append(column)
                values.append(value / length)
    return Sparse(
        np.array(rows, dtype=np.intp),
        np.array(columns, dtype=np.intp),
        np.array(values, dtype=np.float64),
        (len(docs), int(offsets[-1])),
    )


def _sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)


def lbfgs(
    objective: Callable[[NDArray[np.float64]], tuple[float, NDArray[np.float64]]],
    x: NDArray[np.float64],
    *,
    max_iter: int = MAX_ITER,
    memory: int = 10,
    tolerance: float = 1e-5,
) -> NDArray[np.float64]:
    """Minimise a smooth convex ``objective`` (value and gradient) from ``x`` by L-BFGS
    with a backtracking (Armijo) line search. Deterministic."""
    f, g = objective(x)
    s_list: list[NDArray[np.float64]] = []
    y_list: list[NDArray[np.float64]] = []
    for _ in range(max_iter):
        if float(np.max(np.abs(g))) < tolerance:
            break
        q = g.copy()
        alphas = []
        for s, y in zip(reversed(s_list), reversed(y_list), strict=True):
            a = float(s @ q) / float(y @ s)
            alphas.append(a)
            q -= a * y
        if y_list:
            q *= float(s_list[-1] @ y_list[-1]) / float(y_list[-1] @ y_list[-1])
        else:
            q /= max(1.0, float(np.linalg.norm(g)))
        for (s, y), a in zip(zip(s_list, y_list, strict=True), reversed(alphas), strict=True):
            b = float(y @ q) / float(y @ s)
            q += (a - b) * s
        direction = -q
        slope = float(g @ direction)
        if slope >= 0:  # not a descent direction: restart from the gradient
            s_list.clear()
            y_list.clear()
            direction = -g / max(1.0, float(np.linalg.norm(g)))
            slope = float(g @ direction)
        step = 1.0
        while True:
            x_new = x + step * direction
            f_new, g_new = objective(x_new)
            if f_new <= f + 1e-4 * step * slope or step < 1e-10:
                break
            step *= 0.5
        s, y = x_new - x, g_new - g
        if float(s @ y) > 1e-12:
            s_list.append(s)
            y_list.append(y)
            if len(s_list) > memory:
                s_list.pop(0)
                y_list.pop(0)
        converged = abs(f - f_new) <= 1e-9 * max(1.0, abs(f))
        x, f, g = x_new, f_new, g_new
        if converged:
            break
    return x


def logistic(
    x: Sparse, y: NDArray[np.bool_], *, weights: NDArray[np.float64] | None = None, c: float = C
) -> tuple[NDArray[np.float64], float]:
    """A logistic regression (weights and intercept; L2 penalty ``|w|^2 / 2c``, the
    intercept not penalised), each row counted ``weights`` times (default: balanced
    classes, as scikit-learn's ``class_weight="balanced"``)."""
    target = y.astype(np.float64)
    if weights is None:
        positives = max(1.0, float(target.sum()))
        negatives = max(1.0, float(len(target) - target.sum()))
        weights = np.where(y, len(y) / (2 * positives), len(y) / (2 * negatives))
    n = x.shape[1]

    def objective(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        w, b = theta[:n], theta[n]
        z = x.dot(w) + b
        # log(1 + e^z) - y z, stably
        loss = np.logaddexp(0.0, z) - target * z
        residual = weights * (_sigmoid(z) - target)
        value = float(weights @ loss) + float(w @ w) / (2 * c)
        gradient = np.empty(n + 1)
        gradient[:n] = x.tdot(residual) + w / c
        gradient[n] = float(residual.sum())
        return value, gradient

    theta = lbfgs(objective, np.zeros(n + 1))
    return theta[:n], float(theta[n])


def fit(docs: Sequence[Doc], labels: Sequence[bool], categories: Sequence[str]) -> dict[str, Any]:
    """The arrays of a model trained on ``docs`` (the ``categories`` of positives are used)."""
    kept, idf = vocabulary(docs)
    x = matrix(docs, kept, idf)
    y = np.array(labels, dtype=bool)
    coef, intercept = logistic(x, y)
    positives = x.take(y)
    named = [c for c, label in zip(categories, labels, strict=True) if label]
    classes = sorted(set(named))
    category_coef = np.zeros((len(classes), x.shape[1]), dtype=np.float32)
    category_intercept = np.zeros(len(classes), dtype=np.float32)
    for i, category in enumerate(classes):
        ours = np.array([c == category for c in named], dtype=bool)
        if ours.all():
            category_intercept[i] = 1.0
            continue
        w, b = logistic(positives, ours)
        category_coef[i], category_intercept[i] = w, b
    arrays: dict[str, Any] = {
        f"vocabulary_{b}": np.array(n, dtype=str) for b, n in zip(BLOCKS, kept, strict=True)
    }
    arrays |= {
        "format": np.int32(FORMAT),
        "idf": idf,
        "block_weights": np.array([BLOCK_WEIGHTS[b] for b in BLOCKS], dtype=np.float32),
        "coef": coef.astype(np.float32),
        "intercept": np.float32(intercept),
        "categories": np.array(classes, dtype=str),
        "category_coef": category_coef,
        "category_intercept": category_intercept,
    }
    return arrays


def write(path: Path, arrays: dict[str, Any]) -> None:
    """An ``.npz`` (a zip of ``.npy`` files) with fixed entry dates, so it is reproducible."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buffer.getvalue(), compresslevel=9)


def docs_of(texts: Sequence[str]) -> list[Doc]:
    """Each message as the model reads it: normalised, with its cue kinds."""
    from peerpath.safety.crisis import reading

    return [reading(text) for text in texts]


def train(paths: Sequence[Path], out: Path = MODEL_PATH) -> dict[str, Any]:
    """Train on the labelled TSV files at ``paths`` and write the model to ``out``."""
    from peerpath.safety.evaluate import read_rows

    rows = [row for path in paths for row in read_rows(path)]
    docs = docs_of([r.text for r in rows])
    arrays = fit(docs, [r.label for r in rows], [r.category for r in rows])
    arrays["tuning_sha256"] = np.array([sha256(path) for path in paths], dtype=str)
    write(out, arrays)
    return arrays


def main(argv: Sequence[str] = ()) -> int:
    from peerpath.safety.evaluate import LABELLED_SET, TRAINING_SET

    parser = argparse.ArgumentParser(prog="python -m peerpath.safety.crisis.train")
    parser.add_argument("tsv", nargs="*", type=Path, default=[LABELLED_SET, TRAINING_SET])
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(list(argv))
    arrays = train(args.tsv, args.out)
    kept = sum(len(arrays[f"vocabulary_{b}"]) for b in BLOCKS)
    sys.stdout.write(
        f"{args.out}: {kept} features, categories {', '.join(arrays['categories'])}, "
        f"{args.out.stat().st_size / 1e6:.1f} MB\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
