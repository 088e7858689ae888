"""Feature encoding for the matching engine: goal/mentoring texts and weekly availability.

Everything here is pure NumPy and deterministic across processes and machines.

Text
    ``encode_text`` turns free text into a hashed bag-of-words vector (the "hashing trick"):
    the text is lower-cased, tokenised on ``[a-z0-9']+``, stripped of a small English
    stop-word list and lightly stemmed (a handful of English suffix rules, so that
    "sleeping", "sleeps" and "sleep" share a feature). Every remaining token is hashed with
    BLAKE2b (never Python's randomised ``hash()``) to a column in ``[0, dim)`` and a sign
    (signed hashing keeps collisions unbiased). Term frequencies are dampened sub-linearly
    (``1 + log tf``) and every row is L2-normalised, so the dot product of two rows is their
    cosine similarity; an empty text gives an all-zero row (similarity 0 with everything).

Availability
    A person's availability is a week of 168 one-hour slots, Monday 00:00 first. Users enter
    it in their local time; ``shift_availability`` rotates each row into UTC so that grids
    of people in different time zones can be compared slot by slot.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

__all__ = [
    "HOURS",
    "STOPWORDS",
    "availability_matrix",
    "encode_text",
    "shift_availability",
    "stem",
    "tokenize",
]

HOURS = 168
"""Slots in the weekly availability grid: one per hour, Monday 00:00 (UTC after shifting) first."""

_TOKEN_RE = re.compile(r"[a-z0-9']+")

STOPWORDS: frozenset[str] = frozenset(
    {
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "i'm",
        "i've",
        "i'd",
        "i'll",
        "it's",
        "don't",
        "can't",
        "im",
        "ive",
    }
)
"""A small English stop-word list; these tokens carry no signal about goals or style."""

# Suffix rules for the light stemmer, longest first: (suffix, replacement, minimum stem length).
_SUFFIXES: tuple[tuple[str, str, int], ...] = (
    ("ational", "ate", 3),
    ("fulness", "ful", 3),
    ("iveness", "ive", 3),
    ("ization", "ize", 3),
    ("ingly", "", 3),
    ("ments", "ment", 3),
    ("ness", "", 3),
    ("ings", "", 3),
    ("edly", "", 3),
    ("ies", "y", 2),
    ("ied", "y", 2),
    ("ing", "", 3),
    ("ers", "er", 3),
    ("ed", "", 3),
    ("s", "", 3),
)


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Strip one common English suffix ("coping" -> "cop", "worries" -> "worry").

    Deliberately crude (it is only used to make hashed features share inflections); a stem
    is never shorter than the rule's minimum, and a final "s" after "s", "u" or "i" stays
    ("stress", "anxious", "crisis").
    """
    token = token.strip("'")
    if token.endswith("'s"):
        token = token[:-2]
    for suffix, repl, min_stem in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= min_stem:
            if suffix == "s" and token[-2] in "sui":
                return token
            return token[: len(token) - len(suffix)] + repl
    return token


def tokenize(text: str) -> list[str]:
    """Lower-case, split on ``[a-z0-9']+``, drop stop words and stem what is left."""
    out: list[str] = []
    for raw in _TOKEN_RE.findall(text.lower()):
        if raw in STOPWORDS:
            continue
        tok = stem(raw)
        if tok and tok not in STOPWORDS:
            out.append(tok)
    return out


@lru_cache(maxsize=262144)
def _bucket(token: str, dim: int) -> tuple[int, float]:
    """Stable (column, sign) for a token: BLAKE2b, so identical in every process."""
    digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return (value >> 1) % dim, (1.0 if value & 1 else -1.0)


def encode_text(texts: Sequence[str], dim: int = 256) -> npt.NDArray[np.float32]:
    """Hashed, signed, sub-linear-tf bag of words; float32 ``(len(texts), dim)``, unit rows.

    Rows of empty (or stop-word-only) texts are all zero. Two texts' similarity is the dot
    product of their rows (their cosine).
    """
    if dim <= 0:
        raise ValueError("dim must be positive")
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, text in enumerate(texts):
        counts: dict[str, int] = {}
        for tok in tokenize(text or ""):
            counts[tok] = counts.get(tok, 0) + 1
        for tok in sorted(counts):  # sorted: accumulation order (hence rounding) is fixed
            col, sign = _bucket(tok, dim)
            rows.append(r)
            cols.append(col)
            vals.append(sign * (1.0 + math.log(counts[tok])))
    out = np.zeros((len(texts), dim), dtype=np.float64)
    if rows:
        np.add.at(out, (np.asarray(rows), np.asarray(cols)), np.asarray(vals))
    norms = np.sqrt(np.einsum("ij,ij->i", out, out))
    nz = norms > 0
    out[nz] /= norms[nz, None]
    return out.astype(np.float32)


def availability_matrix(strings: Sequence[str]) -> npt.NDArray[np.bool_]:
    """Parse '0'/'1' strings of length 168 into a bool ``(n, 168)`` matrix.

    Anything else (wrong length, other characters, empty, ``None``) gives an all-False row:
    a malformed grid never creates overlap.
    """
    out = np.zeros((len(strings), HOURS), dtype=np.bool_)
    for r, s in enumerate(strings):
        if isinstance(s, str) and len(s) == HOURS:
            raw = np.frombuffer(s.encode("ascii", "replace"), dtype=np.uint8)
            if np.all((raw == ord("0")) | (raw == ord("1"))):
                out[r] = raw == ord("1")
    return out


def shift_availability(
    local: npt.NDArray[np.bool_], utc_offset_hours: npt.ArrayLike
) -> npt.NDArray[np.bool_]:
    """Rotate each row's local-time weekly grid into UTC.

    At UTC offset ``+o``, local hour ``h`` is UTC hour ``h - o`` (mod 168), i.e. the row is
    rolled left by ``o``. Offsets are rounded to whole hours (the grid's resolution; +5:30
    becomes +6 by round-half-even, -9:30 becomes -10). Vectorised: one ``np.roll`` per
    distinct offset, applied to all rows with that offset at once.
    """
    grid = np.asarray(local, dtype=np.bool_)
    if grid.ndim != 2 or grid.shape[1] != HOURS:
        raise ValueError(f"availability must have shape (n, {HOURS})")
    offsets = np.rint(np.asarray(utc_offset_hours, dtype=np.float64)).astype(np.int64)
    offsets = np.broadcast_to(offsets, (grid.shape[0],))
    out = np.empty_like(grid)
    uniq, inverse = np.unique(offsets, return_inverse=True)
    for g, off in enumerate(uniq.tolist()):
        sel = inverse == g
        out[sel] = np.roll(grid[sel], -int(off), axis=1)
    return out
