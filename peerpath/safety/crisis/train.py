"""Train the crisis model (:mod:`.model`) on the tuning set and write ``model.npz``.

``python -m peerpath.safety.crisis.train [TSV] [--out PATH]``: reads
``safety/tests/crisis_labelled.tsv`` by default. Deterministic (lbfgs, fixed
``random_state``; the zip entries carry a fixed date), so the same tuning set gives the same
file. Retrain whenever the tuning set changes: ``test_model`` compares the sha256 stored in
the file with the tuning set's.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from peerpath.safety.crisis.model import (
    BLOCKS,
    FORMAT,
    MODEL_PATH,
    N_FEATURES,
    prepare,
    term_counts,
)
from peerpath.safety.crisis.model import vectorizers as make_vectorizers

C = 4.0  # inverse regularisation of both regressions
RANDOM_STATE = 0


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fit(texts: list[str], labels: list[bool], categories: list[str]) -> dict[str, Any]:
    """The arrays of a model trained on ``texts`` (``categories`` of the positives only
    are used)."""
    import scipy.sparse as sp  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.preprocessing import normalize  # type: ignore[import-untyped]

    texts = [prepare(text) for text in texts]
    arrays: dict[str, Any] = {}
    blocks = []
    for i, (vectorizer, (_, _, min_df)) in enumerate(zip(make_vectorizers(), BLOCKS, strict=True)):
        tf = term_counts(texts, vectorizer)
        df = np.bincount(tf.indices, minlength=N_FEATURES)
        index = np.flatnonzero(df >= min_df).astype(np.int32)
        # scikit-learn's smooth idf: ln((1 + n) / (1 + df)) + 1
        idf = (np.log((1 + len(texts)) / (1 + df[index])) + 1).astype(np.float32)
        arrays[f"index_{i}"], arrays[f"idf_{i}"] = index, idf
        kept = tf[:, index] @ sp.diags(idf)
        blocks.append(normalize(kept))
    x = sp.hstack(blocks, format="csr", dtype=np.float32)
    y = np.array(labels, dtype=bool)
    crisis = LogisticRegression(
        C=C, max_iter=3000, class_weight="balanced", random_state=RANDOM_STATE
    ).fit(x, y)
    positive = np.flatnonzero(y)
    by_category = LogisticRegression(
        C=C, max_iter=3000, class_weight="balanced", random_state=RANDOM_STATE
    ).fit(x[positive], [categories[i] for i in positive])
    arrays |= {
        "format": np.int32(FORMAT),
        "n_features": np.int32(N_FEATURES),
        "coef": crisis.coef_[0].astype(np.float32),
        "intercept": np.float32(crisis.intercept_[0]),
        "categories": np.array(by_category.classes_, dtype=str),
        "category_coef": by_category.coef_.astype(np.float32),
        "category_intercept": by_category.intercept_.astype(np.float32),
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


def train(tsv: Path, out: Path = MODEL_PATH) -> dict[str, Any]:
    """Train on the labelled TSV at ``tsv`` and write the model to ``out``."""
    from peerpath.safety.evaluate import read_rows

    rows = read_rows(tsv)
    arrays = fit([r.text for r in rows], [r.label for r in rows], [r.category for r in rows])
    arrays["tuning_sha256"] = np.array(sha256(tsv))
    write(out, arrays)
    return arrays


def main(argv: Sequence[str] = ()) -> int:
    from peerpath.safety.evaluate import LABELLED_SET

    parser = argparse.ArgumentParser(prog="python -m peerpath.safety.crisis.train")
    parser.add_argument("tsv", nargs="?", type=Path, default=LABELLED_SET)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(list(argv))
    arrays = train(args.tsv, args.out)
    kept = sum(len(arrays[f"index_{i}"]) for i in range(len(BLOCKS)))
    sys.stdout.write(
        f"{args.out}: {kept} columns, categories {', '.join(arrays['categories'])}, "
        f"{args.out.stat().st_size / 1e6:.1f} MB\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
