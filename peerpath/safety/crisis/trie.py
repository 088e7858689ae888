"""The scanner's expressions: first words of patterns in character tries, one regular
expression per trie.

Speed
-----
Each pattern's first word is expanded (one entry per option of its leading alternatives)
into a character trie, one trie per script; the rest of the pattern hangs below its first
word, compiled straight from the pattern (no expansion), and ends in an empty group that
names the pattern (``match.lastindex``). Every trie becomes one regular expression, so a
message is normalised once and scanned once per script it contains, whatever the number of
languages: at a word start the engine rejects non-matching first letters in one step each.
Extra variants are scanned only when a message needs them (an ambiguous leetspeak "1" or
"|", a censoring "*", a lone "2"/"4", Vietnamese tone marks for the accent-sensitive lexicon).
A pattern with many first words and a long rest (``HEAD_MIN_SIZE``) would copy its rest
once per first word: its first words go to a small expression of whole words instead, and
its rest is compiled once and matched after the word. Cues are scanned in two passes: the
strong kinds (:data:`STRONG_KINDS`, one of which every rule needs) in one expression always;
only when a phrase or a strong cue was found (most messages have neither), every cue again
in two expressions per language (short common kinds such as targets and times apart), so
that no cue hides another language's cue, or a common one a specific one, that starts at
the same place (Polish "im" and English "i m alone"), and the weak kinds are found. In
those expressions the rests that hang below one first word are each tried in a lookahead
of their own (an empty group marks each one's end), so patterns of one language that
start with the same word report together. A typical 100-character message takes ~60 us
on every lexicon, a message with crisis cues a few hundred (``python -m
peerpath.safety.evaluate`` prints it); the lexicons compile in ~5-6 seconds once per
process (:func:`preload` at server start), nearly all of it the ``re`` module parsing
~1.4 MB of expressions (a pattern's rest is copied after each of its first words). The
expressions use plain word classes unless they hold Indic letters (a class with the
Indic range costs far more to compile), and a bounded trie checks the word end once
after all its patterns rather than after each.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Final, TypeAlias

from peerpath.safety.crisis.lexicon import Cue, Phrase
from peerpath.safety.crisis.patterns import (
    GAP,
    MARKER_RE,
    STAR,
    WORD_CHAR,
    WORD_EXTRA,
    WORD_START,
    WORD_STOP,
    Alternatives,
    Item,
    display,
    items_regex,
    start_tokens,
    starts_of,
)
from peerpath.safety.crisis.text import canonical, script_of

# --- The trie and its regular expression ------------------------------------------------


class _Node:
    __slots__ = ("children", "tails")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.tails: dict[str, int] = {}  # regex of the rest of a pattern -> leaf number


@dataclass(frozen=True, slots=True, eq=False)
class Leaf:
    phrase: Phrase | Cue
    start: str  # the raw first word of the pattern (one option of its alternatives)
    rest: list[Item]
    accents: bool
    # Cues of other kinds or languages with the very same pattern ("paracetamol" is a means
    # in several lexicons): each is reported, so every language's rules can use it.
    more: list[Cue] = field(default_factory=list)

    def term(self, text: str, start: int, end: int) -> str:
        """The concrete lexicon form behind a match, for people to read."""
        pattern, names = _explainer(self)
        match = pattern.fullmatch(text, start, end)
        if match is None:
            return self.phrase.pattern
        return " ".join((self.start + display(self.rest, match, names)).split())


@cache
def _compiled(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


_INDIC_CLASS: Final = f"[{WORD_EXTRA}]"
_INDIC: Final = re.compile(_INDIC_CLASS)


def plain_words(regex: str) -> str:
    """The expression with plain word classes when it holds no Indic letter: the Indic
    vowel signs (not ``\\w``) matter only next to Indic letters, and a range in a class
    costs much more to compile (most of the lexicons' compile time)."""
    plain = regex.replace(WORD_CHAR, "[^\\W_]").replace(f"[\\w{WORD_EXTRA}]", "\\w")
    return regex if _INDIC.search(plain) else plain


def _rest_letters(items: list[Item]) -> Iterator[str]:
    """The letters of pattern items, every option included."""
    for item in items:
        if isinstance(item, Alternatives):
            for option in item.options:
                yield from _rest_letters(option)
        elif item.isalpha():
            yield item


def is_large(items: list[Item], *, accents: bool) -> bool:
    size = 0
    for _start, rest in starts_of(items):
        size += len(items_regex(rest, accents=accents))
        if size >= HEAD_MIN_SIZE:
            return True
    return False


@lru_cache(maxsize=1024)
def _explainer(leaf: Leaf) -> tuple[re.Pattern[str], dict[tuple[int, int], str]]:
    """The leaf's pattern with a named group per option, to tell which options matched."""
    names: dict[tuple[int, int], str] = {}
    first = start_tokens(leaf.start, accents=leaf.accents)
    regex = "".join(first) + items_regex(leaf.rest, accents=leaf.accents, names=names, after=first)
    return re.compile(regex), names


@dataclass(frozen=True, slots=True, eq=False)
class Head:
    """A first word shared by large patterns: the rest of each is matched after it."""

    entries: list[tuple[Leaf, re.Pattern[str]]]


# A pattern with this many first words, each with a copy of the rest of the pattern in the
# trie, would make the expression (and its compile time) large: its first words go to a
# separate small expression, and the rest of the pattern is compiled once and matched after.
HEAD_MIN_SIZE: Final = 3000  # characters: first words x the rest's regular expression


# A compiled trie: its expression, the leaf behind each group number, and for a group of
# an ``every`` trie the groups of every pattern tried at the same place (see Trie._emit).
Expr: TypeAlias = (
    "tuple[re.Pattern[str], tuple[Leaf | Head | None, ...], dict[int, tuple[int, ...]]]"
)


class Trie:
    """First words of patterns in character tries (one per script and boundary kind); the
    rest of each pattern hangs below its first word as a tail (or, for a large pattern,
    is matched after it: :class:`Head`). ``every``: the rests that hang below one first
    word are all tried (lookaheads), so that no pattern hides another that starts with the
    same word (cue kinds of one language); otherwise the first that matches wins."""

    def __init__(self, *, accents: bool, every: bool = False) -> None:
        self.accents = accents
        self.every = every
        self.roots: dict[tuple[str, bool], _Node] = {}
        self.leaves: list[Leaf | Head | None] = []

    def add_head(self, items: list[Item], *, bounded: bool, phrase: Phrase) -> None:
        """Add a large pattern by the first word of each of its starts (a whole word: a
        trie of heads holds nothing else, so heads never hide each other); the rest of
        the start and of the pattern is compiled once and matched after the word."""
        for start, rest in starts_of(items):
            node = self._root(start, rest, bounded)
            first = start_tokens(start, accents=self.accents)
            gap = MARKER_RE[GAP]
            word = first[: first.index(gap)] if gap in first else first
            more = first[len(word) :]
            if not more and rest and rest[0] == STAR:  # "dad*": part of the word
                word, rest = [*word, MARKER_RE[STAR]], rest[1:]
            for token in [*word, WORD_STOP]:
                node = node.children.setdefault(token, _Node())
            if "" not in node.tails:
                node.tails[""] = len(self.leaves)
                self.leaves.append(Head([]))
            head = self.leaves[node.tails[""]]
            if not isinstance(head, Head):  # pragma: no cover - heads live in their own trie
                raise TypeError("a head trie holds heads only")
            tail = "".join(more) + items_regex(rest, accents=self.accents, after=first)
            head.entries.append(
                (
                    Leaf(phrase, start, rest, self.accents),
                    _compiled(plain_words(tail + (WORD_STOP if bounded else ""))),
                )
            )

    def _root(self, start: str, rest: list[Item], bounded: bool) -> _Node:
        """The root for a pattern's start: the script of its first letter. A start without
        a letter ("## tablets", "10 ...") goes with the script of the letters after it when
        they are of one other script (a message that matches holds letters of that script),
        else with Latin, whose expression is scanned for every message with a digit."""
        letter = canonical(start, strip=not self.accents)[:1]
        script = script_of(letter) if letter else "latin"
        if script == "latin" and not letter.isalpha():
            others = {script_of(ch) for ch in _rest_letters(rest)} - {"latin"}
            if len(others) == 1:
                script = others.pop()
        return self.roots.setdefault((script, bounded), _Node())

    def add(self, items: list[Item], *, bounded: bool, phrase: Phrase | Cue | None) -> None:
        for start, rest in starts_of(items):
            node = self._root(start, rest, bounded)
            first = start_tokens(start, accents=self.accents)
            for token in first:
                node = node.children.setdefault(token, _Node())
            tail = items_regex(rest, accents=self.accents, after=first)
            if tail not in node.tails:
                node.tails[tail] = len(self.leaves)
                self.leaves.append(Leaf(phrase, start, rest, self.accents) if phrase else None)
            elif isinstance(phrase, Cue):
                leaf = self.leaves[node.tails[tail]]
                if isinstance(leaf, Leaf) and isinstance(leaf.phrase, Cue):
                    known = {(c.kind, c.language) for c in (leaf.phrase, *leaf.more)}
                    if (phrase.kind, phrase.language) not in known:
                        leaf.more.append(phrase)

    def _emit(
        self, node: _Node, stop: str, order: list[int] | None, siblings: dict[int, tuple[int, ...]]
    ) -> str:
        # Children first (longer first words), then the tails, longest first; the first
        # words of large patterns (behind a word-end token) last, as they match at once.
        children = sorted(node.children.items(), key=lambda kv: kv[0] == WORD_STOP)
        alternatives = [
            t + self._emit(child, stop, order, siblings) for t, child in children if t != WORD_STOP
        ]
        tails = sorted(node.tails.items(), key=lambda kv: -len(kv[0]))
        if self.every and order is not None and len(tails) > 1:
            # Every tail in a lookahead of its own that may fail, its group set when it
            # matches; then at least one group must be set. The match ends after the first
            # word; each pattern's end is its group's position.
            groups: list[int] = []
            block = []
            for tail, leaf in tails:
                order.append(leaf)
                groups.append(len(order))
                block.append(f"(?:(?={tail}(){stop})|)")
            block.append("(?:" + "|".join(f"(?({g})|(?!))" for g in groups) + ")")
            siblings.update(dict.fromkeys(groups, tuple(groups)))
            alternatives.append("".join(block))
            tails = []
        for tail, leaf in tails:
            end = "" if isinstance(self.leaves[leaf], Head) else stop
            alternatives.append(tail + ("()" if order is not None else "") + end)
            if order is not None:
                order.append(leaf)
        alternatives += [
            t + self._emit(child, stop, order, siblings) for t, child in children if t == WORD_STOP
        ]
        if len(alternatives) == 1:
            return alternatives[0]
        return "(?:" + "|".join(alternatives) + ")"

    def scripts(self) -> list[str]:
        return list(dict.fromkeys(script for script, _ in self.roots))

    def compile(self, script: str | None, *, groups: bool) -> Expr | None:
        """One expression for the patterns that start in ``script`` (every script: None),
        the leaf behind each group number (each leaf is an empty group) and the siblings
        of each group tried at the same place (``every``)."""
        order: list[int] | None = [] if groups else None
        siblings: dict[int, tuple[int, ...]] = {}
        parts = []
        for (root_script, bounded), root in self.roots.items():
            if script is None or root_script == script:
                # Every pattern of a bounded root ends at a word end: one check after the
                # root instead of one per pattern (the same matches: regex alternatives
                # distribute over what follows them); not in an ``every`` trie, where
                # patterns end inside lookaheads.
                factor = bounded and not self.every
                body = self._emit(
                    root, WORD_STOP if bounded and not factor else "", order, siblings
                )
                parts.append(
                    (WORD_START if bounded else "")
                    + "(?:"
                    + body
                    + ")"
                    + (WORD_STOP if factor else "")
                )
        if not parts:
            return None
        leaves = (None, *(self.leaves[i] for i in order or ()))
        return _compiled(plain_words("|".join(parts))), leaves, siblings
