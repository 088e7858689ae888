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
reports) and :mod:`.scanner` (a message scanned); :mod:`.model` is a learned second signal
(a linear model over words, character n-grams and cue kinds, stored as data and trained by
:mod:`.train`) asked when no rule reports; :mod:`.semantic` is a third signal for English
(a regression over a sentence embedding, :mod:`.embed`) asked when neither reports. This
module is the front door: :func:`detect` and :func:`preload`.
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
from peerpath.safety.crisis.model import MIN_WORDS, load_model, model_hit, model_score
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
from peerpath.safety.crisis.scanner import Scan, Scanner, build_scanner
from peerpath.safety.crisis.semantic import embed_hit, load_semantic
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
    "reading",
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
    """Read the lexicons, compile the all-languages expressions and read the models now."""
    _detector(_all_codes())
    load_model()
    load_semantic()


def _scans(text: str, prepared: str, stripped: list[str], detector: _Detector) -> Iterator[Scan]:
    scripts = scripts_in(prepared)
    if detector.plain is not None:
        for variant in stripped:
            yield detector.plain.read(variant, scripts)
    if detector.accented is not None:
        accented = stripped
        if not text.isascii() and VIETNAMESE.search(text):
            accented = variants(prepare(text, strip=False))
        for variant in accented:
            yield detector.accented.read(variant, scripts)


def _cue_kinds(text: str, prepared: str, norm: str) -> frozenset[str]:
    """Every cue kind of every lexicon in a message (the model's gate asks for them)."""
    detector = _detector(_all_codes())
    scripts = scripts_in(prepared)
    kinds: frozenset[str] = frozenset()
    if detector.plain is not None:
        kinds |= detector.plain.cue_kinds(norm, scripts)
    if detector.accented is not None:
        if not text.isascii() and VIETNAMESE.search(text):
            norm = variants(prepare(text, strip=False))[0]
        kinds |= detector.accented.cue_kinds(norm, scripts)
    return kinds


def reading(text: str) -> tuple[str, frozenset[str]]:
    """What the model reads of a message: its normalised form and the kinds of the strong
    cues of every lexicon found in it (the scanner looks for them in every message)."""
    prepared = prepare(text, strip=True)
    stripped = variants(prepared)
    strong = frozenset().union(
        *(scan.strong for scan in _scans(text, prepared, stripped, _detector(_all_codes())))
    )
    return stripped[0], strong


def detect(
    text: str, *, languages: Sequence[str] | None = None, embedding: bool = True
) -> CrisisHit | None:
    """The most severe crisis phrase in ``text``, or ``None``.

    ``languages=None`` tries every lexicon (messages are often not in the profile's
    language); otherwise only the given codes. Unknown codes are ignored, and when none is
    known every lexicon is used, so detection is never switched off by accident. When no
    rule reports and no phrase was cancelled (by a safe idiom or a negation), the model
    may (:func:`.model.model_hit`: ``term`` "model:0.93"; it reads the strong cues of the
    lexicons selected, and nothing is reported by it when its file cannot be read); when
    it does not, the embedding signal may (:func:`.semantic.embed_hit`, English messages of
    5+ words: ``term`` "embed:0.87"; ``embedding=False`` leaves it out, as its trainer
    needs).
    """
    if not text or text.isspace():
        return None
    prepared = prepare(text, strip=True)
    stripped = variants(prepared)
    best: CrisisHit | None = None
    cancelled = False
    strong: set[str] = set()
    for hit, dropped, kinds in _scans(text, prepared, stripped, _detector(_select(languages))):
        cancelled |= dropped
        strong |= kinds
        if hit is not None and (best is None or RANK[hit.severity] > RANK[best.severity]):
            best = hit
            if hit.severity == "high":
                break
    if best is None and not cancelled and len(text.split(maxsplit=MIN_WORDS)) >= MIN_WORDS:
        kinds = frozenset(strong)
        scored = model_score(stripped[0], kinds)
        if scored is None:  # no model: the rules alone (logged once)
            return None
        hit = model_hit(
            text,
            stripped[0],
            kinds,
            lambda: _cue_kinds(text, prepared, stripped[0]),
            scored=scored,
        )
        if hit is None and embedding:
            hit = embed_hit(text, scored)
        return hit
    return best
