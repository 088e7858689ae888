"""How a message is read before any pattern sees it: :func:`normalise` (NFKC, case,
accents, zero-width characters, spaced-out letters, leetspeak "k1ll"/"$uicide"/"su!c!de",
repeated letters, commas and sentence punctuation between letters ("end. my. life"), and
text-speak: "gonna", "wanna", "u", "2nite", "rn"; a lone "2" or "4" between words is read
both as a number and as "to"/"for"), the :func:`variants` a message is scanned in, and the
scripts it holds (each script has an expression of its own).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Final

# --- Normalisation ------------------------------------------------------------------------

_INVISIBLE: Final = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f]"
)
_PUNCT_MAP: Final = {
    **dict.fromkeys("'`\u00b4\u02b9\u02bb\u02bc\u2018\u2019\u201b\u2032", " "),
    **dict.fromkeys('"\u201c\u201d\u201e\u00ab\u00bb', " "),  # quotes: 'said "bye guys"'
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "\u0640": "",  # Arabic tatweel
}
_PUNCT: Final = str.maketrans(_PUNCT_MAP)
_PUNCT_RX: Final = re.compile("[" + re.escape("".join(_PUNCT_MAP)) + "]")
# Combining marks removed when accents are stripped: Latin/Greek/Cyrillic accents, Arabic
# harakat and hamza, Hebrew points, and the optional Devanagari/Bengali nasal and nukta signs.
_MARKS: Final = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0901\u0902\u093c\u0981\u09bc\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
FOLD_MAP: Final = {
    "\u0142": "l",  # l with stroke
    "\u0111": "d",  # d with stroke
    "\u00f8": "o",
    "\u0131": "i",  # dotless i
    "\u00e6": "ae",
    "\u0153": "oe",
    "\u00fe": "th",
    "\u00f0": "d",
    "\u0127": "h",
    "\u0167": "t",
    "\u0140": "l",
    "\u0629": "\u0647",  # teh marbuta -> heh
    "\u0649": "\u064a",  # alef maksura -> yeh
    "\u06cc": "\u064a",  # Farsi yeh -> yeh
    "\u06a9": "\u0643",  # keheh -> kaf
    "\u06c1": "\u0647",  # heh goal -> heh
    "\u06be": "\u0647",  # heh doachashmee -> heh
    "\u06d5": "\u0647",  # ae -> heh
    "\u0671": "\u0627",  # alef wasla -> alef
}
_FOLD: Final = str.maketrans(FOLD_MAP)
_FOLD_RX: Final = re.compile("[" + "".join(FOLD_MAP) + "]")
# Cyrillic and Greek letters that look Latin, folded only inside words that mix scripts.
_CONFUSABLE: Final = str.maketrans(
    "\u0430\u0435\u043a\u043e\u0440\u0441\u0443\u0445\u0456\u0457\u0458\u0455\u0501\u04bb"
    "\u04cf\u051b\u051d\u03b1\u03b5\u03b9\u03ba\u03bf\u03c1\u03c4\u03c5\u03bd\u03c7",
    "aekopcyxiijsdhlqwaeikoptuvx",
)
_NON_LATIN_LOOKALIKE: Final = re.compile("[\u0370-\u052f]")
_LATIN: Final = re.compile("[a-z]")
_WORD: Final = re.compile(r"\w+")

_SEP: Final = r"[\s.\-_*\u00b7\u2022~/\\]"
_LETTER: Final = r"(?:[^\W_]|[@$|])"  # disjoint from _SEP, so joining stays linear
_SPACED: Final = re.compile(rf"(?<![\w@$|])(?:{_LETTER}{_SEP}+){{2,}}{_LETTER}(?![\w@$|])")
_SEP_RX: Final = re.compile(_SEP)
_CENSOR: Final = re.compile(r"(?<=[^\W\d_])\*+(?=[^\W\d_])")
_LEET_GATE: Final = re.compile(r"[a-z][0-9@$|+]|[0-9@$!|+][a-z]")
# Words that contain a digit or symbol (matched from a word start only, so scans are linear).
_LEET_TOKEN: Final = re.compile(r"(?<![a-z0-9@$!|+])(?=[a-z0-9@$!|+]*[0-9@$!|+])[a-z0-9@$!|+]+")
_LEET_MAIN: Final = str.maketrans("013457@$!|+", "oieastasilt")
_LEET_ALT: Final = str.maketrans("013457@$!|+", "oleastaslit")  # 1 and ! as l, | as i
# Repeated letters read once, but Portuguese laughter "kkkk" stays "kkk" (a lone "k" is
# Spanish "que"): _REPEAT_AS keeps the first group three times, the others once.
_REPEAT: Final = re.compile(r"(k)k{2,}|([^k])\2+|(k)k", re.DOTALL)
_REPEAT_AS: Final = r"\1\1\1\2\3"
# Text-speak, read as the words it stands for (patterns are read the same way, so "wanna"
# in a pattern and "want to" in a message meet). Only forms that are not ordinary words in
# a lexicon language; "2" and "4" between words are read both ways (see variants).
_TEXTSPEAK_MAP: Final = {
    **dict.fromkeys(("u", "yu", "yoo"), "you"),
    **dict.fromkeys(("ur", "yor"), "your"),
    **dict.fromkeys(("urself", "uself", "yourslef", "yoself", "yaself"), "yourself"),
    **dict.fromkeys(("myslef", "meself", "mself", "mysef", "mysel", "myselfe"), "myself"),
    **dict.fromkeys(("gonna", "gona", "gunna", "gnna", "finna", "boutta", "bouta"), "going to"),
    **dict.fromkeys(("wanna", "wana", "wannna", "wnna", "wanan"), "want to"),
    **dict.fromkeys(("tryna", "trna"), "trying to"),
    "gotta": "got to",
    **dict.fromkeys(("imma", "ima gonna"), "i m going to"),
    **dict.fromkeys(("2nite", "2night", "tonite", "tonit", "2nyt", "tonyt", "2nt"), "tonight"),
    **dict.fromkeys(("2day", "tdy"), "today"),
    **dict.fromkeys(
        ("2moro", "2morrow", "2mrw", "tmrw", "tmr", "tomoz", "tmrrw", "2mro"), "tomorrow"
    ),
    **dict.fromkeys(("4ever", "4eva", "foreva", "forevr", "4evr"), "forever"),
    "b4": "before",
    "rn": "right now",
    **dict.fromkeys(("bc", "cuz", "coz", "cos", "bcuz", "bcoz", "becuz", "bcs"), "because"),
    **dict.fromkeys(("pls", "plz", "plez", "pleas"), "please"),
    **dict.fromkeys(("ppl", "ppls"), "people"),
    **dict.fromkeys(("sum1", "some1", "sumone"), "someone"),
    **dict.fromkeys(("no1", "noone", "nobdy", "nobody1"), "no one"),
    **dict.fromkeys(("every1", "evry1", "evryone", "evry one"), "everyone"),
    "any1": "anyone",
    **dict.fromkeys(("ded", "dedd"), "dead"),
    "im": "i m",
    "ive": "i ve",
    **dict.fromkeys(("dont", "dnt"), "don t"),
    "cant": "can t",
    "wont": "won t",
    "didnt": "didn t",
    "doesnt": "doesn t",
    "isnt": "isn t",
    "wasnt": "wasn t",
    "wouldnt": "wouldn t",
    "couldnt": "couldn t",
    "shouldnt": "shouldn t",
    "aint": "ain t",
    "youre": "you re",
    "theyre": "they re",
    "thats": "that s",
    "whats": "what s",
    "theres": "there s",
    "everyones": "everyone s",
    "yall": "you all",
    "idk": "i don t know",
    "wat": "what",
    "abt": "about",
    "bout": "about",
    "thru": "through",
    "nite": "night",
    "luv": "love",
    "ty": "thank you",
    "thx": "thanks",
    "sry": "sorry",
    "srry": "sorry",
    "gbye": "goodbye",
    "goodby": "goodbye",
    "byebye": "bye bye",
}


def _trie_regex(words: list[str]) -> str:
    """An alternation of literal words as a character trie (one branch per first letter)."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        options = [re.escape(ch) + emit(child) for ch, child in node.items() if ch]
        if "" in node:
            options.append("")
        return options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"

    return emit(tree)


