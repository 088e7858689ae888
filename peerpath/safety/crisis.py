"""Crisis-language detection for chat messages. Pure Python: no Django, no network.

:func:`detect` reports the worst crisis phrase in a message, or ``None``. It only reports:
the message is never changed or dropped, and callers decide what a hit does (show the writer
crisis resources, alert moderators).

Categories (:data:`CATEGORIES`): suicide, self_harm, harmed_by_others (abuse, threats against
the writer), harm_to_others (intent to hurt someone), immediate_danger (at a dangerous place
now, means at hand, a plan with a time), final_statements (goodbyes, giving things away) and
incitement (telling someone else to die: harassment, kept apart from harm_to_others because
it needs a moderator rather than a safeguarding response). Severity is per phrase.

People describe danger without naming it, so besides phrases a lexicon lists **cues**:
words that are no report alone ("on the bridge", "right now", "tonight", "the pills",
"goodbye", "forever"). :data:`RULES` combine cue kinds within :data:`WINDOW` characters and
one language ("place + here", "means + ready", "goodbye + finality", "violence + target +
weapon") and are vetoed by cues of ordinary life ("see you tomorrow", "with my friends",
"lol", "in fortnite", "he ate my fries"); a phrase group may name such vetoes too
(``unless``). Round 2 added cue kinds for danger described indirectly and concretely
(see :data:`CUE_KINDS` for examples; any lexicon may list cues of these kinds):

* suicide: ``resolve`` (a decision taken: "already decided", "not scared anymore") with
  ``alone``, ``finality``, ``means``, ``method``, ``plan``, ``hint``, ``giveaway``,
  ``farewell``, ``goodbye``, ``place`` or ``height``, or with a ``time`` only within
  :data:`NEAR` characters and with no ``future``/``trivial`` veto in its language (see
  "Decisions" below); ``method`` ("painless ways", "lethal
  dose") with ``research`` ("googling"), ``means``, ``height``, ``ready``, ``hint``, ``time``,
  ``place`` or ``plan``; ``hint`` (a veiled purpose: "not for shaving", "you know why") with
  ``means``, ``height``, ``plan`` or ``place``; ``plan`` + ``place``;
* self-harm: ``injury`` (marks, cuts, blood) or ``selfharm`` (a hurting act on one's own
  body: "bit my arm") with ``conceal`` ("nobody knows"), ``purpose`` ("on purpose"),
  ``relief`` ("calms me down") or each other; ``selfharm`` + ``act``; ``means`` +
  ``conceal``; ``injury`` + ``alone`` is immediate danger;
* harmed by others: ``minor`` ("i m 13") with ``secret``, ``sexual`` or ``adult`` (grooming);
  ``sexual`` with ``secret`` or ``threat`` ("if i don t", sextortion); ``adult`` + ``secret``;
  ``intruder`` ("someone is breaking in") with ``alone`` or ``weapon`` (immediate danger);
* harm to others: ``revenge`` ("they ll pay") with ``weapon``, ``time``, ``plan``, ``means``,
  ``stalk`` or ``violence``; ``stalk`` ("i know his routine") with ``weapon`` or
  ``violence``; ``weapon`` + ``target`` + ``time``;
* final statements: ``bequest`` ("she can have my guitar") with ``giveaway``, ``finality``,
  ``farewell`` or ``goodbye``; ``giveaway`` with ``farewell`` or ``plan``.

How cues combine (round 3):

* a rule's cues are all of one language and each at a place of its own: two cues that
  start at the same word (a pattern listed under two kinds, "i m 13" inside "i m 13 and
  alone") are one signal and never combine with each other;
* every cue kind that matches at a place is reported: patterns of one language that start
  with the same word do not hide each other (nor do other languages' cues, scanned apart);
* a veto (``future``, ``joke``, ``game``, ``trivial``, and a phrase's ``unless``) cancels
  only rules and phrases of its own language (Turkish "maç" is not German "mach"), never
  matches a single letter (the Portuguese laughter "kkkk" is read as "kkk", not as the
  Spanish "k" for "que"), and is ignored inside a longer cue of another kind ("shaving" in
  "not for shaving", "pics" in "asking me for pics");
* a combination that would report immediate danger reports harm to others when a violent
  verb names a person right after it ("the knife is ready, i ll stab him").

Decisions (``resolve``), the convention for every lexicon: a resolve cue is a decision
taken *about dying or about the state of the writer*, said without an ordinary object:
"decision made", "my mind is made up", "it s decided", "no going back now", "not a cry
for help", "made peace with it", "not scared anymore". A form that usually takes an
object ("i decided", "j ai décidé", "ich habe entschieden") is a resolve cue only if the
lexicon also lists the ordinary things people decide as ``future`` vetoes (therapy, a
course, telling the parents, an appointment, a new job), because with a time it reports.
A decision reports with ``alone``, ``means``, ``method``, ``place``, ``height``,
``finality``, ``plan``, ``hint``, ``giveaway``, ``farewell`` or ``goodbye`` anywhere in
:data:`WINDOW`; with a ``time`` only within :data:`NEAR` characters ("decided. sunday
night") and never with an everyday-plan veto of its language. A decision is neither a
``plan`` nor an ``act``: do not list the same pattern under those kinds too (the lexicon
test fails on a pattern listed under two kinds, see :func:`read_lexicon`).

A **negation** cue right before a phrase, in the phrase's language, drops it
("i would never kill myself", "no quiero morir"), but a negated phrase next to a means, a
place, a plan or a time is still reported (medium): in crisis screening a missed message
costs more than a moderator's minute.

Lexicons
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

A hit is dropped when a safe idiom of the active languages overlaps it ("want to die of
embarrassment", "suicide prevention"), unless the idiom only opens a longer phrase, so an
idiom never hides a different phrase elsewhere in the message, nor a longer phrase that
starts with it.

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

import itertools
import re
import tomllib
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Final, TypeAlias

LEXICON_DIR: Final = Path(__file__).with_name("lexicon")
CATEGORIES: Final = (
    "suicide",
    "self_harm",
    "harmed_by_others",
    "harm_to_others",
    "immediate_danger",
    "final_statements",
    "incitement",
)
SEVERITIES: Final = ("high", "medium")
_RANK: Final = {"medium": 1, "high": 2}
_SAFE_REACH: Final = 80  # how many characters before a hit a safe idiom may start

# Cues: words that are no report alone but signal danger together (lexicon ``[[cues]]``).
CUE_KINDS: Final = (
    "negation",  # "never", "not going to", "no": drops the phrase right after it
    "negated",  # (not in lexicons) a phrase that a negation dropped
    "means",  # pills, a rope, a gun, a razor, bleach
    "ready",  # at hand or prepared: "in my hand", "saved up", "is ready", "bought"
    "place",  # a dangerous place: "on the bridge", "at the tracks", "on the ledge"
    "here",  # the writer is there now: "i m on", "standing on", "right now", "up here"
    "height",  # "12th floor", "so high up", "looking down": a drop, dangerous with an act
    "approach",  # a vehicle coming: "when the train comes", "next train in 4 mins"
    "time",  # "tonight", "at midnight", "this weekend"
    "alone",  # unseen: "after everyone s asleep", "when no one s home", "locked myself in"
    "act",  # doing the deed: "do it", "go through with it", "jump", "take them all"
    "plan",  # "i have a plan", "the date is set", "i know how i ll do it"
    "goodbye",  # "goodbye", "bye everyone", "this is goodbye"
    "farewell",  # last words: "i love you all", "thank you for everything", "forgive me"
    "finality",  # "forever", "last message", "won t be here", "anymore", "at peace"
    "giveaway",  # "giving away my things", "take care of my cat for me"
    "future",  # plans that deny finality: "see you tomorrow", "brb", "for now"
    "violence",  # "stab", "shoot", "kill", "hurt", "beat up"
    "target",  # a person: "him", "her", "my stepdad", "people at school"
    "weapon",  # "a knife", "my dad s gun", "a bat"
    "joke",  # "lol", "haha", "jk", a laughing emoji
    "trivial",  # a trivial reason for a violent idiom: "he ate my fries", "for borrowing"
    "game",  # "in fortnite", "the final boss": violence in a game
    # Round 2 (danger described indirectly): decisions, research, hiding, grooming, revenge.
    "resolve",  # a decision taken, no object: "already decided", "made my mind up", "decision
    #             made", "no going back", "i m ready now", "not a cry for help"
    "method",  # a way to die looked for or chosen: "painless ways", "which method", "lethal
    #            dose", "how much is too much", "survive the fall", "bleed out", "should be plenty"
    "research",  # looking it up: "googling", "looked up", "searched", "asked chatgpt", "forums"
    "hint",  # a veiled purpose: "you know why", "not for shaving", "i know what it s for",
    #          "asking for a reason", "genuine question", "nobody knows what it means"
    "injury",  # self-inflicted marks: "cuts on my thighs", "my wrists are a mess", "teeth marks",
    #            "the burns", "see blood", "reopening the cuts"
    "selfharm",  # a hurting act on one's own body: "bit my arm", "pressed my hand on the hob",
    #              "slam my fist into the door", "scratching my arms"
    "conceal",  # hiding it: "nobody knows", "so no one sees", "long sleeves in summer", "hid",
    #             "so my mum doesn t find out", "nobody noticed"
    "purpose",  # on purpose: "on purpose", "deliberately", "as punishment", "i deserve it"
    "relief",  # it helps: "felt better", "calms me down", "the only thing that works"
    "minor",  # the writer is a child: "i m 13", "im only 14", "year 9"
    "adult",  # an adult in the picture: "he s 28", "a 35 year old", "a grown man", "my coach"
    "secret",  # secrecy demanded: "our secret", "between us", "told me not to tell my parents"
    "sexual",  # sexual demands: "asking me for pics", "my nudes", "sleep with him", "meet me alone"
    "threat",  # a condition with a threat: "if i don t", "unless i", "or else", "if i tell"
    "revenge",  # "they ll pay", "he s going to learn", "will regret it", "he s done"
    "stalk",  # watching a target: "following him home", "know his routine", "his bus"
    "intruder",  # an attacker at hand: "someone downstairs", "kicking the door", "breaking in"
    "bequest",  # handing on: "she can have my", "goes to my cousin", "i want you to have my"
)
WINDOW: Final = 200  # characters: the cues of a combination must lie this close together
NEAR: Final = 30  # characters: a closer window for rules whose cues are common alone


@dataclass(frozen=True, slots=True)
class Rule:
    """A combination of cue kinds that reports, unless a cue of an ``unless`` kind is in
    the message. Category "negated": the negated phrase's own category."""

    kinds: frozenset[str]
    category: str
    severity: str
    unless: frozenset[str] = frozenset()
    window: int = WINDOW  # characters: how close together the cues must lie


