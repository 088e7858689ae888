"""Crisis-language detection for chat messages. Pure Python: no Django, no network.

:func:`detect` reports the worst crisis phrase in a message, or ``None``. It only reports:
the message is never changed or dropped, and callers decide what a hit does (show the writer
crisis resources, alert moderators).

Categories (:data:`CATEGORIES`): suicide, self_harm, harmed_by_others (abuse, threats against
the writer), harm_to_others (intent to hurt someone), immediate_danger (at a dangerous place
now, means at hand, a plan with a time), final_statements (goodbyes, giving things away) and
incitement (telling someone else to die: harassment, kept apart from harm_to_others because
it needs a moderator rather than a safeguarding response). Severity is per phrase.

The detector's parts, each a module of this package: :mod:`.rules` (categories, cue kinds,
the rules that combine cues, the hit), :mod:`.text` (how a message is read),
:mod:`.patterns` (the lexicons' pattern syntax), :mod:`.lexicon` (the TOML files),
:mod:`.trie` (patterns compiled into one expression per script), :mod:`.combine` (cues into
reports) and :mod:`.scanner` (a message scanned). This module is the front door:
:func:`detect` and :func:`preload`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from peerpath.safety.crisis.lexicon import (
    LEXICON_DIR,
    Lexicon,
    LexiconWarning,
    languages,
    lexicons,
    read_lexicon,
)
from peerpath.safety.crisis.patterns import Alternatives, expand, parse
from peerpath.safety.crisis.rules import (
    CATEGORIES,
    CUE_KINDS,
    NEAR,
    RANK,
    RULES,
    SEVERITIES,
    STRONG_KINDS,
    WINDOW,
    CrisisHit,
    Rule,
)
from peerpath.safety.crisis.scanner import Scanner, build_scanner
from peerpath.safety.crisis.text import VIETNAMESE, normalise, prepare, scripts_in, variants

__all__ = [
    "CATEGORIES",
    "CUE_KINDS",
    "LEXICON_DIR",
    "NEAR",
    "RULES",
    "SEVERITIES",
    "STRONG_KINDS",
    "WINDOW",
    "Alternatives",
    "CrisisHit",
    "Lexicon",
    "LexiconWarning",
    "Rule",
    "detect",
    "expand",
    "languages",
    "lexicons",
    "normalise",
    "parse",
    "preload",
    "read_lexicon",
]


@dataclass(frozen=True, slots=True)
class _Detector:
    plain: Scanner | None  # lexicons matched on accent-stripped text
    accented: Scanner | None  # accent-sensitive lexicons, matched on the accented text


@lru_cache(maxsize=64)
def _detector(codes: frozenset[str]) -> _Detector:
    selected = [lex for code, lex in lexicons().items() if code in codes]
    return _Detector(
        plain=build_scanner([lex for lex in selected if not lex.accents], accents=False),
        accented=build_scanner([lex for lex in selected if lex.accents], accents=True),
    )


@cache
def _all_codes() -> frozenset[str]:
    return frozenset(lexicons())


def _select(languages: Sequence[str] | None) -> frozenset[str]:
    """Known lexicon codes among ``languages`` ("pt-BR" counts as "pt"); all when none."""
    known = _all_codes()
    if languages is None:
        return known
    wanted = frozenset(re.split(r"[-_]", code.lower(), maxsplit=1)[0] for code in languages)
    return (wanted & known) or known


def preload() -> None:
    """Read the lexicons and compile the all-languages expressions now."""
    _detector(_all_codes())


def _scans(text: str, detector: _Detector) -> Iterator[CrisisHit | None]:
    prepared = prepare(text, strip=True)
    scripts = scripts_in(prepared)
    stripped = variants(prepared)
    if detector.plain is not None:
        for variant in stripped:
            yield detector.plain.scan(variant, scripts)
    if detector.accented is not None:
        accented = stripped
        if not text.isascii() and VIETNAMESE.search(text):
            accented = variants(prepare(text, strip=False))
        for variant in accented:
            yield detector.accented.scan(variant, scripts)


def detect(text: str, *, languages: Sequence[str] | None = None) -> CrisisHit | None:
    """The most severe crisis phrase in ``text``, or ``None``.

    ``languages=None`` tries every lexicon (messages are often not in the profile's
    language); otherwise only the given codes. Unknown codes are ignored, and when none is
    known every lexicon is used, so detection is never switched off by accident.
    """
    if not text or text.isspace():
        return None
    best: CrisisHit | None = None
    for hit in _scans(text, _detector(_select(languages))):
        if hit is not None and (best is None or RANK[hit.severity] > RANK[best.severity]):
            best = hit
            if hit.severity == "high":
                break
    return best
