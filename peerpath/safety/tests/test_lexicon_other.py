"""Germanic, Slavic and Asian lexicons (de, nl, pl, hi in Devanagari and as typed in Latin
letters, tr, id, ur) after round 2: decisions with a day, method questions, hidden wounds,
grooming and sextortion, revenge, counted pills and bequests are reported; the same words in
ordinary talk are not. The wordings are not in the tuning set: a failure means a family of
phrasings stopped generalising. (The lexicons compile on the first ``detect`` call.)
"""

from __future__ import annotations

import pytest

from peerpath.safety.crisis import detect

# (language, message, expected category or None when any report will do)
POSITIVES = [
    # German
    ("de", "hab mich entschieden. samstag nacht wenn meine eltern weg sind", None),
    ("de", "hab gestern gegoogelt wie viele schlaftabletten reichen", "suicide"),
    ("de", "was ist das höchste gebäude hier in der gegend? fragt lieber nicht wieso", None),
    ("de", "trag seit wochen lange ärmel damit keiner die schnitte sieht", "self_harm"),
    ("de", "ein 40 jähriger aus insta will fotos von mir in unterwäsche, ich bin 13", None),
    ("de", "er droht meine nudes an alle zu schicken wenn ich nicht zahle", "harmed_by_others"),
    ("de", "die typen die mich gemobbt haben werden es bereuen, hab schon ein messer", None),
    ("de", "ich weiß genau wann er alleine zuhause ist und werd ihm weh tun", None),
    ("de", "hab vor ner stunde 25 pillen geschluckt", "immediate_danger"),
    ("de", "meine ps5 soll an meinen bruder gehen, ich brauch sie eh nicht mehr", None),
    # Dutch
    ("nl", "ik heb het besloten, zaterdagnacht als mijn ouders slapen", None),
    ("nl", "mijn armen zitten vol sneden en niemand weet het", "self_harm"),
    ("nl", "een man van 35 vraagt om naaktfotos en zegt dat het ons geheim is, ik ben 14", None),
    ("nl", "heb 30 paracetamol genomen een kwartier geleden", None),
    # Polish
    ("pl", "postanowiłam. w sobotę w nocy jak rodzice wyjadą", None),
    ("pl", "czytałem na forum jaka jest śmiertelna dawka", "suicide"),
    ("pl", "uda mam całe w bliznach i nikt o tym nie wie", "self_harm"),
    (
        "pl",
        "facet ma 40 lat i chce moje nagie zdjęcia, mówi że to nasza tajemnica, mam 13 lat",
        None,
    ),
    ("pl", "grozi że wrzuci moje zdjęcia do neta jak nie zapłacę", "harmed_by_others"),
    ("pl", "oni jeszcze pożałują, mam już nóż i wiem kiedy wraca sam", None),
    ("pl", "połknęłam 20 tabletek godzinę temu", "immediate_danger"),
    ("pl", "moje ubrania oddajcie siostrze, już mi się nie przydadzą", "final_statements"),
    # Hindi: Latin script as typed in chat, and Devanagari
    ("hi", "maine final decide kar liya hai, aaj raat jab sab so jayenge", None),
    ("hi", "google pe dhoondh rahi thi bina dard ke kaise mara jaye", "suicide"),
    ("hi", "meri kalai pe itne cuts hain aur ghar mein kisi ko pata nahi", None),
    (
        "hi",
        "ek 40 saal ka aadmi insta pe photos maang raha hai, bolta hai hamara secret hai, "
        "main 14 ki hu",
        None,
    ),
    ("hi", "wo bol raha hai paise nahi diye toh meri photos leak kar dega", "harmed_by_others"),
    ("hi", "jinhone mujhe school mein tang kiya unko sabak sikhaunga, rod le li hai", None),
    ("hi", "abhi 25 goliyan kha li neend ki", "immediate_danger"),
    ("hi", "meri guitar bhai ko de dena, ab zarurat nahi padegi", None),
    ("hi", "मैंने फैसला कर लिया है, आज रात जब सब सो जाएंगे", None),
    # Turkish, Indonesian, Urdu
    ("tr", "karar verdim, cumartesi gecesi herkes uyuyunca", None),
    ("tr", "kollarım kesik dolu, kimse bilmiyor", "self_harm"),
    ("id", "gue udah mutusin, sabtu malem pas semua tidur", None),
    ("id", "paha aku penuh sayatan dan gak ada yang tau", "self_harm"),
    ("ur", "میں نے فیصلہ کر لیا ہے، آج رات جب سب سو جائیں گے", None),
]

