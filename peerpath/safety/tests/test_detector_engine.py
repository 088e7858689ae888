"""Detector v2, the engine: the work an ordinary message costs, and the round-3 conventions
(vetoes of one language, cues that start at the same word, one place never combines with
itself, a pattern under two kinds, decisions with a time, violence naming a person)."""

from __future__ import annotations

import pytest

from peerpath.safety import crisis, evaluate
from peerpath.safety.crisis import CrisisHit, detect, normalise
from peerpath.safety.crisis import scanner as scanning
from peerpath.safety.crisis.patterns import MARKER_RE, STAR
from peerpath.safety.crisis.text import prepare, variants
from peerpath.safety.crisis.trie import plain_words


def _category(text: str) -> str | None:
    hit = detect(text)
    return hit.category if hit else None


# --- Speed, without timings ---------------------------------------------------------------------


def test_an_ordinary_message_is_scanned_once_without_weak_cues(monkeypatch):
    """The work an ordinary message costs: one normalised form, no search for weak cues
    (times, jokes, negations), which only run when a phrase or a strong cue is found."""
    calls = []
    original = scanning.find_cues

    def counting(expressions, text, scripts):
        calls.append(expressions)
        return original(expressions, text, scripts)

    monkeypatch.setattr(scanning, "find_cues", counting)
    assert len(variants(prepare(evaluate.TYPICAL_MESSAGE, strip=True))) == 1
    detect(evaluate.TYPICAL_MESSAGE)
    detector = crisis._detector(crisis._all_codes())
    scanners = [s for s in (detector.plain, detector.accented) if s is not None]
    assert calls
    assert all(any(expressions is s.strong for s in scanners) for expressions in calls)
    calls.clear()
    detect("i'm on the bridge right now")
    assert any(expressions is s.weak for s in scanners for expressions in calls)


def test_the_compiled_expressions_stay_small():
    """Large patterns are matched after their first word, so the expressions (and the
    compile time at start-up) stay bounded as the lexicons grow."""
    detector = crisis._detector(crisis._all_codes())
    size = 0
    for scanner in (detector.plain, detector.accented):
        assert scanner is not None
        for group in (scanner.expressions, scanner.heads, scanner.strong, scanner.weak):
            size += sum(len(expr[0].pattern) for expr in group.values())
    assert size < 1_700_000  # round 4: ~1.53 MB; round 5: ~1.64 MB


# --- Round 3: the engine's conventions ------------------------------------------------------


def _lexicon(tmp_path, code: str, body: str) -> crisis.Lexicon:
    path = tmp_path / f"{code}.toml"
    path.write_text(f'language = "{code}"\nname = "{code}"\n{body}', encoding="utf-8")
    return crisis.read_lexicon(path)


def _scan(lexicons: list[crisis.Lexicon], text: str) -> CrisisHit | None:
    scanner = scanning.build_scanner(lexicons, accents=False)
    assert scanner is not None
    return scanner.scan(normalise(text), frozenset({"latin"}))


_BASE = """
[[phrases]]
category = "suicide"
severity = "high"
patterns = ["kill myself"]

[[cues]]
kind = "means"
patterns = ["the pills"]

[[cues]]
kind = "ready"
patterns = ["are ready"]
"""


def test_a_veto_cancels_only_rules_of_its_own_language(tmp_path):
    """Turkish "maç" (a match) is no German "mach": another lexicon's veto cancels nothing."""
    xa = _lexicon(tmp_path, "xa", _BASE)
    xb = _lexicon(tmp_path, "xb", '[[cues]]\nkind = "game"\npatterns = ["mach"]\n')
    assert _scan([xa, xb], "the pills are ready mach") is not None
    xc = _lexicon(tmp_path, "xc", _BASE + '[[cues]]\nkind = "game"\npatterns = ["mach"]\n')
    assert _scan([xc], "the pills are ready mach") is None


def test_a_phrase_is_vetoed_only_in_its_own_language(tmp_path):
    phrase = 'patterns = ["kill myself"]'
    body = _BASE.replace(phrase, phrase + '\nunless = ["joke"]')
    xa = _lexicon(tmp_path, "xa", body)
    xb = _lexicon(tmp_path, "xb", '[[cues]]\nkind = "joke"\npatterns = ["dan"]\n')
    assert _scan([xa, xb], "i will kill myself dan") is not None
    xc = _lexicon(tmp_path, "xc", body + '[[cues]]\nkind = "joke"\npatterns = ["dan"]\n')
    assert _scan([xc], "i will kill myself dan") is None


