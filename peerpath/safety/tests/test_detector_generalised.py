"""Detector v2, generalisation: danger without a place word, indirect wishes, threats, coping
(round 2), the English families of the merged independent set (round 3)."""

from __future__ import annotations

import pytest

from peerpath.safety.crisis import detect, normalise
from peerpath.safety.crisis.text import scripts_in
from peerpath.safety.tests.rules_only import rules_hit


def _category(text: str) -> str | None:
    hit = detect(text)
    return hit.category if hit else None


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
    assert rules_hit(text) is None


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
    assert scripts_in("12 गोलियां") >= {"latin"}


def test_sentence_punctuation_between_letters_is_a_word_gap():
    assert normalise("end. my. life") == "end my life"
    assert normalise("kill...myself") == "kil myself"  # repeated letters are collapsed
    assert normalise("at 4.30 today") == "at 4.30 today"  # between digits: kept
    assert detect("i want to k!ll myself") is not None  # a glued "!" is still a letter


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
    assert rules_hit(text) is None


# --- Round 4: words for those left, affairs in order, threats against the writer, habits ---

ROUND4 = [
    # Final statements: a message passed on with absolution, affairs put in order.
    ("tell my brother it's not his fault ok", "final_statements"),
    ("left my bank details for my dad, everything is sorted now", "final_statements"),
    ("you guys were the only ones who listened. logging off for good", "final_statements"),
    ("díganle a mi mamá que no tiene la culpa", "final_statements"),
    ("zeg tegen papa dat het niet aan hem lag", "final_statements"),
    ("скажите брату, что это не его вина", "final_statements"),
    ("udah bayar semua hutang, semuanya beres. bilang ke mama aku sayang dia", "final_statements"),
    ("i can't do this anymore, i left a note for my sister", "final_statements"),
    # Harmed by others: a threat against the writer that is real, people waiting for them.
    ("my stepdad said he'll break my arm next time and he's done it before", "harmed_by_others"),
    ("they said they'll wait for me after school and one of them has a knife", "harmed_by_others"),
    ("my boss has my passport and won't let me leave", "harmed_by_others"),
    # Self-harm by its habits.
    ("haven't eaten in 2 days as punishment for failing", "self_harm"),
    ("relapsed last night, 3 months clean gone", "self_harm"),
    # An overdose by its effects.
    ("swallowed the whole packet an hour ago and now i can't feel my fingers", "immediate_danger"),
]

ROUND4_ORDINARY = [
    "tell my brother i said happy birthday",
    "paid off my credit card, everything is sorted now, so relieved",
    "relapsed and had a cigarette after 30 days, annoyed",
    "my mum will kill me if she sees this haircut lol",
    "last day at my job tomorrow, thank you for everything team",
    "haven't eaten in 5 hours, so hungry lol",
    "how do i support my sister, she's been self harming",
    "tell my sister i said hi and that i love her new haircut",
    "everything is sorted now for the move, thanks for everything guys",
    "tell the group i'm sorry i missed the meeting, i won't be on here tonight",
    "i updated my will after the baby was born, feels good to have it all sorted",
    "if he touches my fries again i will kill him lol",
    "i can't do this anymore, exams are killing me, thanks for listening guys",
    "скажите маме что я купила хлеб",
]


@pytest.mark.parametrize(("text", "category"), ROUND4)
def test_round_four_families_are_reported(text, category):
    hit = detect(text)
    assert hit is not None, text
    assert hit.category == category


@pytest.mark.parametrize("text", ROUND4_ORDINARY)
def test_round_four_ordinary_talk_is_not_reported(text):
    assert rules_hit(text) is None