def _rule(
    kinds: str,
    category: str,
    severity: str,
    unless: str = "future joke game",
    window: int = WINDOW,
) -> Rule:
    return Rule(frozenset(kinds.split()), category, severity, frozenset(unless.split()), window)


# Universal (every language's cues combine); the most severe rule that applies wins.
RULES: Final = (
    # Immediate danger: at a dangerous place now, means at hand, a plan with a time.
    _rule("place here", "immediate_danger", "high"),
    _rule("place time", "immediate_danger", "high"),
    _rule("place act", "immediate_danger", "high"),
    _rule("place goodbye", "immediate_danger", "high"),
    _rule("place finality", "immediate_danger", "high"),
    _rule("place height", "immediate_danger", "high"),
    _rule("height act", "immediate_danger", "high"),
    _rule("height goodbye", "immediate_danger", "high"),
    _rule("height farewell", "immediate_danger", "high"),
    _rule("height finality", "immediate_danger", "high"),
    _rule("approach act", "immediate_danger", "high"),
    _rule("means ready", "immediate_danger", "high"),
    _rule("means act", "immediate_danger", "high"),
    _rule("means alone", "immediate_danger", "high"),
    _rule("means plan", "immediate_danger", "high"),
    _rule("means time here", "immediate_danger", "high"),
    _rule("plan time", "immediate_danger", "high"),
    _rule("plan alone", "immediate_danger", "high"),
    _rule("plan act", "immediate_danger", "high"),
    _rule("act alone", "immediate_danger", "high"),
    _rule("plan farewell", "immediate_danger", "high"),
    _rule("plan place", "immediate_danger", "high"),
    _rule("means time", "immediate_danger", "medium"),
    # Final statements: a goodbye with finality, giving things away.
    _rule("goodbye finality", "final_statements", "high"),
    _rule("goodbye farewell", "final_statements", "high"),
    _rule("farewell finality", "final_statements", "high"),
    _rule("farewell act", "final_statements", "high"),
    _rule("farewell means", "final_statements", "high"),
    _rule("farewell alone", "final_statements", "high"),
    _rule("farewell place", "immediate_danger", "high"),
    _rule("goodbye act", "final_statements", "high"),
    _rule("goodbye means", "final_statements", "high"),
    _rule("goodbye alone", "final_statements", "high"),
    _rule("giveaway finality", "final_statements", "high"),
    _rule("giveaway goodbye", "final_statements", "high"),
    # Harm to others: violence against a person with a weapon, a time or a plan.
    _rule("violence target weapon", "harm_to_others", "high", "joke game trivial"),
    _rule("violence target plan", "harm_to_others", "high", "joke game trivial"),
    _rule("violence target time", "harm_to_others", "high", "joke game trivial"),
    _rule("weapon target here", "harm_to_others", "high", "joke game trivial future"),
    _rule("weapon target act", "harm_to_others", "high", "joke game trivial"),
    # A weapon carried for a person ("a bat in my bag for when i see him").
    _rule("weapon target ready", "harm_to_others", "high", "joke game trivial future"),
    # Round 2: decisions, research, veiled purposes (suicide and means).
    _rule("resolve alone", "suicide", "high"),
    _rule("resolve finality", "suicide", "high"),
    _rule("resolve means", "suicide", "high"),
    _rule("resolve method", "suicide", "high"),
    _rule("resolve plan", "suicide", "high"),
    _rule("resolve hint", "suicide", "high"),
    _rule("resolve giveaway", "final_statements", "high"),
    _rule("resolve farewell", "final_statements", "high"),
    _rule("resolve goodbye", "final_statements", "high"),
    _rule("resolve place", "immediate_danger", "high"),
    _rule("resolve height", "immediate_danger", "high"),
    # A decision with a time only when the time is near it and no everyday plan is in the
    # message ("decided. sunday night" but not "decided tonight to tell my parents, see you").
    _rule("resolve time", "suicide", "high", "future joke game trivial", window=NEAR),
    _rule("method research", "suicide", "high"),
    _rule("method plan", "suicide", "high"),
    _rule("method means", "suicide", "high"),
    _rule("method height", "suicide", "high"),
    _rule("method ready", "suicide", "high"),
    _rule("method hint", "suicide", "high"),
    _rule("method time", "suicide", "high"),
    _rule("method place", "suicide", "high"),
    _rule("hint means", "immediate_danger", "high", "joke game"),
    _rule("hint height", "suicide", "high"),
    _rule("hint plan", "suicide", "high"),
    _rule("hint place", "suicide", "high"),
    # Self-harm by its effects, its acts and their concealment.
    _rule("injury conceal", "self_harm", "medium"),
    _rule("injury purpose", "self_harm", "medium"),
    _rule("injury relief", "self_harm", "medium"),
    _rule("injury selfharm", "self_harm", "medium"),
    _rule("selfharm purpose", "self_harm", "medium"),
    _rule("selfharm relief", "self_harm", "medium"),
    _rule("selfharm conceal", "self_harm", "medium"),
    _rule("selfharm act", "self_harm", "medium"),
    _rule("means conceal", "self_harm", "medium"),
    _rule("injury alone", "immediate_danger", "high"),
    # Harmed by others: grooming, sextortion, an attacker at hand.
    _rule("minor secret", "harmed_by_others", "high", "joke"),
    _rule("minor sexual", "harmed_by_others", "high", "joke"),
    _rule("minor adult", "harmed_by_others", "medium", "joke"),
    _rule("adult secret", "harmed_by_others", "medium", "joke"),
    _rule("sexual secret", "harmed_by_others", "high", "joke"),
    _rule("sexual threat", "harmed_by_others", "high", "joke"),
    _rule("intruder alone", "immediate_danger", "high", "game joke"),
    _rule("intruder weapon", "immediate_danger", "high", "game joke"),
    # Harm to others: revenge or watching a target, with a weapon, a time or a plan.
    _rule("revenge weapon", "harm_to_others", "high", "joke game trivial"),
    _rule("revenge time", "harm_to_others", "high", "joke game trivial"),
    _rule("revenge plan", "harm_to_others", "high", "joke game trivial"),
    _rule("revenge means", "harm_to_others", "high", "joke game trivial"),
    _rule("revenge stalk", "harm_to_others", "high", "joke game trivial"),
    _rule("revenge violence", "harm_to_others", "high", "joke game trivial"),
    _rule("stalk weapon", "harm_to_others", "high", "joke game trivial"),
    _rule("stalk violence", "harm_to_others", "high", "joke game trivial"),
    # Watching a target with a decision taken ("i know his schedule. nothing left to lose").
    _rule("stalk resolve", "harm_to_others", "high", "joke game trivial"),
    _rule("weapon target time", "harm_to_others", "high", "joke game trivial"),
    # Final statements: handing things on.
    _rule("bequest giveaway", "final_statements", "high"),
    _rule("bequest finality", "final_statements", "high"),
    _rule("bequest farewell", "final_statements", "high"),
    _rule("bequest goodbye", "final_statements", "high"),
    _rule("giveaway farewell", "final_statements", "high"),
    _rule("giveaway plan", "final_statements", "high"),
    # A negated phrase ("i won t kill myself") next to a sign of danger is still reported.
    _rule("negated means", "negated", "medium", ""),
    _rule("negated place", "negated", "medium", ""),
    _rule("negated plan", "negated", "medium", ""),
    _rule("negated alone", "negated", "medium", ""),
    _rule("negated goodbye", "negated", "medium", "future"),
    _rule("negated time", "negated", "medium", "future"),
)