_TEXTSPEAK_RX: Final = re.compile(
    r"(?<![\w@$|])" + _trie_regex(sorted(_TEXTSPEAK_MAP)) + r"(?![\w@$|])"
)
_TEXTSPEAK_GATE: Final = re.compile(r"[a-z0-9]")
# "want 2 die", "4 ever": a lone 2 or 4 between words is read as "to" / "for" (and as a
# number, in the other variant: "took 4 pills").
_NUMBER_WORD: Final = re.compile(r"(?<=[a-z] )[24](?= [a-z])")
_NUMBER_WORDS: Final = {"2": "to", "4": "for"}


def _textspeak(s: str) -> str:
    if not _TEXTSPEAK_GATE.search(s):
        return s
    return _TEXTSPEAK_RX.sub(lambda m: _TEXTSPEAK_MAP[m.group()], s)


_SPACES: Final = re.compile(r"\s*[,;]+\s*|\s{2,}|[^\S ]")  # commas read as a word gap
# Sentence punctuation between two letters is a word gap too, so a phrase broken up for
# effect still reads as one ("end. my. life", "kill...myself", "i want out. permanently");
# between digits it is kept ("4.30", "2.5mg").
# A "!" glued between letters is leetspeak for "i" ("k!ll"), so it counts only before a space.
_STOPS: Final = re.compile(
    r"(?<=[^\W\d_])\s*(?:[.?\u2026\u3002][.!?\u2026\u3002]*|!+[.!?\u2026\u3002]*(?=\s))\s*"
    r"(?=[^\W\d_])"
)
_TO_SPACE: Final = str.maketrans("-_", "  ")