def test_a_veto_never_matches_a_single_letter(tmp_path):
    xa = _lexicon(tmp_path, "xa", _BASE + '[[cues]]\nkind = "joke"\npatterns = ["(q|kkk)"]\n')
    assert _scan([xa], "the pills are ready q") is not None
    assert _scan([xa], "the pills are ready kkkkk") is None  # laughter, read as "kkk"
    assert normalise("kkkkkk") == "kkk"
    assert normalise("kk") == "k"


def test_real_lexicons_keep_their_vetoes_at_home():
    """Portuguese laughter vetoes a Portuguese joke; it is no Spanish "k" (que)."""
    assert detect("vou matar meu irmão se ele comer meu lanche de novo kkkkk") is None
    assert crisis.normalise("kkkk") == "kkk"


_SAME_WORD = """
[[cues]]
kind = "minor"
patterns = ["i m #"]

[[cues]]
kind = "alone"
patterns = ["i m # and home alone"]

[[cues]]
kind = "secret"
patterns = ["dont tell"]
"""


def test_cues_that_start_at_the_same_word_do_not_hide_each_other(tmp_path):
    """Before round 3 the longer "i m 13 and home alone" hid "i m 13": no grooming rule."""
    xa = _lexicon(tmp_path, "xa", _BASE + _SAME_WORD)
    hit = _scan([xa], "i m 13 and home alone, he said dont tell")
    assert hit is not None
    assert hit.category == "harmed_by_others"
    scanner = scanning.build_scanner([xa], accents=False)
    assert scanner is not None
    signals = scanning.find_cues(
        scanner.weak, normalise("i m 13 and home alone"), frozenset({"latin"})
    )
    assert {(s.kind, s.text) for s in signals} == {
        ("minor", "i m 13"),
        ("alone", "i m 13 and home alone"),
    }


def test_one_place_never_combines_with_itself(tmp_path):
    """Two cues that start at the same word are one signal: "i m 13 and home alone" is a
    minor and alone, but no rule takes both from the same words."""
    body = _SAME_WORD.replace('kind = "alone"', 'kind = "secret"')
    xa = _lexicon(tmp_path, "xa", _BASE + body)
    assert _scan([xa], "i m 13 and home alone") is None
    assert _scan([xa], "i m 13 and he said dont tell") is not None


def test_a_pattern_under_two_kinds_is_a_lexicon_warning(tmp_path):
    body = '[[cues]]\nkind = "plan"\npatterns = ["karar verdim"]\n'
    body += '[[cues]]\nkind = "resolve"\npatterns = ["karar  verdim"]\n'
    with pytest.warns(crisis.LexiconWarning, match="under cue plan and cue resolve"):
        lexicon = _lexicon(tmp_path, "xa", body)
    assert lexicon.clashes
    # A phrase may also be a cue (they are scanned apart): no clash.
    body = '[[phrases]]\ncategory = "suicide"\nseverity = "medium"\npatterns = ["x y"]\n'
    body += '[[cues]]\nkind = "act"\npatterns = ["x y"]\n'
    assert not _lexicon(tmp_path, "xb", body).clashes


def test_no_lexicon_lists_a_pattern_twice():
    assert {code: lex.clashes for code, lex in crisis.lexicons().items() if lex.clashes} == {}


_DECISION = """
[[cues]]
kind = "resolve"
patterns = ["(i ve decided|decision made)"]

[[cues]]
kind = "time"
patterns = ["(sunday|monday|tonight)"]

[[cues]]
kind = "future"
patterns = ["therapy"]
"""


@pytest.mark.parametrize(
    ("text", "reported"),
    [
        ("decision made. sunday night", True),
        ("i ve decided, tonight", True),
        ("i ve decided to finally book the therapy, first session monday", False),  # a veto
        ("i ve decided i m moving out of my parents house and back to uni by sunday", False),
    ],
)
def test_a_decision_with_a_time_reports_only_close_and_without_an_everyday_plan(
    tmp_path, text, reported
):
    xa = _lexicon(tmp_path, "xa", _BASE + _DECISION)
    assert (_scan([xa], text) is not None) is reported


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("the knife is ready, i m going to stab him", "harm_to_others"),
        ("i'm gonna hurt that kid tomorrow, i have a plan", "harm_to_others"),
        ("the pills are ready and i m alone", "immediate_danger"),
    ],
)
def test_violence_against_a_person_is_harm_to_others(text, category):
    assert _category(text) == category


def test_digit_led_patterns_are_scanned_with_the_script_of_their_letters():
    """ "10 गोलियां" lives in the Indic expression (a message that matches holds Indic
    letters), so the Latin ones need no Indic word classes and compile fast."""
    detector = crisis._detector(crisis._all_codes())
    assert detector.plain is not None
    latin = detector.plain.expressions["latin"][0].pattern
    assert "\u0900" not in latin
    assert plain_words(MARKER_RE[STAR]) == "[^\\W_]*"
