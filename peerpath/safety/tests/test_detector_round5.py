"""Detector round 5 (issue 17): frames for danger written indirectly, found in the sets the
rules were never tuned on (crisis_training.tsv): a listener's own words, a goodbye with
finality, a dangerous place with nobody around or a train coming, means at hand, being hurt
by someone close, harm the writer fears in themselves, self-harm as coping and relapse,
affairs put in order. Each frame has a look-alike that must not be reported."""

from __future__ import annotations

import pytest

from peerpath.safety.crisis import detect
from peerpath.safety.tests.rules_only import rules_hit

FRAMES = [
    ("are you thinking about suicide? you can tell me, i won't judge", None),
    ("i keep thinking about suicide every night and it scares me", "suicide"),
    ("ejemplo del curso: gracias por decirme que estás en el puente", None),
    ("estoy en el puente ahora mismo, ya no puedo más", "immediate_danger"),
    ("goodbye everyone. goodbye world", "final_statements"),
    ("goodbye everyone, see you at practice tomorrow", None),
    ("at the reservoir. nobody around", "immediate_danger"),
    ("at the reservoir with my family, nobody around, so peaceful", None),
    ("on the tracks behind the school, the 11:15 comes through soon", "immediate_danger"),
    ("the next train comes through soon, running late for class again", None),
    ("the pesticide is here with me and everyone is asleep", "immediate_danger"),
    ("bought pesticide for the tomatoes, the slugs are winning", None),
    ("my stepdad grabbed my hair and dragged me down the stairs", "harmed_by_others"),
    ("my little brother grabbed my charger again lol", None),
    ("mi padrastro me empujó contra la pared anoche", "harmed_by_others"),
    ("mi padrastro me llevó al colegio en coche", None),
    ("er hat mich gestern gegen die wand geschubst und eingeschlossen", "harmed_by_others"),
    ("er hat mich gestern zum bahnhof gebracht", None),
    ("отчим опять распускает руки, мне страшно", "harmed_by_others"),
    ("отчим опять помогает мне с машиной", None),
    ("i have these urges to shake the baby when she screams for hours", "harm_to_others"),
    ("i have these urges to eat the whole cake when i'm stressed", None),
    ("dug my nails into my arm until it bled, it calms me", "self_harm"),
    ("dug my nails into the armrest during the horror film", None),
    ("i was clean for 3 months and did it again last night", "self_harm"),
    ("my duolingo streak reset again ugh", None),
    ("me cortei de novo pra ninguem ver", "self_harm"),
    ("me cortei fazendo a barba hoje cedo", None),
    ("vannacht weer gekrast, ik schaam me", "self_harm"),
    ("vannacht weer gekrabd door de kat", None),
    ("kafamı duvara vuruyorum her akşam", "self_harm"),
    ("kafamı kaşıyorum her akşam bu ödevle", None),
    ("j'ai mis mes papiers en ordre. vous entendrez plus parler de moi", "final_statements"),
    ("j'ai mis mes papiers en ordre pour la déclaration d'impôts", None),
]


@pytest.mark.parametrize(("text", "category"), FRAMES)
def test_a_frame_reports_and_its_look_alike_does_not(text: str, category: str | None) -> None:
    if category is None:
        assert rules_hit(text) is None
        return
    hit = detect(text)
    assert hit is not None
    assert hit.category == category
    # The rules report it, not the learned signals ("model:0.93", "embed:0.99").
    assert not hit.term.startswith(("model:", "embed:")), hit.term


def test_a_listener_note_vetoes_only_its_own_language() -> None:
    """A listener's words veto phrases of their language; a crisis in another language in
    the same message is still reported."""
    assert detect("are you thinking about suicide? i ask everyone") is None
    hit = detect("are you thinking about suicide? quiero morir, ya no aguanto")
    assert hit is not None
    assert hit.category == "suicide"
