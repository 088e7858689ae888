"""A learned second signal: a linear model over the words, the character n-grams and the
strong cue kinds of a message, asked only when no rule reports; kept as data
(``model.npz``, no pickle, no scikit-learn).

The lexicon rules generalise poorly to text written by people who never saw them
(independent sets: recall 0.22-0.52 before tuning on them), and a model of n-grams alone
reports ordinary chat ("Sure, I'll take a look tonight and leave notes."). This one also
reads what the rules half-see, the kinds of the strong cues the scanner finds in every
message (a means, a place, a goodbye...: no report alone; :attr:`.scanner.Scan.strong`),
and it is trained with plain chat and hard negatives. :func:`model_hit` is asked when no
rule reported and no phrase was cancelled by a safe idiom or a negation; it reports a
message of at least :data:`MIN_WORDS` words from :data:`THRESHOLD`, and only when the
message has a cue of a kind that is no veto or negation (:func:`gate`): a strong cue, or
any cue, which is looked for only then (:meth:`.scanner.Scanner.cue_kinds`), so plain chat
costs one prediction.

Features (:func:`features`), three blocks, each sublinear tf-idf, L2-normalised and then
weighed (:data:`BLOCK_WEIGHTS`), from the normalised text (:func:`.text.normalise`: case,
accents, leetspeak, spaced letters, text-speak): ``c`` character n-grams of 2-5 inside each
word padded with spaces (as scikit-learn's ``char_wb``), ``w`` words and word pairs, ``k``
strong cue kinds and their pairs. Only features seen in training are kept (their names are
stored). One logistic regression says crisis or not; one per category (one against the
rest) names the category of a hit. ``python -m peerpath.safety.crisis.train`` writes the
file deterministically and records the sha256 of each file trained on (a test fails when the
tuning set changed and the model was not retrained). A model hit's ``term`` is
``"model:0.95"`` and its language ``""``; its severity is ``"medium"`` (the space's
responders are told, and the staff queue when nobody else would see it) unless its category
is usually high in the rules and p reaches :data:`HIGH_THRESHOLD`. A missing or unreadable
file is logged once and the rules detect alone. Measurements: ``docs/architecture.md``.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np

from peerpath.safety.crisis.lexicon import lexicons
from peerpath.safety.crisis.rules import NEGATION, RULES, VETOES, CrisisHit

if TYPE_CHECKING:
    from numpy.typing import NDArray

logger = logging.getLogger(__name__)

MODEL_PATH: Final = Path(__file__).with_name("model.npz")
BLOCKS: Final = ("c", "w", "k")  # character n-grams, words and pairs, cue kinds and pairs
# Each block's weight after its L2 normalisation (the cue kinds count less: the lexicons
# were written against the tuning set, so there they predict better than on new text).
BLOCK_WEIGHTS: Final = {"c": 1.0, "w": 1.0, "k": 0.5}
CHAR_NGRAMS: Final = (2, 5)
THRESHOLD: Final = 0.92  # probability from which a message no rule reported is reported
HIGH_THRESHOLD: Final = 0.97  # from here a model hit may be "high" (enters the staff queue)
MODEL_TERM: Final = "model:"  # a model hit's term: "model:0.93"
# Fewer words than this are left to the rules: n-grams alone score short replies high.
MIN_WORDS: Final = 5
# Cue kinds that do not open the gate: signs of ordinary life and negations, and "safe".
GATE_EXEMPT: Final = frozenset(VETOES | {NEGATION, "negated", "safe"})
FORMAT: Final = 2  # bumped when the file's layout changes

_WORD: Final = re.compile(r"\w+")
_WORD_CACHE: Final = 2**15  # words whose character n-gram columns are kept


@lru_cache(maxsize=2**15)
def _char_grams(word: str) -> tuple[str, ...]:
    """The character n-grams of one word padded with spaces (they never cross words)."""
    padded = f" {word} "
    low, high = CHAR_NGRAMS
    return tuple(
        padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)
    )


def _word_features(norm: str) -> Counter[str]:
    tokens = _WORD.findall(norm)
    words = Counter(tokens)
    words.update(f"{a} {b}" for a, b in pairwise(tokens))
    return words


def _cue_features(kinds: Iterable[str]) -> Counter[str]:
    found = sorted(set(kinds))
    cues = Counter(found)
    cues.update(f"{a}+{b}" for i, a in enumerate(found) for b in found[i + 1 :])
    return cues


def features(norm: str, kinds: Iterable[str]) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """Each block's features of a normalised message and its cue kinds, with counts."""
    chars: Counter[str] = Counter()
    for word in norm.split():
        chars.update(_char_grams(word))
    return chars, _word_features(norm), _cue_features(kinds)


def gate(kinds: Iterable[str]) -> bool:
    """Whether the model may read a message with these cue kinds: at least one cue that is
    not a veto, a negation or a safe idiom."""
    return any(kind not in GATE_EXEMPT for kind in kinds)