# Everyday talk with the same words: decisions, days, pills, blades, secrets, giving away.
NEGATIVES = [
    ("de", "hab mich entschieden, samstag geh ich doch mit zum konzert"),
    ("de", "hab gegoogelt wie viele kalorien ein döner hat lol"),
    ("de", "welches ist das höchste gebäude der welt? für mein referat"),
    ("de", "trag immer lange ärmel weil ich schnell friere"),
    ("de", "hab meiner schwester meine alten spiele gegeben, brauch die nicht mehr"),
    ("de", "hab mir beim kochen in den finger geschnitten, blutet ein bisschen"),
    ("de", "der neue film über den amokläufer in der doku war heftig"),
    ("nl", "ik heb het besloten, zaterdag ga ik verhuizen"),
    ("nl", "mijn oude kleren weggegeven aan de kringloop"),
    ("pl", "postanowiłam, od jutra zaczynam biegać"),
    ("pl", "kupiłam żyletki do maszynki w promocji"),
    ("pl", "zabiję go jak jeszcze raz zje moje lody 😂"),
    ("pl", "siedzę na moście z przyjaciółmi i patrzymy na zachód słońca"),
    ("hi", "maine decide kar liya hai, kal se gym jaunga"),
    ("hi", "mummy ne bola surprise party hai kisi ko mat batana"),
    ("hi", "purane kapde donate kar diye, almari khaali ho gayi"),
    ("hi", "ye exam meri jaan le lega yaar 😂"),
    ("hi", "chhat pe baithe baarish dekh rahe hain dosto ke saath"),
    ("tr", "karar verdim, cumartesi doğum günü partisi yapacağım"),
    ("id", "udah mutusin, mulai diet besok"),
    ("ur", "میں نے فیصلہ کر لیا ہے، کل سے جم جاؤں گا"),
]


# Round 3: the merged independent set's families in new wordings (pills to not wake up and
# saved for weeks, countdowns, a relapse with a hidden blade, photos held over a teen,
# knowing when a person leaves + a knife, a kicked door + locked in, pets left in care).
ROUND3_POSITIVES = [
    ("de", "meine eltern sind am wochenende weg. dann mach ich es", None),
    ("de", "er hämmert gegen die badtür, ich hab mich im bad eingeschlossen", "immediate_danger"),
    ("de", "hab grade die ganze schachtel geschluckt", "immediate_danger"),
    ("nl", "hoeveel van die pillen moet ik slikken om niet meer wakker te worden", "suicide"),
    ("nl", "nog drie nachten en dan is het allemaal voorbij", "suicide"),
    ("nl", "ik sla mezelf tot er blauwe plekken komen, het lucht op", "self_harm"),
    ("pl", "od dwóch tygodni zbieram leki mamy, chyba już wystarczy", None),
    ("pl", "wiem kiedy wraca z treningu, nóż mam w kurtce", "harm_to_others"),
    ("pl", "zaopiekujcie się moim kotem. dziękuję za wszystko", "final_statements"),
    ("tr", "annemin ilaçlarından kaç tane yutsam bir daha uyanmam", "suicide"),
    ("tr", "babam kapıyı tekmeliyor, odama kilitlendim", "immediate_danger"),
    ("tr", "ailem beni zorla evlendirecekmiş, 15 yaşındayım", "harmed_by_others"),
    ("id", "berapa butir obat tidur biar nggak bangun lagi", "suicide"),
    ("id", "aku tahu kapan dia pulang sendirian, parangnya udah siap", "harm_to_others"),
    ("id", "tolong rawat kucingku ya, makasih buat semuanya", "final_statements"),
]

ROUND3_NEGATIVES = [
    ("de", "im film springt die hauptfigur von der brücke, krasses ende"),
    ("de", "rückfall gestern, wieder geraucht. versteck ich vor meinen eltern"),
    ("nl", "nog 2 nachtjes slapen en dan is het eindelijk vakantie"),
    ("nl", "iemand schrijft dat hij dood wil, hoe reageer ik als vrijwilliger?"),
    ("pl", "ktoś mi pisze, że chce umrzeć, co mam odpisać?"),
    ("pl", "kupiłam linę i uprząż, w niedzielę jedziemy się wspinać"),
    ("pl", "chowam nożyczki przed młodszym bratem, żeby się nie skaleczył"),
    ("tr", "bugün kendime zarar vermeden tam bir yıl oldu"),
    ("tr", "biri ölmek istiyorum diye yazarsa ne demeliyim?"),
    ("id", "hari ini genap 3 bulan aku nggak nyakitin diri sendiri"),
    ("id", "di film itu tokohnya loncat dari gedung, serem banget"),
    ("id", "lupa minum pil kb kemarin, hari ini minum dua ya"),
]


@pytest.mark.parametrize(("language", "text", "category"), POSITIVES + ROUND3_POSITIVES)
def test_family_is_reported(language, text, category):
    hit = detect(text)
    assert hit is not None, (language, text)
    if category is not None:
        assert hit.category == category, (text, hit)


@pytest.mark.parametrize(("language", "text"), NEGATIVES + ROUND3_NEGATIVES)
def test_everyday_talk_is_not_reported(language, text):
    assert detect(text) is None, (language, text, detect(text))


def test_a_veto_of_one_language_does_not_hide_another_language():
    # A Turkish veto once spelled "maç*" matched German "mach" and hid this decision.
    text = "hab mir nen tag ausgesucht. nach omas geburtstag, damit ich ihr den nicht kaputt mach"
    assert detect(text) is not None


def test_latin_script_hindi_cues_are_not_english_words():
    """Every lexicon scans every message: the Hinglish cues must leave English alone."""
    for text in (
        "bye guys, see you tomorrow",
        "match me with a mentor please",
        "my mama said the party is a secret, don't tell anyone",
        "sunset photo from the bridge",
    ):
        assert detect(text) is None, text
