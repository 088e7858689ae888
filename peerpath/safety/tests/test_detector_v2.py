"""Detector v2: categories, combinations of cues, negation, text-speak, the labelled sets.

The held-out sets (``evaluate.MEASURED_ONLY``) are only checked for shape here, never for their
figures: a test on their recall would make them tuning targets.
"""

from __future__ import annotations

import pytest

from peerpath.safety import crisis, evaluate
from peerpath.safety.crisis import CATEGORIES, CrisisHit, detect, normalise


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    crisis.preload()


def _category(text: str) -> str | None:
    hit = detect(text)
    return hit.category if hit else None


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
    assert detect(text) is None


def test_a_safe_idiom_opening_a_longer_phrase_does_not_excuse_it():
    assert detect("i don't want to die") is None
    assert detect("i don't want to die, i just want the pain to stop") is not None


# --- Speed, without timings ---------------------------------------------------------------------


def test_an_ordinary_message_is_scanned_once_without_weak_cues(monkeypatch):
    """The work an ordinary message costs: one normalised form, no search for weak cues
    (times, jokes, negations), which only run when a phrase or a strong cue is found."""
    calls = []
    original = crisis._cues

    def counting(expressions, text, scripts):
        calls.append(expressions)
        return original(expressions, text, scripts)

    monkeypatch.setattr(crisis, "_cues", counting)
    assert len(crisis._variants(crisis._prepare(evaluate.TYPICAL_MESSAGE, strip=True))) == 1
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
    assert size < 1_500_000


# --- Generalisation: danger without a place word, indirect wishes, threats, coping ----------

GENERALISED = [
    # Immediate danger: means at hand, a plan with a date, a vehicle coming, pills taken.
    ("filled the tub, razor is next to me", "immediate_danger"),
    ("just swallowed a whole box of my sleeping tablets", "immediate_danger"),
    ("necked 2 packets of my mums co codamol", "immediate_danger"),
    ("been hoarding my tramadol for weeks", "immediate_danger"),
    ("my date is the 21st, its all planned", "immediate_danger"),
    ("when the next train comes im stepping out", "immediate_danger"),
    ("engine running in the garage with the door shut", "immediate_danger"),
    ("blade pressed against my throat", "immediate_danger"),
    ("dads gun is in his wardrobe and i know the combination", "immediate_danger"),
    # Suicide said indirectly, or broken up by punctuation.
    ("life just isnt worth it anymore", "suicide"),
    ("everyone would be happier if i wasnt around", "suicide"),
    ("whats the point of even being alive", "suicide"),
    ("wanna end it for real this time", "suicide"),
    ("i'd honestly be doing my family a favour by dying", "suicide"),
    ("end. my. life.", "suicide"),
    ("kill...myself", "suicide"),
    ("i want to 🔪 myself", "suicide"),
    # Harm to others without a violence verb, or a weapon kept for a person.
    ("i could shoot up the whole school", "harm_to_others"),
    ("gonna make him pay, i know where he lives", "harm_to_others"),
    ("i keep picturing stabbing my stepdad", "harm_to_others"),
    ("i'm going to hurt mrs patel tomorrow", "harm_to_others"),
    ("got a bat in my locker for when i see them", "harm_to_others"),
    # Harmed by others: a threat to keep a secret, sextortion, night visits.
    ("he said he would hurt me if i told anyone", "harmed_by_others"),
    ("he says he will post my nudes unless i send more", "harmed_by_others"),
    ("my stepdad sneaks into my room at night", "harmed_by_others"),
    ("mon copain m'a étranglée", "harmed_by_others"),
    # Final statements: a pet given away with finality, an account to delete.
    ("gave my hamster to my cousin, he will be fine without me", "final_statements"),
    ("please look after my cat once i'm gone", "final_statements"),
    # Self-harm as coping, in other languages (verb forms, gender, reflexives).
    ("me quemo con el encendedor para calmarme", "self_harm"),
    ("volví a arañarme anoche", "self_harm"),
    ("je me suis scarifiée cette nuit", "self_harm"),
    ("je me brûle avec mon briquet quand ça va pas", "self_harm"),
    ("mi sono tagliata ancora le braccia", "self_harm"),
    ("ho ricominciato a farmi del male", "self_harm"),
    ("me corto com gilete quando fico mal", "self_harm"),
    ("hab mich gestern wieder geritzt", "self_harm"),
    ("pociąłem się znowu", "self_harm"),
    ("ik heb mezelf vannacht weer gekrast", "self_harm"),
]


@pytest.mark.parametrize(("text", "category"), GENERALISED)
def test_generalised_kinds_are_reported(text, category):
    hit = detect(text)
    assert hit is not None, text
    assert hit.category == category, (text, hit)


def test_a_threat_to_keep_a_secret_is_not_excused_as_an_idiom():
    """ "my mum will kill me if i'm late" is an idiom; "he'll kill me if i tell" is a threat."""
    assert detect("my mum will kill me if i'm late again") is None
    hit = detect("he said he'd kill me if i told anyone")
    assert hit is not None
    assert hit.category == "harmed_by_others"


