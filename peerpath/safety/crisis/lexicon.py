"""Reading the lexicons: one TOML file per language, checked as it is read.

--------
One TOML file per language in ``lexicon/`` (``<code>.toml``)::

    language = "en"          # the code reported in CrisisHit.language
    name = "English"
    boundaries = true        # phrases match whole words; false for zh, ja, ko
    accents = false          # true: accented letters in a phrase must not match other
                             # accents (vi: suicide and "slowly" differ only in tones)
    prefixes = []            # clitics allowed before every phrase (Arabic "wa-", "fa-")
    [macros]                 # name = "pattern text", used as {name} inside patterns
    [[phrases]]              # category, severity, patterns = [...], unless = [cue kinds]
    [[cues]]                 # kind (one of CUE_KINDS), patterns = [...]
    [safe]                   # patterns = [...]: harmless idioms containing crisis phrases
"""

from __future__ import annotations

import itertools
import re
import tomllib
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from peerpath.safety.crisis.patterns import MAX_FIRST_WORDS, Item, parse, starts_of
from peerpath.safety.crisis.rules import CATEGORIES, CUE_KINDS, SEVERITIES

LEXICON_DIR: Final = Path(__file__).parent.parent / "lexicon"


# --- Lexicons -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Phrase:
    """A lexicon pattern with its category and severity."""

    category: str
    severity: str
    language: str
    pattern: str  # as written, macros substituted
    items: list[Item]
    unless: frozenset[str] = frozenset()  # cue kinds that, anywhere in the message, drop it


@dataclass(frozen=True, slots=True)
class Cue:
    """A lexicon pattern that is a signal, not a report: combinations of signals
    (:data:`RULES`) report, and a negation drops the phrase right after it."""

    kind: str
    language: str
    pattern: str
    items: list[Item]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """One language's phrases and safe idioms."""

    language: str
    name: str
    boundaries: bool
    accents: bool
    phrases: tuple[Phrase, ...]
    safe: tuple[list[Item], ...]
    cues: tuple[Cue, ...] = ()
    # The same pattern in two places ("cue resolve" and "cue plan"): see read_lexicon.
    clashes: tuple[str, ...] = ()


_MACRO: Final = re.compile(r"\{(\w+)\}")


def _substitute(pattern: str, macros: dict[str, str]) -> str:
    for _ in range(8):
        if "{" not in pattern:
            return pattern
        pattern = _MACRO.sub(lambda m: macros[m.group(1)], pattern)
    raise ValueError(f"macros nest too deeply in {pattern!r}")


def _parse_checked(pattern: str, where: str) -> list[Item]:
    items = parse(pattern)
    starts = list(itertools.islice(starts_of(items), MAX_FIRST_WORDS + 1))
    if len(starts) > MAX_FIRST_WORDS:
        raise ValueError(f"{where}: {pattern!r} has more than {MAX_FIRST_WORDS} first words")
    if any(not word and not rest for word, rest in starts):
        raise ValueError(f"{where}: {pattern!r} can match the empty string")
    return items


def read_lexicon(path: Path) -> Lexicon:
    """Parse and check one lexicon file."""
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    code = str(data["language"])
    if code != path.stem:
        raise ValueError(f"{path.name}: language {code!r} does not match the file name")
    macros = {str(k): str(v) for k, v in data.get("macros", {}).items()}
    prefixes = [str(p) for p in data.get("prefixes", [])]
    lead = "(" + "|".join([*prefixes, ""]) + ")" if prefixes else ""
    phrases: list[Phrase] = []
    for group in data.get("phrases", []):
        category, severity = str(group["category"]), str(group["severity"])
        if category not in CATEGORIES or severity not in SEVERITIES:
            raise ValueError(f"{path.name}: unknown category or severity {category}/{severity}")
        unless = frozenset(str(k) for k in group.get("unless", []))
        if not unless <= set(CUE_KINDS):
            raise ValueError(f"{path.name}: unknown cue kinds in unless: {sorted(unless)}")
        for raw in group["patterns"]:
            pattern = _substitute(str(raw), macros)
            items = _parse_checked(lead + pattern, path.name)
            phrases.append(Phrase(category, severity, code, pattern, items, unless))
    cues: list[Cue] = []
    for group in data.get("cues", []):
        kind = str(group["kind"])
        if kind not in CUE_KINDS or kind == "negated":
            raise ValueError(f"{path.name}: unknown cue kind {kind!r}")
        for raw in group["patterns"]:
            pattern = _substitute(str(raw), macros)
            cues.append(Cue(kind, code, pattern, _parse_checked(lead + pattern, path.name)))
    safe = tuple(
        _parse_checked(lead + _substitute(str(raw), macros), path.name)
        for raw in data.get("safe", {}).get("patterns", [])
    )
    clashes = _clashes(phrases, cues)
    if clashes:
        warnings.warn(f"{path.name}: {'; '.join(clashes)}", LexiconWarning, stacklevel=2)
    return Lexicon(
        language=code,
        name=str(data.get("name", code)),
        boundaries=bool(data.get("boundaries", True)),
        accents=bool(data.get("accents", False)),
        phrases=tuple(phrases),
        safe=safe,
        cues=tuple(cues),
        clashes=clashes,
    )


class LexiconWarning(UserWarning):
    """A lexicon that loads but says one thing twice (see :func:`read_lexicon`)."""


def _clashes(phrases: list[Phrase], cues: list[Cue]) -> tuple[str, ...]:
    """Patterns written the same in two places of one lexicon: under two cue kinds, or in
    two phrase groups (a phrase may also be a cue: they are scanned apart). A cue is
    reported under every kind it is listed under, but a rule needs its cues at places of
    their own, so such a pattern never combines with itself (no "resolve plan" from one
    "karar verdim"); of two phrase groups only the first counts. Say it once, under the
    kind that fits."""
    places: dict[str, set[str]] = {}
    for phrase in phrases:
        key = "phrase " + " ".join(phrase.pattern.split())
        places.setdefault(key, set()).add(f"phrase {phrase.category}/{phrase.severity}")
    for cue in cues:
        places.setdefault("cue " + " ".join(cue.pattern.split()), set()).add(f"cue {cue.kind}")
    return tuple(
        f"{pattern.partition(' ')[2]!r} under {' and '.join(sorted(where))}"
        for pattern, where in places.items()
        if len(where) > 1
    )


@cache
def lexicons() -> dict[str, Lexicon]:
    """Every lexicon in ``lexicon/``, read once, by language code."""
    return {p.stem: read_lexicon(p) for p in sorted(LEXICON_DIR.glob("*.toml"))}


def languages() -> tuple[str, ...]:
    """The language codes that have a lexicon."""
    return tuple(lexicons())