def prepare(text: str, *, strip: bool) -> str:
    """NFKC, invisible characters out, casefold, apostrophes to spaces, accents (optional)."""
    if text.isascii():
        return text.lower().translate(_PUNCT)
    s = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    s = _PUNCT_RX.sub(lambda m: _PUNCT_MAP[m.group()], s)
    if strip:
        s = unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFD", s)))
        if _FOLD_RX.search(s):
            s = s.translate(_FOLD)
    else:
        s = unicodedata.normalize("NFC", s)
    if _NON_LATIN_LOOKALIKE.search(s) and _LATIN.search(s):
        s = _WORD.sub(_unconfuse, s)
    return s


def _unconfuse(m: re.Match[str]) -> str:
    word = m.group()
    if _NON_LATIN_LOOKALIKE.search(word) and _LATIN.search(word):
        return word.translate(_CONFUSABLE)
    return word


_UNIT: Final = re.compile(
    r"\d+(?:st|nd|rd|th|s|am|pm|k|km|kms|m|h|hr|hrs|min|mins|x|yo|yr|yrs|kg|lbs|mg|ml)"
)


def _deleet_token(token: str, table: dict[int, int]) -> str:
    head = token.rstrip("!+")  # trailing "!" and "+" are punctuation, not letters
    if not _LATIN.search(head) or _UNIT.fullmatch(head):
        return token  # a number ("10th", "30mg", "4.30pm!"), not a word
    return head.translate(table) + token[len(head) :]


def _deleet(s: str, table: dict[int, int]) -> str:
    return _LEET_TOKEN.sub(lambda m: _deleet_token(m.group(), table), s)


def variants(prepared: str) -> list[str]:
    """The forms of a prepared message to scan: spaced letters joined, leetspeak undone."""
    s = _SPACED.sub(lambda m: _SEP_RX.sub("", m.group()), prepared).translate(_TO_SPACE)
    if "." in s or "!" in s or "?" in s or "\u2026" in s or "\u3002" in s:
        s = _STOPS.sub(" ", s)
    s = _textspeak(_SPACES.sub(" ", s))
    bases = [s]
    if _NUMBER_WORD.search(s):
        bases.append(_NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[m.group()], s))
    if "*" in s and _CENSOR.search(s):
        bases += [_CENSOR.sub(vowel, s) for vowel in "iuaeo"]
    out: list[str] = []
    for base in bases:
        if _LEET_GATE.search(base):
            out.append(_deleet(base, _LEET_MAIN))
            out.append(_deleet(base, _LEET_ALT))
        else:
            out.append(base)
    return list(dict.fromkeys(_REPEAT.sub(_REPEAT_AS, v) for v in out))


def normalise(text: str) -> str:
    """The main normalised form of a message, as phrases see it (accents stripped)."""
    return variants(prepare(text, strip=True))[0]


# Each script gets its own expression, scanned only when a message contains that script.
_SCRIPTS: Final = {
    "latin": "a-z\u00c0-\u024f\u1e00-\u1eff",
    "cyrillic": "\u0370-\u052f",
    "arabic": "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff",
    "indic": "\u0900-\u0dff",
}
_OTHER: Final = "other"  # CJK, kana, hangul and everything else
_SCRIPT_RX: Final = {name: re.compile(f"[{chars}]") for name, chars in _SCRIPTS.items()}
_OTHER_RX: Final = re.compile(
    "[^\\x00-\\x7f\u0080-\u00bf\u2000-\u206f" + "".join(_SCRIPTS.values()) + "]"
)
_LATIN_ONLY: Final = frozenset({"latin"})
# Letters only Vietnamese uses (a-breve, d-stroke, o/u-horn, tone-marked vowels): only then
# is a second, accent-keeping pass for the accent-sensitive lexicons worth its cost.
VIETNAMESE: Final = re.compile(
    "[\u0102\u0103\u0110\u0111\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9\u031b\u0309\u0323]"
)


def script_of(ch: str) -> str:
    if "0" <= ch <= "9":
        return "latin"  # a pattern that starts with a number ("18 ...") is scanned with Latin
    for name, rx in _SCRIPT_RX.items():
        if rx.match(ch):
            return name
    return _OTHER


def scripts_in(text: str) -> frozenset[str]:
    if text.isascii():
        return _LATIN_ONLY
    found = {name for name, rx in _SCRIPT_RX.items() if rx.search(text)}
    if _OTHER_RX.search(text):
        found.add(_OTHER)
    if "latin" not in found and _DIGIT.search(text):
        found.add("latin")  # patterns that start with a number ("## tablets") live there
    return frozenset(found)


_DIGIT: Final = re.compile("[0-9]")


@lru_cache(maxsize=65536)
def canonical(run: str, *, strip: bool) -> str:
    """Pattern text normalised like a message (without joining spaced letters)."""
    return _REPEAT.sub(_REPEAT_AS, _deleet(_textspeak(prepare(run, strip=strip)), _LEET_MAIN))