# --- Round 2: danger described indirectly (combinations of the round-2 cue kinds) ---------

INDIRECT = [
    # A decision taken, with a time when nobody is around, a place, a finality.
    ("made up my mind. saturday when the flat is empty", "suicide"),  # resolve + alone
    ("my mind is made up, no one will be home after 9", "suicide"),
    ("already decided, they'll get over it eventually", "suicide"),  # resolve + finality
    ("no longer scared anymore, up on the multi storey roof", "immediate_danger"),  # + place
    # A way to die looked up; a veiled purpose.
    ("spent the night googling the least painful method", "suicide"),  # research + method
    ("how many of my citalopram would it take, i have 3 boxes", "immediate_danger"),
    ("whats the tallest car park round here, you know why", "suicide"),  # height + hint
    ("got a new pack of blades, not for shaving", "immediate_danger"),  # means + hint
    # Self-harm by its marks, its acts and their hiding.
    ("fresh cuts on my hips and nobody knows", "self_harm"),  # injury + conceal
    ("pressed my arm against the radiator on purpose", "self_harm"),  # selfharm + purpose
    ("i bit my hand till it bled", "self_harm"),  # selfharm + injury
    ("wearing a hoodie in the heat so my mum doesn't see my wrists", "self_harm"),
    # Grooming, sextortion, an attacker at hand.
    ("im 13 and he says our chats are just between us", "harmed_by_others"),  # minor + secret
    ("a 40 year old keeps asking me for pics, i'm 15", "harmed_by_others"),  # minor + sexual
    ("she has my nudes and says she'll post them unless i pay", "harmed_by_others"),
    ("someone is breaking in downstairs and i'm home alone", "immediate_danger"),
    # Revenge and watching a target.
    ("i know his routine now. friday he'll pay", "harm_to_others"),  # stalk + revenge
    ("got my brother's bat, those lads will regret it", "harm_to_others"),  # revenge + weapon
    # Handing things on.
    ("my cousin can have my games, i won't need them", "final_statements"),  # bequest
    ("sorted my clothes into bags with names on. thank you for trying", "final_statements"),
]

INDIRECT_ORDINARY = [
    "made up my mind, i'm taking the job in york",
    "googling the quickest way to remove nail glue lol",
    "whats the tallest building in the world? pub quiz tonight",
    "bought razors today, finally shaving before the beach",
    "my legs are covered in bruises from rugby",
    "im 14 and my mum says our holiday plans are a secret from my sister lol",
    "someone broke into the shed while we were away",
    "i know his routine, he walks the dog at 7 so i'll meet him then",
    "my sister can have my old bike when i move out",
    "theres a man outside my school every day selling ice cream",
]


@pytest.mark.parametrize(("text", "category"), INDIRECT)
def test_indirect_danger_is_reported(text, category):
    hit = detect(text)
    assert hit is not None, text
    assert hit.category == category, (text, hit)


@pytest.mark.parametrize("text", INDIRECT_ORDINARY)
def test_ordinary_talk_with_round_two_cues_is_not_reported(text):
    assert detect(text) is None


def test_a_cue_does_not_hide_another_languages_cue_at_the_same_place():
    """Polish "im" (them) is read as "i m": English "i m alone" starts at the same place."""
    hit = detect("someone is trying to get in through the window. im alone")
    assert hit is not None
    assert hit.category == "immediate_danger"


def test_a_veto_inside_a_longer_cue_is_ignored():
    """ "shaving" vetoes razors for shaving, but not "not for shaving"."""
    assert detect("bought razors for shaving my legs") is None
    assert detect("bought razors. not for shaving") is not None


def test_quotes_are_read_as_spaces():
    assert normalise('she said "bye guys" and left') == "she said bye guys and left"
    assert detect('she posted her pills and said "bye guys"') is not None


def test_a_pattern_that_starts_with_a_number_is_scanned_in_any_script():
    assert crisis._scripts_in("12 गोलियां") >= {"latin"}


def test_sentence_punctuation_between_letters_is_a_word_gap():
    assert normalise("end. my. life") == "end my life"
    assert normalise("kill...myself") == "kil myself"  # repeated letters are collapsed
    assert normalise("at 4.30 today") == "at 4.30 today"  # between digits: kept
    assert detect("i want to k!ll myself") is not None  # a glued "!" is still a letter


# --- The labelled sets ------------------------------------------------------------------------


def test_tuning_set_shape():
    rows = evaluate.read_rows(evaluate.LABELLED_SET)
    negatives = [r for r in rows if not r.label]
    assert len(rows) >= 1500
    assert len(negatives) * 2 >= len(rows)  # at least half ordinary talk
    both = {r.language for r in rows if r.label} & {r.language for r in negatives}
    assert len(both) >= 5
    assert {r.category for r in rows if r.label} >= set(CATEGORIES)


