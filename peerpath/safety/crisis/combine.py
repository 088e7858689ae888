"""How cues found in a message combine into a report (:data:`~.rules.RULES`), how vetoes and
negations apply, and which signals a rule takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from peerpath.safety.crisis.lexicon import Phrase
from peerpath.safety.crisis.rules import (
    NEGATION,
    RANK,
    RULES,
    RULES_WITHOUT_NEGATED,
    VETOES,
    CrisisHit,
    Rule,
)


@dataclass(frozen=True, slots=True)
class Signal:
    """A cue found in a message (a negated phrase is one too, of kind "negated")."""

    kind: str
    start: int
    end: int
    text: str
    language: str
    phrase: Phrase | None = None  # for "negated": the phrase that the negation dropped


def inside_cue(veto: Signal, signals: list[Signal]) -> bool:
    """Whether a veto lies inside a longer cue of another kind: "shaving" in "not for
    shaving", "pics" in "asking me for pics" are no ordinary plans."""
    return any(
        s.kind not in VETOES
        and s.start <= veto.start
        and veto.end <= s.end
        and s.end - s.start > veto.end - veto.start
        for s in signals
    )


def may_combine(signals: list[Signal]) -> bool:
    kinds = {signal.kind for signal in signals}
    return any(rule.kinds <= kinds for rule in RULES_WITHOUT_NEGATED)


_FILLERS: Final = frozenset(
    {"ever", "really", "actually", "even", "seriously", "honestly", "just", "like", "to"}
    | {"going", "want", "realmente", "vraiment", "wirklich", "mal"}
)
_NEGATION_GAP: Final = 24  # characters between a negation and the phrase it negates


def is_negated(text: str, start: int, language: str, signals: list[Signal]) -> bool:
    """Whether a negation cue ends right before ``start`` (at most two filler words
    between) or runs into it, in the phrase's language: "i would never kill myself",
    "no quiero morir" (but not "no, i want to die")."""
    for signal in reversed(signals):
        if signal.kind != NEGATION or signal.start >= start or signal.language != language:
            continue
        if signal.end >= start:
            return True  # "not going to" before "going to kill myself"
        if start - signal.end > _NEGATION_GAP:
            return False
        between = text[signal.end : start].split()
        return len(between) <= 2 and all(word in _FILLERS for word in between)
    return False


def vetoed(unless: frozenset[str], language: str, signals: list[Signal]) -> bool:
    """Whether a veto cue of one of the ``unless`` kinds and of ``language`` is in the
    message: a veto is ordinary life in its own language only (Turkish "maç" is no German
    "mach", Portuguese laughter "kkk" no Spanish "k")."""
    return bool(unless) and any(s.kind in unless and s.language == language for s in signals)


def combine(signals: list[Signal], kinds: set[str], floor: int) -> CrisisHit | None:
    """The most severe rule whose cue kinds all occur, in one language, within the rule's
    window, with none of its ``unless`` kinds in that language; None when none beats
    ``floor``."""
    best: CrisisHit | None = None
    for rule in RULES:
        rank = RANK[rule.severity]
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
        if floor == RANK["high"]:
            break
    return best


_ATTACK_GAP: Final = 40  # characters from a violent verb to the person it names


def _attack(signals: list[Signal], language: str) -> bool:
    """Whether a violent verb is followed closely by a person, in ``language`` and with no
    joke, game or trivial reason: "stab him", "hurt my stepdad" (not "my dad will hurt me")."""
    if vetoed(_ATTACK_VETOES, language, signals):
        return False
    targets = [s for s in signals if s.kind == "target" and s.language == language]
    return any(
        v.kind == "violence"
        and v.language == language
        and any(v.start < t.start <= v.end + _ATTACK_GAP for t in targets)
        for v in signals
    )


_ATTACK_VETOES: Final = frozenset({"joke", "game", "trivial"})


def _within_window(signals: list[Signal], rule: Rule) -> list[Signal] | None:
    """One signal of each of the rule's kinds, all of one language (Portuguese "to" is not
    English "to") with none of the rule's vetoes, within the rule's window; or None."""
    kinds = rule.kinds
    for anchor in signals:
        if anchor.kind not in kinds or vetoed(rule.unless, anchor.language, signals):
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
