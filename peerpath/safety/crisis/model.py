"""A learned second signal: a linear model over character and word n-grams that reports
what the lexicon rules miss, kept as data (``model.npz``, no pickle).

The rules generalise poorly to text written by people who never saw them (independent sets
5 and 6: recall 0.53 and 0.43 before tuning on them). :func:`model_hit` is asked only when
no rule reported (see :func:`peerpath.safety.crisis.detect`). Features: scikit-learn's
stateless ``HashingVectorizer`` (``char_wb`` 2-5 and word 1-2 n-grams of the lower-cased
text, :data:`N_FEATURES` columns each, no alternating sign), sublinear term frequency, the
idf learned on the tuning set, each block L2-normalised; then a logistic regression (crisis
or not) and, for the category of a hit, a multinomial one over the categories of the
tuning set's positives. Only the columns seen in training are stored (``*_index``), with
their idf and weights, as float32. ``python -m peerpath.safety.crisis.train`` writes the
file from ``tests/crisis_labelled.tsv`` and records that file's sha256 (a test fails when
the tuning set changed and the model was not retrained).

The model reads the NFKC form of a message of at least :data:`MIN_WORDS` words. A model
hit reports at :data:`THRESHOLD` (chosen leaving sets 5 and 6 out in turn: see
``docs/architecture.md``); its ``term`` is ``"model:0.91"`` and its language ``""``. Its
severity is its category's usual severity in the rules (:func:`category_severity`) but
``"high"``, which enters the staff queue, only from :data:`HIGH_THRESHOLD`: below it a model
hit is ``"medium"`` (the space's responders are told; the queue gets it when nobody else
would see it). A missing or unreadable file is logged once and detection falls back to the
rules alone. scikit-learn is imported only when the model is first used.
"""

from __future__ import annotations

import itertools
import logging
import math
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from peerpath.safety.crisis.lexicon import lexicons
from peerpath.safety.crisis.rules import RULES, CrisisHit

if TYPE_CHECKING:
    from numpy.typing import NDArray

logger = logging.getLogger(__name__)

MODEL_PATH: Final = Path(__file__).with_name("model.npz")
N_FEATURES: Final = 2**19  # hashed columns per block
# (analyzer, n-gram range, minimum document frequency): the blocks, in order.
BLOCKS: Final = (("char_wb", (2, 5), 2), ("word", (1, 2), 1))
THRESHOLD: Final = 0.85  # probability from which a message no rule reported is reported
HIGH_THRESHOLD: Final = 0.95  # from here a model hit may be "high" (enters the staff queue)
MODEL_TERM: Final = "model:"  # a model hit's term: "model:0.91"
# Fewer words than this are left to the rules: n-grams alone score short replies high ("not
# me", "i know right"), and every model-only true positive on sets 5 and 6 had at least 5.
MIN_WORDS: Final = 5
FORMAT: Final = 1  # bumped when the file's layout changes


def vectorizers() -> list[Any]:
    """One ``HashingVectorizer`` per block (stateless: nothing of them is stored)."""
    from sklearn.feature_extraction.text import (  # type: ignore[import-untyped]
        HashingVectorizer,
    )

    return [
        HashingVectorizer(
            analyzer=analyzer,
            ngram_range=ngrams,
            n_features=N_FEATURES,
            alternate_sign=False,
            norm=None,
            lowercase=True,
            dtype=np.float32,
        )
        for analyzer, ngrams, _ in BLOCKS
    ]


def term_counts(texts: list[str], vectorizer: Any) -> Any:
    """Sublinear term frequencies (1 + log count) of one block, a CSR matrix (training)."""
    counts = vectorizer.transform(texts).tocsr()
    counts.data = (1 + np.log(counts.data)).astype(np.float32)
    return counts


@cache
def _hashers() -> tuple[tuple[Callable[[str], list[str]], Callable[..., Any]], ...]:
    """Per block: the vectorizer's analyzer and the hashing it applies, for one text at a
    time without scikit-learn's input checks (a test compares :func:`hashed` with
    ``HashingVectorizer.transform``)."""
    from sklearn.feature_extraction._hashing_fast import (  # type: ignore[import-untyped]
        transform,
    )

    return tuple((v.build_analyzer(), transform) for v in vectorizers())


def _hash(features: list[str]) -> list[int]:
    _, transform = _hashers()[0]
    indices, _, _ = transform([zip(features, itertools.repeat(1))], N_FEATURES, np.float32, False)
    return list(indices)


# Chat repeats its words: most words and word pairs are hashed once per process.
@lru_cache(maxsize=2**15)
def _word_ngrams(word: str) -> tuple[int, ...]:
    """The hashed character n-grams of one word (``char_wb`` n-grams never cross words)."""
    analyze, _ = _hashers()[0]
    return tuple(_hash(analyze(word)))


@lru_cache(maxsize=2**15)
def _token(token: str) -> int:
    return _hash([token])[0]


def prepare(text: str) -> str:
    """The text the model reads, in training and detection: NFKC (so "²" is "2")."""
    return unicodedata.normalize("NFKC", text)


