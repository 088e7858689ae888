"""Detector v2: categories, combinations of cues, negation, text-speak, safe idioms.

The generalised families are in ``test_detector_generalised.py``, the engine's conventions in
``test_detector_engine.py``, the labelled sets in ``test_detector_sets.py``.
"""

from __future__ import annotations

import pytest

from peerpath.safety import crisis
from peerpath.safety.crisis import CATEGORIES, CrisisHit, detect, normalise
from peerpath.safety.tests.rules_only import rules_hit


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    crisis.preload()


# --- Categories ---------------------------------------------------------------------------

CATEGORY_EXAMPLES = {
    "suicide": [
        "i honestly want to end my life",
        "thinking about killing myself every night",
        "everyone would be better off without me",
        "i hope i die in my sleep",
        "quiero morir",
        "j'ai plus envie de vivre",
        "ich will nicht mehr leben",
        "não aguento mais viver",
        "не хочу больше жить",
    ],
    "self_harm": [
        "i cut again last night",
        "cutting is the only thing that helps me cope",
        "i burn myself with a lighter when it gets too much",
        "sh urges are so bad tonight",
        "me corto para sentir algo",
        "je me coupe pour me calmer",
        "ich ritze mich wieder",
        "me cortei de novo ontem",
        "я опять порезала руки",
    ],
    "harmed_by_others": [
        "my stepdad hits me when he is drunk",
        "my uncle keeps touching me and says it's our secret",
        "he threatened to kill me if i tell anyone",
        "i'm scared to go home",
        "mi padrastro me pega",
        "mon père me frappe",
        "mein vater schlägt mich",
        "meu pai me bate",
        "отчим бьет меня",
    ],
    "harm_to_others": [
        "i'm going to stab him tomorrow",
        "bringing my dad's gun to school",
        "i want to hurt someone",
        "i'll kill him tonight, i have a knife",
        "voy a apuñalarlo",
        "je vais le poignarder",
        "ich werde ihn abstechen",
        "vou esfaquear ele",
        "я его зарежу",
    ],
    "immediate_danger": [
        "i'm standing on the bridge right now",
        "i have all my pills in front of me",
        "the rope is ready",
        "doing it tonight once everyone is asleep",
        "i took 30 of my sleeping pills",
        "estoy en la azotea ahora mismo",
        "je suis sur le toit là maintenant",
        "ich stehe auf dem dach",
        "to no telhado agora",
        "я на крыше прямо сейчас",
    ],
    "final_statements": [
        "this is my last message. thank you for everything",
        "you won't have to worry about me anymore",
        "goodbye everyone, i love you all",
        "giving away my stuff, i won't need it where i'm going",
        "este es mi ultimo mensaje",
        "c'est mon dernier message",
        "das ist meine letzte nachricht",
        "essa é minha ultima mensagem",
        "это мое последнее сообщение",
    ],
}


@pytest.mark.parametrize(
    ("category", "text"),
    [(category, text) for category, texts in CATEGORY_EXAMPLES.items() for text in texts],
)
def test_each_category_is_reported(category, text):
    hit = detect(text)
    assert hit is not None, text
    assert hit.category == category, hit


def test_categories_are_known_and_incitement_is_kept():
    assert set(CATEGORY_EXAMPLES) | {"incitement"} == set(CATEGORIES)
    hit = detect("kys loser")
    assert hit is not None
    assert hit.category == "incitement"
    assert not hit.concerns_writer
    assert hit.concerns_others


@pytest.mark.parametrize(
    ("category", "writer", "others"),
    [
        ("suicide", True, False),
        ("self_harm", True, False),
        ("harmed_by_others", True, False),
        ("immediate_danger", True, False),
        ("final_statements", True, False),
        ("harm_to_others", True, True),
        ("incitement", False, True),
    ],
)
def test_who_is_at_risk(category, writer, others):
    hit = CrisisHit(category, "x", "en", "high")
    assert (hit.concerns_writer, hit.concerns_others) == (writer, others)