_RULES_WITHOUT_NEGATED: Final = tuple(rule for rule in RULES if "negated" not in rule.kinds)


@dataclass(frozen=True, slots=True)
class CrisisHit:
    """A crisis phrase, or a combination of danger signals, found in a message."""

    category: str  # one of CATEGORIES
    # The lexicon phrase that matched, as written there (one concrete form); for a
    # combination, the signals' text joined with " + " ("on the bridge + right now").
    term: str
    language: str  # the lexicon's language code (a combination: its first signal's)
    severity: str  # "high" | "medium"

    @property
    def concerns_writer(self) -> bool:
        """Whether the writer may be at risk or in crisis, so they are offered help lines
        (incitement, telling someone to die, puts someone else at risk; a writer who means
        to hurt someone is offered help lines too: they name the emergency number)."""
        return self.category != "incitement"

    @property
    def concerns_others(self) -> bool:
        """Whether someone other than the writer may be at risk."""
        return self.category in ("harm_to_others", "incitement")


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
_FOLD_MAP: Final = {
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
_FOLD: Final = str.maketrans(_FOLD_MAP)
_FOLD_RX: Final = re.compile("[" + "".join(_FOLD_MAP) + "]")
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
# a lexicon language; "2" and "4" between words are read both ways (see _variants).
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


def _prepare(text: str, *, strip: bool) -> str:
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


def _variants(prepared: str) -> list[str]:
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
    return _variants(_prepare(text, strip=True))[0]


# --- Patterns -----------------------------------------------------------------------------

_GAP: Final = "\ue000"
_STAR: Final = "\ue001"
_TILDE: Final = "\ue002"
_NUM: Final = "\ue003"
_END: Final = "\ue004"
_SYNTAX: Final = {" ": _GAP, "-": _GAP, "*": _STAR, "~": _TILDE, "#": _NUM, "$": _END}
_WORD_EXTRA: Final = "\u0900-\u0dff"  # Indic vowel signs are not \w but are part of words
_WORD_CHAR: Final = rf"(?:[^\W_]|[{_WORD_EXTRA}])"
_MARKER_RE: Final = {
    _GAP: " ?",  # messages have single spaces between words, hyphens and underscores too
    _STAR: rf"{_WORD_CHAR}*",
    _TILDE: rf"(?:(?<![\w{_WORD_EXTRA}])(?:{_WORD_CHAR}+ ){{1,3}})?",  # whole words only
    _NUM: r"\d+",
    _END: r"(?=\W*$)",
}
_DISPLAY: Final = {_GAP: " ", _STAR: "*", _TILDE: "...", _NUM: "#", _END: ""}
_START: Final = rf"(?<![\w{_WORD_EXTRA}])"
_STOP: Final = rf"(?![\w{_WORD_EXTRA}])"
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


def _split(items: list[Item]) -> Iterator[tuple[str, list[Item]]]:
    """Every way a pattern can start: (its first word, the items after it)."""
    if not items:
        yield "", []
        return
    head, rest = items[0], items[1:]
    if isinstance(head, Alternatives):
        for option in head.options:
            yield from _split(option + rest)
    elif head in _MARKER_RE:
        yield "", items
    else:
        for word, tail in _split(rest):
            yield head + word, tail


@lru_cache(maxsize=65536)
def _canonical(run: str, *, strip: bool) -> str:
    """Pattern text normalised like a message (without joining spaced letters)."""
    return _REPEAT.sub(_REPEAT_AS, _deleet(_textspeak(_prepare(run, strip=strip)), _LEET_MAIN))


def _accent_class(ch: str) -> str:
    """An accented letter matches itself and its forms with fewer marks ("u" for "u-horn")."""
    decomposed = unicodedata.normalize("NFD", ch)
    options = {ch}
    if len(decomposed) > 1:
        base = decomposed[0]
        options.add(base)
        options.update(unicodedata.normalize("NFC", base + mark) for mark in decomposed[1:])
    if len(_FOLD_MAP.get(ch, "")) == 1:
        options.add(_FOLD_MAP[ch])
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
            if not out or out[-1] != _MARKER_RE[_GAP]:
                out.append(_MARKER_RE[_GAP])
        elif accents:
            out.append(_accent_class(ch))
        else:
            out.append(re.escape(ch))
    return tuple(out)


def _fuse(tokens: list[str]) -> list[str]:
    """``a GAP a`` -> ``a (GAP a)?``: text glued at the gap ("wanttodie") collapsed to one."""
    gap = _MARKER_RE[_GAP]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if (
            tokens[i] == gap
            and 0 < i < len(tokens) - 1
            and tokens[i - 1] == tokens[i + 1]
            and tokens[i + 1] not in _MARKER_RE.values()
        ):
            out.append(f"(?:{gap}{tokens[i + 1]})?")
            i += 2
            continue
        out.append(tokens[i])
        i += 1
    return out


def _regex(
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
            parts.extend(_tokens(_canonical("".join(run), strip=not accents), accents=accents))
            run.clear()

    for item in items:
        if isinstance(item, Alternatives) and names is None:
            # A group follows many first words (a pattern's start is expanded): built once.
            flush()
            if (group := item.regex.get(accents)) is None:
                options = [_regex(o, accents=accents) for o in item.options]
                group = item.regex[accents] = "(?:" + "|".join(options) + ")"
            parts.append(group)
        elif isinstance(item, Alternatives):
            flush()
            options = [_regex(o, accents=accents, names=names) for o in item.options]
            if names is not None:
                for i, option in enumerate(options):
                    name = names[(id(item), i)] = f"a{len(names)}"
                    options[i] = f"(?P<{name}>{option})"
            parts.append("(?:" + "|".join(options) + ")")
        elif item in _MARKER_RE:
            flush()
            parts.append(_MARKER_RE[item])
        else:
            run.append(item)
    flush()
    return "".join(_fuse(parts)[len(after) :])


def _display(items: list[Item], match: re.Match[str], names: dict[tuple[int, int], str]) -> str:
    out: list[str] = []
    for item in items:
        if isinstance(item, Alternatives):
            for i, option in enumerate(item.options):
                if match.group(names[(id(item), i)]) is not None:
                    out.append(_display(option, match, names))
                    break
        else:
            out.append(_DISPLAY.get(item, item))
    return "".join(out)


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
    starts = list(itertools.islice(_split(items), MAX_FIRST_WORDS + 1))
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


# --- The trie and its regular expression ------------------------------------------------


class _Node:
    __slots__ = ("children", "tails")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.tails: dict[str, int] = {}  # regex of the rest of a pattern -> leaf number


@dataclass(frozen=True, slots=True, eq=False)
class _Leaf:
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
        return " ".join((self.start + _display(self.rest, match, names)).split())


@cache
def _compiled(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


_INDIC_CLASS: Final = f"[{_WORD_EXTRA}]"
_INDIC: Final = re.compile(_INDIC_CLASS)


def _plain_words(regex: str) -> str:
    """The expression with plain word classes when it holds no Indic letter: the Indic
    vowel signs (not ``\\w``) matter only next to Indic letters, and a range in a class
    costs much more to compile (most of the lexicons' compile time)."""
    plain = regex.replace(_WORD_CHAR, "[^\\W_]").replace(f"[\\w{_WORD_EXTRA}]", "\\w")
    return regex if _INDIC.search(plain) else plain


def _rest_letters(items: list[Item]) -> Iterator[str]:
    """The letters of pattern items, every option included."""
    for item in items:
        if isinstance(item, Alternatives):
            for option in item.options:
                yield from _rest_letters(option)
        elif item.isalpha():
            yield item


def _is_large(items: list[Item], *, accents: bool) -> bool:
    size = 0
    for _start, rest in _split(items):
        size += len(_regex(rest, accents=accents))
        if size >= HEAD_MIN_SIZE:
            return True
    return False


@lru_cache(maxsize=1024)
def _explainer(leaf: _Leaf) -> tuple[re.Pattern[str], dict[tuple[int, int], str]]:
    """The leaf's pattern with a named group per option, to tell which options matched."""
    names: dict[tuple[int, int], str] = {}
    first = _start_tokens(leaf.start, accents=leaf.accents)
    regex = "".join(first) + _regex(leaf.rest, accents=leaf.accents, names=names, after=first)
    return re.compile(regex), names


def _start_tokens(start: str, *, accents: bool) -> list[str]:
    return list(_start_tokens_of(start, accents))


@lru_cache(maxsize=65536)
def _start_tokens_of(start: str, accents: bool) -> tuple[str, ...]:
    return tuple(_fuse(_tokens(_canonical(start, strip=not accents), accents=accents)))


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
_VIETNAMESE: Final = re.compile(
    "[\u0102\u0103\u0110\u0111\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9\u031b\u0309\u0323]"
)


def _script(ch: str) -> str:
    if "0" <= ch <= "9":
        return "latin"  # a pattern that starts with a number ("18 ...") is scanned with Latin
    for name, rx in _SCRIPT_RX.items():
        if rx.match(ch):
            return name
    return _OTHER


def _scripts_in(text: str) -> frozenset[str]:
    if text.isascii():
        return _LATIN_ONLY
    found = {name for name, rx in _SCRIPT_RX.items() if rx.search(text)}
    if _OTHER_RX.search(text):
        found.add(_OTHER)
    if "latin" not in found and _DIGIT.search(text):
        found.add("latin")  # patterns that start with a number ("## tablets") live there
    return frozenset(found)


_DIGIT: Final = re.compile("[0-9]")


@dataclass(frozen=True, slots=True, eq=False)
class _Head:
    """A first word shared by large patterns: the rest of each is matched after it."""

    entries: list[tuple[_Leaf, re.Pattern[str]]]


# A pattern with this many first words, each with a copy of the rest of the pattern in the
# trie, would make the expression (and its compile time) large: its first words go to a
# separate small expression, and the rest of the pattern is compiled once and matched after.
HEAD_MIN_SIZE: Final = 3000  # characters: first words x the rest's regular expression


# A compiled trie: its expression, the leaf behind each group number, and for a group of
# an ``every`` trie the groups of every pattern tried at the same place (see _Trie._emit).
_Expr: TypeAlias = (
    "tuple[re.Pattern[str], tuple[_Leaf | _Head | None, ...], dict[int, tuple[int, ...]]]"
)


class _Trie:
    """First words of patterns in character tries (one per script and boundary kind); the
    rest of each pattern hangs below its first word as a tail (or, for a large pattern,
    is matched after it: :class:`_Head`). ``every``: the rests that hang below one first
    word are all tried (lookaheads), so that no pattern hides another that starts with the
    same word (cue kinds of one language); otherwise the first that matches wins."""

    def __init__(self, *, accents: bool, every: bool = False) -> None:
        self.accents = accents
        self.every = every
        self.roots: dict[tuple[str, bool], _Node] = {}
        self.leaves: list[_Leaf | _Head | None] = []

    def add_head(self, items: list[Item], *, bounded: bool, phrase: Phrase) -> None:
        """Add a large pattern by the first word of each of its starts (a whole word: a
        trie of heads holds nothing else, so heads never hide each other); the rest of
        the start and of the pattern is compiled once and matched after the word."""
        for start, rest in _split(items):
            node = self._root(start, rest, bounded)
            first = _start_tokens(start, accents=self.accents)
            gap = _MARKER_RE[_GAP]
            word = first[: first.index(gap)] if gap in first else first
            more = first[len(word) :]
            if not more and rest and rest[0] == _STAR:  # "dad*": part of the word
                word, rest = [*word, _MARKER_RE[_STAR]], rest[1:]
            for token in [*word, _STOP]:
                node = node.children.setdefault(token, _Node())
            if "" not in node.tails:
                node.tails[""] = len(self.leaves)
                self.leaves.append(_Head([]))
            head = self.leaves[node.tails[""]]
            if not isinstance(head, _Head):  # pragma: no cover - heads live in their own trie
                raise TypeError("a head trie holds heads only")
            tail = "".join(more) + _regex(rest, accents=self.accents, after=first)
            head.entries.append(
                (
                    _Leaf(phrase, start, rest, self.accents),
                    _compiled(_plain_words(tail + (_STOP if bounded else ""))),
                )
            )

    def _root(self, start: str, rest: list[Item], bounded: bool) -> _Node:
        """The root for a pattern's start: the script of its first letter. A start without
        a letter ("## tablets", "10 ...") goes with the script of the letters after it when
        they are of one other script (a message that matches holds letters of that script),
        else with Latin, whose expression is scanned for every message with a digit."""
        letter = _canonical(start, strip=not self.accents)[:1]
        script = _script(letter) if letter else "latin"
        if script == "latin" and not letter.isalpha():
            others = {_script(ch) for ch in _rest_letters(rest)} - {"latin"}
            if len(others) == 1:
                script = others.pop()
        return self.roots.setdefault((script, bounded), _Node())

    def add(self, items: list[Item], *, bounded: bool, phrase: Phrase | Cue | None) -> None:
        for start, rest in _split(items):
            node = self._root(start, rest, bounded)
            first = _start_tokens(start, accents=self.accents)
            for token in first:
                node = node.children.setdefault(token, _Node())
            tail = _regex(rest, accents=self.accents, after=first)
            if tail not in node.tails:
                node.tails[tail] = len(self.leaves)
                self.leaves.append(_Leaf(phrase, start, rest, self.accents) if phrase else None)
            elif isinstance(phrase, Cue):
                leaf = self.leaves[node.tails[tail]]
                if isinstance(leaf, _Leaf) and isinstance(leaf.phrase, Cue):
                    known = {(c.kind, c.language) for c in (leaf.phrase, *leaf.more)}
                    if (phrase.kind, phrase.language) not in known:
                        leaf.more.append(phrase)

    def _emit(
        self, node: _Node, stop: str, order: list[int] | None, siblings: dict[int, tuple[int, ...]]
    ) -> str:
        # Children first (longer first words), then the tails, longest first; the first
        # words of large patterns (behind a word-end token) last, as they match at once.
        children = sorted(node.children.items(), key=lambda kv: kv[0] == _STOP)
        alternatives = [
            t + self._emit(child, stop, order, siblings) for t, child in children if t != _STOP
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
            end = "" if isinstance(self.leaves[leaf], _Head) else stop
            alternatives.append(tail + ("()" if order is not None else "") + end)
            if order is not None:
                order.append(leaf)
        alternatives += [
            t + self._emit(child, stop, order, siblings) for t, child in children if t == _STOP
        ]
        if len(alternatives) == 1:
            return alternatives[0]
        return "(?:" + "|".join(alternatives) + ")"

    def scripts(self) -> list[str]:
        return list(dict.fromkeys(script for script, _ in self.roots))

    def compile(self, script: str | None, *, groups: bool) -> _Expr | None:
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
                body = self._emit(root, _STOP if bounded and not factor else "", order, siblings)
                parts.append(
                    (_START if bounded else "") + "(?:" + body + ")" + (_STOP if factor else "")
                )
        if not parts:
            return None
        leaves = (None, *(self.leaves[i] for i in order or ()))
        return _compiled(_plain_words("|".join(parts))), leaves, siblings


@dataclass(frozen=True, slots=True)
class _Signal:
    """A cue found in a message (a negated phrase is one too, of kind "negated")."""

    kind: str
    start: int
    end: int
    text: str
    language: str
    phrase: Phrase | None = None  # for "negated": the phrase that the negation dropped


@dataclass(frozen=True, slots=True)
class _Scanner:
    expressions: dict[str, _Expr]  # by script
    heads: dict[str, _Expr]  # by script
    strong: dict[str, _Expr]  # cues, by script
    # Every cue, one expression per language and script ("latin:en").
    weak: dict[str, _Expr]
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
        self, text: str, leaf: _Leaf, start: int, end: int, hits: _Hits, signals: list[_Signal]
    ) -> None:
        """Record a phrase match: dropped when a safe idiom overlaps it, a signal of kind
        "negated" when a negation precedes it, else a hit."""
        phrase = leaf.phrase
        if not isinstance(phrase, Phrase):  # pragma: no cover - cues are scanned apart
            raise TypeError("a phrase leaf holds a phrase")
        if self._is_safe(text, start, end):
            return
        if _negated(text, start, phrase.language, signals):
            signals.append(_Signal("negated", start, end, text[start:end], phrase.language, phrase))
        else:
            hits.append((leaf, phrase, start, end))

    def scan(self, text: str, scripts: frozenset[str]) -> CrisisHit | None:
        """The most severe report in ``text`` (first on a tie): a phrase that no safe idiom
        overlaps, no negation precedes and no ``unless`` cue vetoes, or a combination of
        cues (:data:`RULES`)."""
        found: list[tuple[_Leaf, int, int]] = []
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
                if isinstance(leaf, _Head):  # a large pattern: match the rest of each
                    for entry, rest in leaf.entries:
                        if (tail := rest.match(text, end)) is not None:
                            found.append((entry, start, tail.end()))
                elif leaf is not None:
                    found.append((leaf, start, end))
        # Every rule needs a strong cue: weak ones (times, jokes, negations...) are looked
        # for only when a phrase or a strong cue is there (most messages have neither).
        signals = _cues(self.strong, text, scripts)
        if not found and not signals:
            return None
        signals = _cues(self.weak, text, scripts)  # every cue, language by language
        if any(s.kind in _VETOES for s in signals):
            signals = [s for s in signals if s.kind not in _VETOES or not _inside_cue(s, signals)]
        # Safe idioms are checked only for cues that can matter (they are many and cheap).
        if signals and (_NEGATION in {s.kind for s in signals} or _may_combine(signals)):
            signals = [
                s for s in signals if s.kind in _VETOES or not self._is_safe(text, s.start, s.end)
            ]
        signals.sort(key=lambda signal: signal.start)
        hits: list[tuple[_Leaf, Phrase, int, int]] = []
        for leaf, start, end in found:
            self._hit(text, leaf, start, end, hits, signals)
        if not hits and not signals:
            return None
        kinds = {signal.kind for signal in signals}
        best: CrisisHit | None = None
        best_rank = 0
        for leaf, phrase, start, end in hits:
            if _RANK[phrase.severity] > best_rank and not _vetoed(
                phrase.unless, phrase.language, signals
            ):
                term = leaf.term(text, start, end)
                best = CrisisHit(phrase.category, term, phrase.language, phrase.severity)
                best_rank = _RANK[phrase.severity]
        if best_rank < _RANK["high"] and len(kinds) > 1:
            combined = _combine(signals, kinds, best_rank)
            if combined is not None:
                best = combined
        return best


_NEGATION: Final = "negation"
# Cue kinds of which every rule has at least one (checked at import).
STRONG_KINDS: Final = frozenset(
    {"means", "place", "height", "plan", "act", "goodbye", "farewell", "giveaway"}
    | {"violence", "weapon", "negated"}
    | {"resolve", "method", "injury", "selfharm", "secret", "sexual", "revenge", "stalk"}
    | {"intruder", "bequest", "minor"}
)
if not all(rule.kinds & STRONG_KINDS for rule in RULES):  # pragma: no cover
    raise ValueError("every rule needs a strong cue kind")


def _cues(
    expressions: dict[str, _Expr],
    text: str,
    scripts: frozenset[str],
) -> list[_Signal]:
    signals: list[_Signal] = []
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
                if end < 0 or not isinstance(leaf, _Leaf) or not isinstance(leaf.phrase, Cue):
                    continue
                for cue in (leaf.phrase, *leaf.more):
                    signals.append(_Signal(cue.kind, start, end, text[start:end], cue.language))
    if any(s.kind in _VETOES and _one_letter(s.text) for s in signals):
        # A veto of one letter is no ordinary life: Portuguese "kkk" read as "k" ("que").
        signals = [s for s in signals if s.kind not in _VETOES or not _one_letter(s.text)]
    return signals


def _one_letter(text: str) -> bool:
    return len(text) == 1 and text.isalpha()


_Hits: TypeAlias = "list[tuple[_Leaf, Phrase, int, int]]"
_VETOES: Final = frozenset(kind for rule in RULES for kind in rule.unless)


# Short, frequent cue kinds, scanned apart from the others so they hide none of them.
_COMMON_KINDS: Final = frozenset(
    {"target", "here", "time", "future", "joke", "trivial", "game", "negation", "violence"}
)


def _inside_cue(veto: _Signal, signals: list[_Signal]) -> bool:
    """Whether a veto lies inside a longer cue of another kind: "shaving" in "not for
    shaving", "pics" in "asking me for pics" are no ordinary plans."""
    return any(
        s.kind not in _VETOES
        and s.start <= veto.start
        and veto.end <= s.end
        and s.end - s.start > veto.end - veto.start
        for s in signals
    )


def _may_combine(signals: list[_Signal]) -> bool:
    kinds = {signal.kind for signal in signals}
    return any(rule.kinds <= kinds for rule in _RULES_WITHOUT_NEGATED)


_FILLERS: Final = frozenset(
    {"ever", "really", "actually", "even", "seriously", "honestly", "just", "like", "to"}
    | {"going", "want", "realmente", "vraiment", "wirklich", "mal"}
)
_NEGATION_GAP: Final = 24  # characters between a negation and the phrase it negates


def _negated(text: str, start: int, language: str, signals: list[_Signal]) -> bool:
    """Whether a negation cue ends right before ``start`` (at most two filler words
    between) or runs into it, in the phrase's language: "i would never kill myself",
    "no quiero morir" (but not "no, i want to die")."""
    for signal in reversed(signals):
        if signal.kind != _NEGATION or signal.start >= start or signal.language != language:
            continue
        if signal.end >= start:
            return True  # "not going to" before "going to kill myself"
        if start - signal.end > _NEGATION_GAP:
            return False
        between = text[signal.end : start].split()
        return len(between) <= 2 and all(word in _FILLERS for word in between)
    return False


def _vetoed(unless: frozenset[str], language: str, signals: list[_Signal]) -> bool:
    """Whether a veto cue of one of the ``unless`` kinds and of ``language`` is in the
    message: a veto is ordinary life in its own language only (Turkish "maç" is no German
    "mach", Portuguese laughter "kkk" no Spanish "k")."""
    return bool(unless) and any(s.kind in unless and s.language == language for s in signals)


def _combine(signals: list[_Signal], kinds: set[str], floor: int) -> CrisisHit | None:
    """The most severe rule whose cue kinds all occur, in one language, within the rule's
    window, with none of its ``unless`` kinds in that language; None when none beats
    ``floor``."""
    best: CrisisHit | None = None
    for rule in RULES:
        rank = _RANK[rule.severity]
        if rank <= floor or not rule.kinds <= kinds:
            continue
        chosen = _within_window(signals, rule)
        if chosen is None:
            continue
        chosen.sort(key=lambda s: s.start)
        category = rule.category
        if category == "negated":  # a negated phrase with a danger signal: its own category
            negated = next(s.phrase for s in chosen if s.phrase is not None)
            category = negated.category
        elif category == "immediate_danger" and _attack(signals, chosen[0].language):
            category = "harm_to_others"  # "the knife is ready, i ll stab him": a person is named
        term = " + ".join(" ".join(s.text.split()) for s in chosen)
        best, floor = CrisisHit(category, term[:100], chosen[0].language, rule.severity), rank
        if floor == _RANK["high"]:
            break
    return best


_ATTACK_GAP: Final = 40  # characters from a violent verb to the person it names


def _attack(signals: list[_Signal], language: str) -> bool:
    """Whether a violent verb is followed closely by a person, in ``language`` and with no
    joke, game or trivial reason: "stab him", "hurt my stepdad" (not "my dad will hurt me")."""
    if _vetoed(_ATTACK_VETOES, language, signals):
        return False
    targets = [s for s in signals if s.kind == "target" and s.language == language]
    return any(
        v.kind == "violence"
        and v.language == language
        and any(v.start < t.start <= v.end + _ATTACK_GAP for t in targets)
        for v in signals
    )


_ATTACK_VETOES: Final = frozenset({"joke", "game", "trivial"})


def _within_window(signals: list[_Signal], rule: Rule) -> list[_Signal] | None:
    """One signal of each of the rule's kinds, all of one language (Portuguese "to" is not
    English "to") with none of the rule's vetoes, within the rule's window; or None."""
    kinds = rule.kinds
    for anchor in signals:
        if anchor.kind not in kinds or _vetoed(rule.unless, anchor.language, signals):
            continue
        chosen = [anchor]
        for kind in kinds - {anchor.kind}:
            # Each cue at a place of its own: a pattern listed under two kinds, or two
            # patterns that start at the same word, are one signal, not a combination.
            taken = {c.start for c in chosen}
            near = [
                s
                for s in signals
                if s.kind == kind
                and s.language == anchor.language
                and abs(s.start - anchor.start) <= rule.window
                and s.start not in taken
            ]
            if not near:
                break
            chosen.append(min(near, key=lambda s: abs(s.start - anchor.start)))
        else:
            return chosen
    return None


def _by_script(trie: _Trie) -> dict[str, _Expr]:
    expressions = {}
    for script in trie.scripts():
        compiled = trie.compile(script, groups=True)
        if compiled is not None:
            expressions[script] = compiled
    return expressions


def _scanner(selected: list[Lexicon], *, accents: bool) -> _Scanner | None:
    phrases, heads = _Trie(accents=accents), _Trie(accents=accents)
    strong, safe = _Trie(accents=accents), _Trie(accents=accents)
    # Every cue again, in two expressions per language (the common kinds apart), scanned
    # only when a phrase or a strong cue is found: in one expression a match hides the other
    # cues that start at the same place (Polish "im" would hide English "i m alone", "my
    # cousin" as a target "my cousin can have my games"), and rules need one language.
    weak: dict[str, _Trie] = {}
    for lex in selected:
        for phrase in lex.phrases:
            if _is_large(phrase.items, accents=accents):
                heads.add_head(phrase.items, bounded=lex.boundaries, phrase=phrase)
            else:
                phrases.add(phrase.items, bounded=lex.boundaries, phrase=phrase)
        for cue in lex.cues:
            if cue.kind in STRONG_KINDS:
                strong.add(cue.items, bounded=lex.boundaries, phrase=cue)
            group = "common" if cue.kind in _COMMON_KINDS else "specific"
            trie = weak.setdefault(f"{lex.language}:{group}", _Trie(accents=accents, every=True))
            trie.add(cue.items, bounded=lex.boundaries, phrase=cue)
        for items in lex.safe:
            safe.add(items, bounded=lex.boundaries, phrase=None)
    expressions = _by_script(phrases)
    if not expressions:
        return None
    compiled_safe = safe.compile(None, groups=False)
    return _Scanner(
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


@dataclass(frozen=True, slots=True)
class _Detector:
    plain: _Scanner | None  # lexicons matched on accent-stripped text
    accented: _Scanner | None  # accent-sensitive lexicons, matched on the accented text


@lru_cache(maxsize=64)
def _detector(codes: frozenset[str]) -> _Detector:
    selected = [lex for code, lex in lexicons().items() if code in codes]
    return _Detector(
        plain=_scanner([lex for lex in selected if not lex.accents], accents=False),
        accented=_scanner([lex for lex in selected if lex.accents], accents=True),
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
    prepared = _prepare(text, strip=True)
    scripts = _scripts_in(prepared)
    stripped = _variants(prepared)
    if detector.plain is not None:
        for variant in stripped:
            yield detector.plain.scan(variant, scripts)
    if detector.accented is not None:
        accented = stripped
        if not text.isascii() and _VIETNAMESE.search(text):
            accented = _variants(_prepare(text, strip=False))
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
        if hit is not None and (best is None or _RANK[hit.severity] > _RANK[best.severity]):
            best = hit
            if hit.severity == "high":
                break
    return best