def hashed(text: str, block: int) -> Counter[int]:
    """How often each hashed column of ``block`` occurs in ``text``."""
    analyze, _ = _hashers()[block]
    if BLOCKS[block][0] != "char_wb":
        return Counter(map(_token, analyze(text)))
    return Counter(itertools.chain.from_iterable(map(_word_ngrams, text.lower().split())))


@dataclass(frozen=True, slots=True)
class Model:
    """The stored arrays. Columns are "kept" columns: block 0's ``index`` then block 1's."""

    indexes: tuple[NDArray[np.int32], ...]  # per block: hashed column of each kept column
    idfs: tuple[NDArray[np.float32], ...]  # per block: idf of each kept column
    coef: NDArray[np.float32]  # (kept,) crisis or not
    intercept: float
    categories: tuple[str, ...]
    category_coef: NDArray[np.float32]  # (categories, kept)
    category_intercept: NDArray[np.float32]  # (categories,)
    tuning_sha256: str
    slots: tuple[NDArray[np.int32], ...]  # per block: hashed column -> kept column or -1

    def features(self, text: str) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """The kept columns of ``text`` and their tf-idf (sublinear tf), each block
        L2-normalised."""
        columns, values = [], []
        offset = 0
        for block, (index, idf, slot) in enumerate(
            zip(self.indexes, self.idfs, self.slots, strict=True)
        ):
            counts = hashed(text, block)
            hashed_columns = np.fromiter(counts, np.int64, len(counts))
            tf = np.fromiter(counts.values(), np.float32, len(counts))
            kept = slot[hashed_columns]
            mask = kept >= 0
            weights = (1 + np.log(tf[mask])) * idf[kept[mask]]
            norm = float(np.sqrt(weights @ weights))
            columns.append(kept[mask].astype(np.int64) + offset)
            values.append(weights / norm if norm else weights)
            offset += len(index)
        return np.concatenate(columns), np.concatenate(values)

    def predict(self, text: str) -> tuple[float, str]:
        """The probability that ``text`` should be reported, and its likeliest category."""
        columns, values = self.features(prepare(text))
        score = float(self.coef[columns] @ values) + self.intercept
        p = 1.0 / (1.0 + math.exp(-score))
        by_category = self.category_coef[:, columns] @ values + self.category_intercept
        return p, self.categories[int(np.argmax(by_category))]


def read_model(path: Path) -> Model:
    """The model stored at ``path`` (raises ``OSError``/``ValueError``/``KeyError``)."""
    with np.load(path, allow_pickle=False) as data:
        if int(data["format"]) != FORMAT or int(data["n_features"]) != N_FEATURES:
            raise ValueError(f"{path.name}: format {data['format']}, expected {FORMAT}")
        indexes = tuple(data[f"index_{i}"].astype(np.int32) for i in range(len(BLOCKS)))
        slots = []
        for index in indexes:
            slot = np.full(N_FEATURES, -1, dtype=np.int32)
            slot[index] = np.arange(len(index), dtype=np.int32)
            slots.append(slot)
        return Model(
            indexes=indexes,
            idfs=tuple(data[f"idf_{i}"].astype(np.float32) for i in range(len(BLOCKS))),
            coef=data["coef"].astype(np.float32),
            intercept=float(data["intercept"]),
            categories=tuple(str(c) for c in data["categories"]),
            category_coef=data["category_coef"].astype(np.float32),
            category_intercept=data["category_intercept"].astype(np.float32),
            tuning_sha256=str(data["tuning_sha256"]),
            slots=tuple(slots),
        )


@cache
def _load(path: Path) -> Model | None:
    try:
        return read_model(path)
    except (OSError, ValueError, KeyError, ImportError):
        logger.exception("crisis model %s unreadable: the rules detect alone", path)
        return None


def load_model() -> Model | None:
    """The model at :data:`MODEL_PATH`, read once; ``None`` (logged) when it cannot be read."""
    return _load(MODEL_PATH)


@cache
def category_severity() -> dict[str, str]:
    """Each category's usual severity: the one most of its phrases and rules report."""
    counts: dict[str, Counter[str]] = {}
    for rule in RULES:
        counts.setdefault(rule.category, Counter())[rule.severity] += 1
    for lexicon in lexicons().values():
        for phrase in lexicon.phrases:
            counts.setdefault(phrase.category, Counter())[phrase.severity] += 1
    return {
        category: "high" if c["high"] > c["medium"] else "medium" for category, c in counts.items()
    }


def model_hit(text: str) -> CrisisHit | None:
    """A report by the model alone, or ``None`` (also when the model cannot be read)."""
    if len(text.split(maxsplit=MIN_WORDS)) < MIN_WORDS:
        return None
    model = load_model()
    if model is None:
        return None
    p, category = model.predict(text)
    if p < THRESHOLD:
        return None
    usual = category_severity().get(category, "medium")
    severity = "high" if usual == "high" and p >= HIGH_THRESHOLD else "medium"
    return CrisisHit(category, f"{MODEL_TERM}{p:.2f}", "", severity)