def test_every_language_has_the_new_categories():
    """Every lexicon covers harm by and to others, immediate danger and final statements;
    the deep ones (en, es, fr, de, pt, ru) cover every category."""
    new = {"harmed_by_others", "harm_to_others", "immediate_danger", "final_statements"}
    for code, lex in crisis.lexicons().items():
        categories = {p.category for p in lex.phrases}
        assert new <= categories, (code, new - categories)
        if code in ("en", "es", "fr", "de", "pt", "ru"):
            assert set(CATEGORIES) <= categories, (code, set(CATEGORIES) - categories)
            assert {c.kind for c in lex.cues} >= {"negation", "means", "place", "goodbye"}


def test_rules_use_known_cue_kinds_and_each_has_a_strong_kind():
    for rule in crisis.RULES:
        assert rule.kinds <= set(crisis.CUE_KINDS)
        assert rule.unless <= set(crisis.CUE_KINDS)
        assert rule.kinds & crisis.STRONG_KINDS
        assert rule.category in (*CATEGORIES, "negated")


# --- Combinations of cues -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("im on the bridge right now", "immediate_danger"),  # place + here
        ("up on the roof. it's so high up", "immediate_danger"),  # place + height
        ("12th floor, i'm going to jump", "immediate_danger"),  # height + act
        ("got the pills in my hand", "immediate_danger"),  # means + ready
        ("i'll do it when nobody is home", "immediate_danger"),  # act + alone
        ("i have a plan and the date is set for friday", "immediate_danger"),  # plan + time
        ("bye everyone. forever this time", "final_statements"),  # goodbye + finality
        ("love you all, forgive me. goodbye", "final_statements"),  # farewell + goodbye
        ("going to hurt him, i have a knife", "harm_to_others"),  # violence + target + weapon
    ],
)
def test_combinations_report(text, category):
    hit = detect(text)
    assert hit is not None, text
    assert hit.category == category
    assert hit.severity == "high"


def test_a_combination_names_its_signals():
    hit = detect("im on the bridge right now")
    assert hit is not None
    assert " + " in hit.term
    assert "bridge" in hit.term
    assert hit.language == "en"


@pytest.mark.parametrize(
    "text",
    [
        "on the bridge with my friends right now, the view is amazing",  # future/social veto
        "bye everyone, see you tomorrow",  # goodbye + future
        "this is my last message for tonight, gn",
        "gonna kill him in fortnite tonight",  # game veto
        "i'm going to kill my brother lol he ate my fries",  # joke and trivial reason
        "my mom is going to kill me when she sees my grades",
        "took my meds tonight",
        "i have a plan for my essay tonight",
        "bought a new knife for cooking class",
        "i'm on the 5th floor of the library",
    ],
)
def test_vetoes_and_ordinary_combinations_are_not_reported(text):
    assert detect(text) is None


def test_cues_only_combine_within_the_window():
    far = "i have a gun " + "and a lot of other things to say about my day " * 6 + "tonight"
    assert detect("i have a gun, tonight") is not None
    assert detect(far) is None


# --- Negation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "i would never kill myself",
        "I'm not going to kill myself, just venting",
        "i'm not suicidal, just tired",
        "i don't want to die",
        "no quiero morir",
        "no voy a matarme",
        "não quero morrer",
        "ich will nicht sterben",
    ],
)
def test_negated_phrases_are_not_reported(text):
    assert detect(text) is None


def test_a_negated_phrase_with_a_sign_of_danger_is_reported():
    """A false negative is worse than a false positive: "i won't kill myself" next to a
    means, a place, a plan or a time is still reported (medium)."""
    hit = detect("i'm not going to kill myself tonight. the pills are right here")
    assert hit is not None
    hit = detect("i won't kill myself, i have a plan though")
    assert hit is not None
    assert hit.category == "suicide"
    assert hit.severity == "medium"


def test_negation_only_applies_in_its_own_language():
    # Spanish "no" does not negate an English phrase.
    assert detect("no i want to die") is not None
    assert detect("no, i really want to kill myself") is not None