@dataclass(frozen=True, slots=True)
class Model:
    """The stored arrays; columns run over block ``c``'s kept features, then ``w``'s, then
    ``k``'s."""

    vocabulary: tuple[dict[str, int], ...]  # per block: feature -> column
    idf: NDArray[np.float32]  # per column
    coef: NDArray[np.float32]  # (columns,) crisis or not
    intercept: float
    categories: tuple[str, ...]
    category_coef: NDArray[np.float32]  # (categories, columns)
    category_intercept: NDArray[np.float32]  # (categories,)
    tuning_sha256: tuple[str, ...]  # of each file trained on, the tuning set first
    block_weights: tuple[float, ...]  # BLOCK_WEIGHTS when it was trained
    word_cache: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False)

    def _char_columns(self, word: str) -> tuple[int, ...]:
        """The known character n-gram columns of one word (cached: chat repeats words)."""
        columns = self.word_cache.get(word)
        if columns is None:
            vocabulary = self.vocabulary[0]
            columns = tuple(vocabulary[g] for g in _char_grams(word) if g in vocabulary)
            if len(self.word_cache) >= _WORD_CACHE:
                self.word_cache.clear()
            self.word_cache[word] = columns
        return columns

    def vector(
        self, norm: str, kinds: Iterable[str]
    ) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
        """The columns of a message's known features and their weights (sublinear tf-idf,
        each block L2-normalised), exactly as the training matrix has them."""
        chars: Counter[int] = Counter()
        for word in norm.split():
            chars.update(self._char_columns(word))
        blocks = [chars]
        for vocabulary, counts in zip(
            self.vocabulary[1:], (_word_features(norm), _cue_features(kinds)), strict=True
        ):
            blocks.append(Counter({vocabulary[f]: n for f, n in counts.items() if f in vocabulary}))
        columns_of: list[NDArray[np.intp]] = []
        values_of: list[NDArray[np.float32]] = []
        for weight, block in zip(self.block_weights, blocks, strict=True):
            if not block:
                continue
            columns = np.fromiter(block.keys(), np.intp, len(block))
            tf = np.fromiter(block.values(), np.float32, len(block))
            weights = (1.0 + np.log(tf)) * self.idf[columns]
            scale = weight / np.sqrt(weights @ weights)
            columns_of.append(columns)
            values_of.append((weights * scale).astype(np.float32))
        if not columns_of:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32)
        return np.concatenate(columns_of), np.concatenate(values_of)

    def predict(self, norm: str, kinds: Iterable[str]) -> tuple[float, str]:
        """The probability that the message should be reported, and its likeliest category."""
        columns, values = self.vector(norm, kinds)
        score = float(self.coef[columns] @ values) + self.intercept
        p = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, score))))
        by_category = self.category_coef[:, columns] @ values + self.category_intercept
        return p, self.categories[int(np.argmax(by_category))]


def read_model(path: Path) -> Model:
    """The model stored at ``path`` (raises ``OSError``/``ValueError``/``KeyError``)."""
    with np.load(path, allow_pickle=False) as data:
        if int(data["format"]) != FORMAT:
            raise ValueError(f"{path.name}: format {data['format']}, expected {FORMAT}")
        vocabulary = []
        offset = 0
        for block in BLOCKS:
            names = [str(name) for name in data[f"vocabulary_{block}"]]
            vocabulary.append({name: offset + i for i, name in enumerate(names)})
            offset += len(names)
        coef = data["coef"].astype(np.float32)
        if len(coef) != offset or len(data["idf"]) != offset:
            raise ValueError(f"{path.name}: {len(coef)} weights for {offset} features")
        return Model(
            vocabulary=tuple(vocabulary),
            idf=data["idf"].astype(np.float32),
            coef=coef,
            intercept=float(data["intercept"]),
            categories=tuple(str(c) for c in data["categories"]),
            category_coef=data["category_coef"].astype(np.float32),
            category_intercept=data["category_intercept"].astype(np.float32),
            tuning_sha256=tuple(str(d) for d in data["tuning_sha256"]),
            block_weights=tuple(float(w) for w in data["block_weights"]),
        )


@cache
def _load(path: Path) -> Model | None:
    try:
        return read_model(path)
    except (OSError, ValueError, KeyError):
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


def model_score(norm: str, strong: frozenset[str]) -> tuple[float, str] | None:
    """The model's probability and category for a message, or ``None`` without a model."""
    model = load_model()
    return None if model is None else model.predict(norm, strong)


def model_hit(
    text: str,
    norm: str,
    strong: frozenset[str],
    cue_kinds: Callable[[], frozenset[str]],
    *,
    scored: tuple[float, str] | None = None,
) -> CrisisHit | None:
    """A report by the model alone for a message no rule reported, or ``None``. ``norm``
    is its normalised form, ``strong`` the kinds of the strong cues found in it, and
    ``cue_kinds`` finds every cue kind (asked only when the model would report and no
    strong cue opened the :func:`gate`); ``scored`` is :func:`model_score`'s answer when
    the caller has it. Nothing for a message of fewer than :data:`MIN_WORDS` words, or
    when the model cannot be read."""
    if len(text.split(maxsplit=MIN_WORDS)) < MIN_WORDS:
        return None
    if scored is None:
        scored = model_score(norm, strong)
        if scored is None:
            return None
    p, category = scored
    if p < THRESHOLD or not (gate(strong) or gate(cue_kinds())):
        return None
    usual = category_severity().get(category, "medium")
    severity = "high" if usual == "high" and p >= HIGH_THRESHOLD else "medium"
    return CrisisHit(category, f"{MODEL_TERM}{p:.2f}", "", severity)
