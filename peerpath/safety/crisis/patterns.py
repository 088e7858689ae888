"""Lexicon patterns: their syntax, parsed into items, and the regular expressions built
from them.

Pattern syntax, applied after the same normalisation as messages (:func:`normalise`: NFKC,
case, accents, zero-width characters, spaced-out letters, leetspeak "k1ll"/"$uicide"/"su!c!de",
repeated letters, commas and sentence punctuation between letters ("end. my. life"), and
text-speak: "gonna", "wanna", "u", "2nite", "rn"; a lone "2" or
"4" between words is read both as a number and as "to"/"for"):

* ``(a|b|)``: alternatives, nestable; an empty alternative makes the group optional;
* a space or hyphen: a word gap, matching spaces, hyphens, underscores or nothing
  ("kill myself", "kill-myself", "killmyself");
* ``*`` after a word: any continuation of that word (inflections);
* ``~``: up to three words; ``#``: a number; ``$``: the end of the message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Final, TypeAlias

from peerpath.safety.crisis.text import FOLD_MAP, canonical

# --- Patterns -----------------------------------------------------------------------------

GAP: Final = "\ue000"
STAR: Final = "\ue001"
TILDE: Final = "\ue002"
NUM: Final = "\ue003"
END: Final = "\ue004"
_SYNTAX: Final = {" ": GAP, "-": GAP, "*": STAR, "~": TILDE, "#": NUM, "$": END}
WORD_EXTRA: Final = "\u0900-\u0dff"  # Indic vowel signs are not \w but are part of words
WORD_CHAR: Final = rf"(?:[^\W_]|[{WORD_EXTRA}])"
MARKER_RE: Final = {
    GAP: " ?",  # messages have single spaces between words, hyphens and underscores too
    STAR: rf"{WORD_CHAR}*",
    TILDE: rf"(?:(?<![\w{WORD_EXTRA}])(?:{WORD_CHAR}+ ){{1,3}})?",  # whole words only
    NUM: r"\d+",
    END: r"(?=\W*$)",
}
_DISPLAY: Final = {GAP: " ", STAR: "*", TILDE: "...", NUM: "#", END: ""}
WORD_START: Final = rf"(?<![\w{WORD_EXTRA}])"
WORD_STOP: Final = rf"(?![\w{WORD_EXTRA}])"
MAX_FORMS: Final = 20_000  # guard for expand()
MAX_FIRST_WORDS: Final = 400  # guard: the first word of a pattern is expanded into the trie


class Alternatives:
    """``(a|b|)`` in a pattern: each option is a sequence of items."""

    __slots__ = ("options", "regex")

    def __init__(self, options: list[list[Item]]) -> None:
        self.options = options
        self.regex: dict[bool, str] = {}  # by accents: the group's regex, built once


Item: TypeAlias = "str | Alternatives"  # a character or syntax marker, or alternatives


def parse(pattern: str) -> list[Item]:
    """The items of a pattern; syntax characters become private-use markers."""
    pos = 0

    def sequence() -> list[Item]:
        nonlocal pos
        items: list[Item] = []
        while pos < len(pattern) and pattern[pos] not in "|)":
            ch = pattern[pos]
            pos += 1
            if ch != "(":
                items.append(_SYNTAX.get(ch, ch))
                continue
            options = [sequence()]
            while pos < len(pattern) and pattern[pos] == "|":
                pos += 1
                options.append(sequence())
            if pos >= len(pattern) or pattern[pos] != ")":
                raise ValueError(f"unbalanced parentheses in {pattern!r}")
            pos += 1
            items.append(Alternatives(options))
        return items

    items = sequence()
    if pos != len(pattern):
        raise ValueError(f"unbalanced parentheses in {pattern!r}")
    return items


def expand(pattern: str) -> list[str]:
    """Every concrete form of a pattern, as display text (for tests and tools)."""

    def forms(items: list[Item]) -> list[str]:
        out = [""]
        for item in items:
            if isinstance(item, Alternatives):
                options = [f for option in item.options for f in forms(option)]
            else:
                options = [_DISPLAY.get(item, item)]
            out = [a + b for a in out for b in options]
            if len(out) > MAX_FORMS:
                raise ValueError(f"{pattern!r} expands to more than {MAX_FORMS} forms")
        return out

    return list(dict.fromkeys(" ".join(f.split()) for f in forms(parse(pattern))))


def starts_of(items: list[Item]) -> Iterator[tuple[str, list[Item]]]:
    """Every way a pattern can start: (its first word, the items after it)."""
    if not items:
        yield "", []
        return
    head, rest = items[0], items[1:]
    if isinstance(head, Alternatives):
        for option in head.options:
            yield from starts_of(option + rest)
    elif head in MARKER_RE:
        yield "", items
    else:
        for word, tail in starts_of(rest):
            yield head + word, tail


def _accent_class(ch: str) -> str:
    """An accented letter matches itself and its forms with fewer marks ("u" for "u-horn")."""
    decomposed = unicodedata.normalize("NFD", ch)
    options = {ch}
    if len(decomposed) > 1:
        base = decomposed[0]
        options.add(base)
        options.update(unicodedata.normalize("NFC", base + mark) for mark in decomposed[1:])
    if len(FOLD_MAP.get(ch, "")) == 1:
        options.add(FOLD_MAP[ch])
    if len(options) == 1:
        return re.escape(ch)
    return "[" + "".join(sorted(options)) + "]"


def _tokens(text: str, *, accents: bool) -> list[str]:
    """Regex tokens for normalised literal text: one per character, spaces as gaps."""
    return list(_tokens_of(text, accents))


@lru_cache(maxsize=65536)
def _tokens_of(text: str, accents: bool) -> tuple[str, ...]:
    out: list[str] = []
    for ch in text:
        if ch.isspace() or ch in "-_":
            if not out or out[-1] != MARKER_RE[GAP]:
                out.append(MARKER_RE[GAP])
        elif accents:
            out.append(_accent_class(ch))
        else:
            out.append(re.escape(ch))
    return tuple(out)


def _fuse(tokens: list[str]) -> list[str]:
    """``a GAP a`` -> ``a (GAP a)?``: text glued at the gap ("wanttodie") collapsed to one."""
    gap = MARKER_RE[GAP]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if (
            tokens[i] == gap
            and 0 < i < len(tokens) - 1
            and tokens[i - 1] == tokens[i + 1]
            and tokens[i + 1] not in MARKER_RE.values()
        ):
            out.append(f"(?:{gap}{tokens[i + 1]})?")
            i += 2
            continue
        out.append(tokens[i])
        i += 1
    return out


def items_regex(
    items: list[Item],
    *,
    accents: bool,
    names: dict[tuple[int, int], str] | None = None,
    after: Sequence[str] = (),
) -> str:
    """The regex of pattern items; with ``names``, each option gets a named group.
    ``after``: the tokens that come before the items (a first word), for :func:`_fuse`."""
    parts: list[str] = list(after)
    run: list[str] = []

    def flush() -> None:
        if run:
            parts.extend(_tokens(canonical("".join(run), strip=not accents), accents=accents))
            run.clear()

    for item in items:
        if isinstance(item, Alternatives) and names is None:
            # A group follows many first words (a pattern's start is expanded): built once.
            flush()
            if (group := item.regex.get(accents)) is None:
                options = [items_regex(o, accents=accents) for o in item.options]
                group = item.regex[accents] = "(?:" + "|".join(options) + ")"
            parts.append(group)
        elif isinstance(item, Alternatives):
            flush()
            options = [items_regex(o, accents=accents, names=names) for o in item.options]
            if names is not None:
                for i, option in enumerate(options):
                    name = names[(id(item), i)] = f"a{len(names)}"
                    options[i] = f"(?P<{name}>{option})"
            parts.append("(?:" + "|".join(options) + ")")
        elif item in MARKER_RE:
            flush()
            parts.append(MARKER_RE[item])
        else:
            run.append(item)
    flush()
    return "".join(_fuse(parts)[len(after) :])


def display(items: list[Item], match: re.Match[str], names: dict[tuple[int, int], str]) -> str:
    out: list[str] = []
    for item in items:
        if isinstance(item, Alternatives):
            for i, option in enumerate(item.options):
                if match.group(names[(id(item), i)]) is not None:
                    out.append(display(option, match, names))
                    break
        else:
            out.append(_DISPLAY.get(item, item))
    return "".join(out)


def start_tokens(start: str, *, accents: bool) -> list[str]:
    return list(_start_tokens_of(start, accents))


@lru_cache(maxsize=65536)
def _start_tokens_of(start: str, accents: bool) -> tuple[str, ...]:
    return tuple(_fuse(_tokens(canonical(start, strip=not accents), accents=accents)))