def test_phrases_that_contain_a_negation_still_report():
    assert detect("i don't want to live anymore") is not None
    assert detect("ya no quiero vivir") is not None
    assert detect("i can't stop cutting myself") is not None
    assert detect("not gonna lie i want to die") is not None


# --- Normalisation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i want 2 die", "i want 2 die"),  # the main form keeps the number...
        ("gonna", "going to"),
        ("wanna", "want to"),
        ("tryna", "trying to"),
        ("u", "you"),
        ("2nite", "tonight"),
        ("4ever", "forever"),
        ("dont", "don t"),
        ("im", "i m"),
        ("rn", "right now"),
        ("10th floor", "10th flor"),  # an ordinal is a number, not leetspeak
        ("30mg", "30mg"),
    ],
)
def test_normalise_reads_text_speak(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "k i l l  m y s e l f",
        "w a n t  t o  d i e",
        "k1ll mys3lf",
        "i'm su!c!dal",
        "feeling $uicidal",
        "i want to dieeee",
        "kiiill myself",
        "i want 2 die",  # ...and the other variant reads "2" as "to"
        "i wanna kms",
        "gonna unalive myself",
        "thinking about sewerslide",
        "planning to ctb tonight",
        "im gonna k!ll mys3lf 2nite",
        "i w4nt t0 d13",
        "thinking about s.u.i.c.i.d.e.",
        "c u t t i n g again",
    ],
)
def test_hidden_spellings_are_reported(text):
    assert detect(text) is not None, normalise(text)


def test_text_speak_numbers_keep_their_number_reading():
    assert detect("i took 4 pills for my headache") is None
    assert detect("i took 40 pills") is not None


# --- Safe idioms and ordinary support talk ------------------------------------------------------

SAFE = [
    "I'm dying to see the new film",
    "this exam is killing me",
    "we did suicide prevention training",
    "I could kill for a pizza",
    "my phone is dead",
    "I feel hopeless about my exams",
    "I hate my life sometimes lol",
    "I'm so done with school",
    "i died laughing 💀",
    "my mom is gonna kill me if i'm late",
    "he hit me up last night",
    "she beat me at mario kart",
    "i cut my finger chopping onions",
    "shoot me a text later",
    "we killed it at the concert",
    "goodbye everyone, see you on monday",
    "i'm giving away my old clothes to charity",
    "waiting at the train station, delayed again",
    "going to the bridge club tonight",
    "i'd rather die than wear crocs",
    "used to self harm, 2 years clean now",
    "mama just killed a man, karaoke night",
    "i'm so tired of everything this week",
    "nobody texts me back",
    # Lookalikes of the generalised kinds (danger without a place word, threats, coping).
    "filled the bath with bubbles, self care night",
    "got my bat in the bag for practice",
    "i bought a rope for the tree swing",
    "when the train comes ill jump on it",
    "the next train is in 5 minutes, im at the station",
    "i want to end things with my girlfriend",
    "my mum will kill me if i fail maths",
    "my coach said he'd murder us if we lose again",
    "im on the edge of my seat with this series",
    "shooting the whole school play on video tomorrow",
    "life isnt fair sometimes",
    "we walked over the bridge to the market",
    "standing on a ledge at the climbing wall was scary",
    "me corté el pelo ayer",
    "me quemé con la sartén",
    "je me suis coupée en cuisinant",
    "je me suis brûlé avec le fer à repasser",
    "mi sono tagliata col coltello in cucina",
    "ich hab mich beim kochen geschnitten",
    "me cortei fazendo comida",
    "3.5mg of melatonin helps me sleep",
    "sorry. i'm late. see you at 4.30!",
]


@pytest.mark.parametrize("text", SAFE)
def test_safe_idioms_and_sadness_are_not_reported(text):
    assert rules_hit(text) is None


def test_a_safe_idiom_opening_a_longer_phrase_does_not_excuse_it():
    assert detect("i don't want to die") is None
    assert detect("i don't want to die, i just want the pain to stop") is not None