@pytest.mark.parametrize("path", evaluate.MEASURED_ONLY, ids=lambda p: p.name)
def test_heldout_sets_shape_and_no_overlap_with_the_tuning_set(path):
    heldout = evaluate.read_rows(path)
    assert len(heldout) >= 400
    assert {r.category for r in heldout if r.label} >= set(CATEGORIES) - {"incitement"}
    tuning = {r.text.casefold() for r in evaluate.read_rows(evaluate.LABELLED_SET)}
    assert not [r.text for r in heldout if r.text.casefold() in tuning]


def test_tuning_set_meets_the_targets_per_category_and_language():
    report = evaluate.evaluate_labelled(evaluate.LABELLED_SET)
    assert report.overall.recall >= 0.95
    assert report.overall.false_positive_rate <= 0.05
    for category, counts in report.per_category.items():
        assert counts.recall >= 0.9, (category, counts)
        assert counts.false_positive_rate <= 0.1, (category, counts)
    for language, counts in report.per_language.items():
        assert counts.recall >= 0.85, (language, counts)


def test_evaluate_reads_the_category_column_and_reports_per_category(tmp_path, capsys):
    path = tmp_path / "set.tsv"
    path.write_text(
        "language\tlabel\tcategory\ttext\n"
        "en\t1\timmediate_danger\ti'm on the roof right now\n"
        "en\t1\tharm_to_others\tthe weather is nice\n"  # a miss
        "en\t0\tsuicide\tthis exam is killing me\n"
        "en\t0\tnone\tkys\n",  # a false alarm
        encoding="utf-8",
    )
    report = evaluate.evaluate_labelled(path)
    assert report.per_category["immediate_danger"].tp == 1
    assert report.per_category["harm_to_others"].fn == 1
    assert report.per_category["suicide"].tn == 1
    assert report.per_category["none"].fp == 1
    assert report.same_category == 1
    assert evaluate.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "\nALL " in out
    assert "category" in out
    assert "MISS  line 3 [en] (harm_to_others) the weather is nice" in out


def test_evaluate_rejects_an_unknown_category(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("language\tlabel\tcategory\ttext\nen\t1\tgrief\thello\n", encoding="utf-8")
    with pytest.raises(ValueError, match="category"):
        evaluate.read_rows(path)
    path.write_text("language\tlabel\tcategory\ttext\nen\t1\thello\n", encoding="utf-8")
    with pytest.raises(ValueError, match="columns"):
        evaluate.read_rows(path)


# --- Round 3: the engine's conventions ------------------------------------------------------


def _lexicon(tmp_path, code: str, body: str) -> crisis.Lexicon:
    path = tmp_path / f"{code}.toml"
    path.write_text(f'language = "{code}"\nname = "{code}"\n{body}', encoding="utf-8")
    return crisis.read_lexicon(path)


def _scan(lexicons: list[crisis.Lexicon], text: str) -> CrisisHit | None:
    scanner = crisis._scanner(lexicons, accents=False)
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
    scanner = crisis._scanner([xa], accents=False)
    assert scanner is not None
    signals = crisis._cues(scanner.weak, normalise("i m 13 and home alone"), frozenset({"latin"}))
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
    assert crisis._plain_words(crisis._MARKER_RE[crisis._STAR]) == "[^\\W_]*"


# --- Round 3: English families of the merged independent set --------------------------------

ROUND3_EN = [
    ("gonna let the waves take me tonight", "suicide"),
    ("the voices keep telling me to end my life", "suicide"),
    ("googled how many floors is enough, the car park near me has 8 floors", "suicide"),
    ("does the multistorey have cameras on the top level? looked it up but cant tell", "suicide"),
    ("i keep telling people the scratches are from the cat, my arms are all cut up", "self_harm"),
    ("the cuts are getting deeper and i barely feel them anymore", "self_harm"),
    ("my parents are sending me abroad in july to get married", "harmed_by_others"),
    ("im not allowed to leave the house unless he says so", "harmed_by_others"),
    ("thinking about putting rat poison in my stepdad's coffee", "harm_to_others"),
    ("i know his schedule and i have nothing left to lose", "harm_to_others"),
    ("took the whole packet 10 min ago and now i feel sick", "immediate_danger"),
    ("if you're reading this i'm probably already gone", "final_statements"),
    ("deleted all my socials, tell them it wasnt their fault", "final_statements"),
]

ROUND3_EN_ORDINARY = [
    "took the whole box of chocolates to the party",
    "imagine shaking her hand after that match lol",
    "how do i respond if a student tells me they want to die? safeguarding training q",
    "i used to think about ending it every day, now im doing so much better",
    "got hit by a hockey ball at practice, huge bruise",
    "we made a list of names for the wedding and grandma is first on it",
    "if you're reading this, congrats you made it to the end of my essay",
    "i'm so done with this homework, goodbye forever maths",
    "decided tonight im going to tell my parents im gay",
    "in the last level you have to jump off the tower to reach the secret area",
    "she said its our secret that we're planning his surprise party",
]


@pytest.mark.parametrize(("text", "category"), ROUND3_EN)
def test_round_three_english_families_are_reported(text, category):
    assert _category(text) == category


@pytest.mark.parametrize("text", ROUND3_EN_ORDINARY)
def test_round_three_english_ordinary_talk_is_not_reported(text):
    assert detect(text) is None
