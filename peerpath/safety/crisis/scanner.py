"""One scanner per set of lexicons: phrases, cues and safe idioms found in a normalised
message, and the most severe report among them.

A hit is dropped when a safe idiom of the active languages overlaps it ("want to die of
embarrassment", "suicide prevention"), unless the idiom only opens a longer phrase, so an
idiom never hides a different phrase elsewhere in the message, nor a longer phrase that
starts with it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Final, NamedTuple, TypeAlias

from peerpath.safety.crisis.combine import (
    Signal,
    combine,
    inside_cue,
    is_negated,
    may_combine,
    vetoed,
)
from peerpath.safety.crisis.lexicon import Cue, Lexicon, Phrase
from peerpath.safety.crisis.rules import (
    ALWAYS_VETOES,
    COMMON_KINDS,
    NEGATION,
    RANK,
    STRONG_KINDS,
    VETOES,
    CrisisHit,
)
from peerpath.safety.crisis.trie import Expr, Head, Leaf, Trie, is_large

_SAFE_REACH: Final = 80  # how many characters before a hit a safe idiom may start


@dataclass(frozen=True, slots=True)
class Scanner:
    expressions: dict[str, Expr]  # by script
    heads: dict[str, Expr]  # by script
    strong: dict[str, Expr]  # cues, by script
    # Every cue, one expression per language and script ("latin:en").
    weak: dict[str, Expr]
    safe: re.Pattern[str] | None

    def _is_safe(self, text: str, start: int, end: int) -> bool:
        if self.safe is None:
            return False
        pos = max(0, start - _SAFE_REACH)
        while (m := self.safe.search(text, pos)) is not None and m.start() < end:
            # An idiom at the start of a longer phrase does not excuse it ("don t want to
            # die" opening "don t want to die, i just want the pain to stop").
            opening = m.start() == start and m.end() < end
            if m.end() > start and not opening:
                return True
            pos = m.start() + 1
        return False

    def _hit(
        self, text: str, leaf: Leaf, start: int, end: int, hits: _Hits, signals: list[Signal]
    ) -> bool:
        """Record a phrase match: dropped when a safe idiom overlaps it, a signal of kind
        "negated" when a negation precedes it (both: True, the phrase was cancelled), else
        a hit."""
        phrase = leaf.phrase
        if not isinstance(phrase, Phrase):  # pragma: no cover - cues are scanned apart
            raise TypeError("a phrase leaf holds a phrase")
        if self._is_safe(text, start, end):
            return True
        if is_negated(text, start, phrase.language, signals):
            signals.append(Signal("negated", start, end, text[start:end], phrase.language, phrase))
            return True
        hits.append((leaf, phrase, start, end))
        return False

    def scan(self, text: str, scripts: frozenset[str]) -> CrisisHit | None:
        """The most severe report in ``text`` (first on a tie): a phrase that no safe idiom
        overlaps, no negation precedes and no ``unless`` cue vetoes, or a combination of
        cues (:data:`RULES`)."""
        return self.read(text, scripts).hit

    def read(self, text: str, scripts: frozenset[str]) -> Scan:
        """:meth:`scan`, whether a phrase was cancelled (a safe idiom overlapped it or a
        negation preceded it: the model is not asked then) and the strong cue kinds found
        (the model reads them; see :func:`.detect`)."""
        found: list[tuple[Leaf, int, int]] = []
        for script, (pattern, leaves, _) in itertools.chain(
            self.expressions.items(), self.heads.items()
        ):
            if script not in scripts:
                continue
            pos = 0
            while (m := pattern.search(text, pos)) is not None:
                start, end = m.span()
                pos = start + 1  # a phrase may start inside another (one negated, one not)
                leaf = leaves[m.lastindex or 0]
                if isinstance(leaf, Head):  # a large pattern: match the rest of each
                    for entry, rest in leaf.entries:
                        if (tail := rest.match(text, end)) is not None:
                            found.append((entry, start, tail.end()))
                elif leaf is not None:
                    found.append((leaf, start, end))
        # Every rule needs a strong cue: weak ones (times, jokes, negations...) are looked
        # for only when a phrase or a strong cue is there (most messages have neither).
        signals = find_cues(self.strong, text, scripts)
        strong = frozenset(signal.kind for signal in signals)
        if not found and not signals:
            return Scan(None, cancelled=False, strong=strong)
        signals = find_cues(self.weak, text, scripts)  # every cue, language by language
        if any(s.kind in VETOES for s in signals):
            signals = [s for s in signals if s.kind not in VETOES or not inside_cue(s, signals)]
        # Safe idioms are checked only for cues that can matter (they are many and cheap).
        if signals and (NEGATION in {s.kind for s in signals} or may_combine(signals)):
            signals = [
                s for s in signals if s.kind in VETOES or not self._is_safe(text, s.start, s.end)
            ]
        signals.sort(key=lambda signal: signal.start)
        hits: list[tuple[Leaf, Phrase, int, int]] = []
        cancelled = False
        for leaf, start, end in found:
            cancelled |= self._hit(text, leaf, start, end, hits, signals)
        if not hits and not signals:
            return Scan(None, cancelled, strong)
        kinds = {signal.kind for signal in signals}
        best: CrisisHit | None = None
        best_rank = 0
        for leaf, phrase, start, end in hits:
            if RANK[phrase.severity] > best_rank and not vetoed(
                phrase.unless | ALWAYS_VETOES, phrase.language, signals
            ):
                term = leaf.term(text, start, end)
                best = CrisisHit(phrase.category, term, phrase.language, phrase.severity)
                best_rank = RANK[phrase.severity]
        if best_rank < RANK["high"] and len(kinds) > 1:
            combined = combine(signals, kinds, best_rank)
            if combined is not None:
                best = combined
        return Scan(best, cancelled, strong)

    def cue_kinds(self, text: str, scripts: frozenset[str]) -> frozenset[str]:
        """Every cue kind in ``text`` (any language; a veto inside a longer cue of another
        kind left out), and "safe" when a safe idiom occurs: the model's gate (:mod:`.model`)
        asks for them only when it would report. Cues alone report nothing here."""
        signals = find_cues(self.weak, text, scripts)
        if any(s.kind in VETOES for s in signals):
            signals = [s for s in signals if s.kind not in VETOES or not inside_cue(s, signals)]
        kinds = {s.kind for s in signals}
        if self.safe is not None and self.safe.search(text):
            kinds.add("safe")
        return frozenset(kinds)


class Scan(NamedTuple):
    """What :meth:`Scanner.read` found."""

    hit: CrisisHit | None
    cancelled: bool  # a phrase was dropped by a safe idiom or a negation
    strong: frozenset[str]  # the kinds of the strong cues found (scanned for every message)


def find_cues(
    expressions: dict[str, Expr],
    text: str,
    scripts: frozenset[str],
) -> list[Signal]:
    signals: list[Signal] = []
    for key, (pattern, leaves, siblings) in expressions.items():
        if key.partition(":")[0] not in scripts:  # "latin", or "latin:en" (one language)
            continue
        pos = 0
        while (m := pattern.search(text, pos)) is not None:
            start = m.start()
            pos = start + 1  # cues may overlap: every word start is tried
            group = m.lastindex or 0
            # Every pattern that matched here (siblings: the rests tried after one word).
            for g in siblings.get(group, (group,)):
                end = m.start(g)
                leaf = leaves[g]
                if end < 0 or not isinstance(leaf, Leaf) or not isinstance(leaf.phrase, Cue):
                    continue
                for cue in (leaf.phrase, *leaf.more):
                    signals.append(Signal(cue.kind, start, end, text[start:end], cue.language))
    if any(s.kind in VETOES and _one_letter(s.text) for s in signals):
        # A veto of one letter is no ordinary life: Portuguese "kkk" read as "k" ("que").
        signals = [s for s in signals if s.kind not in VETOES or not _one_letter(s.text)]
    return signals


def _one_letter(text: str) -> bool:
    return len(text) == 1 and text.isalpha()


_Hits: TypeAlias = "list[tuple[Leaf, Phrase, int, int]]"


def _by_script(trie: Trie) -> dict[str, Expr]:
    expressions = {}
    for script in trie.scripts():
        compiled = trie.compile(script, groups=True)
        if compiled is not None:
            expressions[script] = compiled
    return expressions


def build_scanner(selected: list[Lexicon], *, accents: bool) -> Scanner | None:
    phrases, heads = Trie(accents=accents), Trie(accents=accents)
    strong, safe = Trie(accents=accents), Trie(accents=accents)
    # Every cue again, in two expressions per language (the common kinds apart), scanned
    # only when a phrase or a strong cue is found: in one expression a match hides the other
    # cues that start at the same place (Polish "im" would hide English "i m alone", "my
    # cousin" as a target "my cousin can have my games"), and rules need one language.
    weak: dict[str, Trie] = {}
    for lex in selected:
        for phrase in lex.phrases:
            if is_large(phrase.items, accents=accents):
                heads.add_head(phrase.items, bounded=lex.boundaries, phrase=phrase)
            else:
                phrases.add(phrase.items, bounded=lex.boundaries, phrase=phrase)
        for cue in lex.cues:
            if cue.kind in STRONG_KINDS:
                strong.add(cue.items, bounded=lex.boundaries, phrase=cue)
            group = "common" if cue.kind in COMMON_KINDS else "specific"
            trie = weak.setdefault(f"{lex.language}:{group}", Trie(accents=accents, every=True))
            trie.add(cue.items, bounded=lex.boundaries, phrase=cue)
        for items in lex.safe:
            safe.add(items, bounded=lex.boundaries, phrase=None)
    expressions = _by_script(phrases)
    if not expressions:
        return None
    compiled_safe = safe.compile(None, groups=False)
    return Scanner(
        expressions,
        _by_script(heads),
        _by_script(strong),
        {
            f"{script}:{language}": compiled
            for language, trie in weak.items()  # language: "en:common"
            for script, compiled in _by_script(trie).items()
        },
        compiled_safe[0] if compiled_safe else None,
    )
