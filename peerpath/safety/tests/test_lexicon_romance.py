"""Round 2 concept families in the Romance lexicons (es, pt, it, fr): danger told
indirectly and concretely, and the ordinary talk that resembles it.

Each family is checked with wordings that are not in the tuning set, so a failure means a
family stopped generalising, not that one string was lost.
"""

from __future__ import annotations

import pytest

from peerpath.safety import crisis
from peerpath.safety.crisis import detect
from peerpath.safety.tests.rules_only import rules_hit


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    crisis.preload()


POSITIVES = [
    # Spanish
    ("es", "ya lo tengo decidido, el sabado cuando mis papas salgan", None),
    ("es", "busque en internet cuantas pastillas de clonazepam se necesitan pa no despertar", None),
    ("es", "me pase la noche buscando formas sin dolor", "suicide"),
    ("es", "cual es la azotea mas alta del centro? no pregunten pa q", None),
    ("es", "mis papas van a estar mas tranquilos cuando ya no este", "suicide"),
    ("es", "nadie sabe lo de mis brazos, uso sudadera pa q no vean las marcas", "self_harm"),
    ("es", "me araño hasta sacarme sangre cuando me da ansiedad", "self_harm"),
    ("es", "tengo una cuchilla escondida en el estuche por si acaso", "self_harm"),
    ("es", "un señor de 45 me escribe y me pide fotos en ropa interior, tengo 12", None),
    ("es", "mi ex dice q si no vuelvo con el sube mis fotos", "harmed_by_others"),
    ("es", "el dueño del cuarto dice q si no me acuesto con el me saca", "harmed_by_others"),
    ("es", "me dijo q si le cuento a alguien me mata", "harmed_by_others"),
    ("es", "esos chavos me las van a pagar, ya tengo la navaja", None),
    ("es", "me trague como 30 ibuprofenos hace rato", "immediate_danger"),
    ("es", "hay alguien intentando abrir la puerta de mi casa y estoy sola", "immediate_danger"),
    ("es", "les regale mis juegos a mis primos, ya no los voy a necesitar", "final_statements"),
    # Portuguese
    ("pt", "ja separei os remedios, vai ser hoje qnd todo mundo dormir", "immediate_danger"),
    ("pt", "passei a madrugada pesquisando formas de morrer sem dor", "suicide"),
    ("pt", "to escondendo os cortes com pulseira faz meses", "self_harm"),
    ("pt", "comprei gilete e nao eh pra depilar", "self_harm"),
    ("pt", "um cara de 40 no discord pediu foto minha sem roupa, tenho 13", "harmed_by_others"),
    ("pt", "ele disse q se eu contar pra alguem ele me mata", "harmed_by_others"),
    ("pt", "vou esperar ele sair da escola e meter a faca nele", "harm_to_others"),
    ("pt", "acabei de engolir uns 25 comprimidos de dipirona", "immediate_danger"),
    ("pt", "dei meus jogos pro meu irmao, nao vou precisar mais", "final_statements"),
    # Italian
    ("it", "ho messo da parte le pastiglie, stanotte quando dormono lo faccio", None),
    ("it", "ho cercato metodi indolori tutta la notte", "suicide"),
    ("it", "ho le braccia piene di tagli e nessuno se ne accorge", "self_harm"),
    ("it", "un uomo di 40 anni mi chiede foto nuda su telegram, ho 14 anni", "harmed_by_others"),
    ("it", "domani porto il coltello e quel bastardo la paga", "harm_to_others"),
    ("it", "ho appena ingoiato 30 pillole di tachipirina", "immediate_danger"),
    ("it", "ho regalato i miei giochi a mio fratello, tanto non mi servono piu", None),
    # French
    ("fr", "j'ai mis de côté les cachets, ce soir quand ils dormiront je le fais", None),
    ("fr", "j'ai cherché des méthodes sans douleur toute la nuit", "suicide"),
    ("fr", "je cache mes cicatrices avec des bracelets depuis des mois", "self_harm"),
    ("fr", "un mec de 40 ans sur snap me demande des photos de moi nue, j'ai 13 ans", None),
    ("fr", "il menace de balancer mes nudes si je paie pas", "harmed_by_others"),
    ("fr", "demain j'emmène le couteau et ce connard va le regretter", "harm_to_others"),
    ("fr", "je viens d'avaler 15 xanax", "immediate_danger"),
    ("fr", "j'ai donné ma console à mon cousin, j'en aurai plus besoin", "final_statements"),
]


# Round 3: the merged independent set's families (parents away + a decision, pills to not
# wake up, a relapse with a hidden blade, photos held over someone, knowing when a person
# leaves + a knife packed, a kicked door + locked in, pets left in care), in new wordings.
ROUND3_POSITIVES = [
    ("es", "el finde mis padres se van a la playa y ya lo tengo decidido", None),
    (
        "es",
        "una chica de discord tiene mis fotos y dice que las pasa a mi clase si no le pago",
        None,
    ),
    ("es", "me encerré en mi habitación, mi padrastro le está dando patadas a la puerta", None),
    ("es", "cuiden a mis gatos porfa, gracias por todo", "final_statements"),
    ("pt", "cuantos desses comprimidos eu preciso pra não acordar nunca mais", "suicide"),
    ("pt", "sei que horas ele volta da escola e a faca já tá na mochila", "harm_to_others"),
    ("pt", "ela tá chutando a porta do quarto, me tranquei no banheiro", None),
    ("fr", "encore deux nuits et j'arrête tout", "suicide"),
    ("fr", "un type sur snap a mes nudes et menace de les publier si je paie pas", None),
    ("fr", "il défonce la porte, je suis enfermée dans ma chambre", "immediate_danger"),
    ("it", "ricaduta stanotte, la lametta la tengo nascosta nel portafoglio", "self_harm"),
    ("it", "so quando torna dalla palestra e ho il coltello nello zaino", "harm_to_others"),
    ("it", "mi vogliono far sposare con uno di 30 anni, ho 14 anni", "harmed_by_others"),
]

ROUND3_NEGATIVES = [
    ("es", "me tomo dos pastillas hoy porque se me olvidó la de anoche, está bien?"),
    ("es", "en la peli el protagonista se tira del puente y sobrevive, qué trama"),
    ("es", "mis papás se van el sábado y ya lo tengo decidido: pijamada en casa"),
    ("pt", "faz seis meses que eu não me corto, tô orgulhosa de mim"),
    ("pt", "alguém que diz que quer morrer, como eu respondo? sou voluntária"),
    ("pt", "comprei uma corda nova pra escalada, sábado vamos pra trilha"),
    ("fr", "plus que 3 jours et j'arrête tout : la clope, le café, les écrans"),
    ("fr", "oublié ma pilule hier, j'en prends deux aujourd'hui ?"),
    ("it", "mio fratello mi tocca ancora la switch, giuro che lo ammazzo"),
    ("it", "ricaduta dopo due mesi, ho ripreso a fumare e lo tengo nascosto a mia madre"),
]


@pytest.mark.parametrize(("language", "text", "category"), POSITIVES + ROUND3_POSITIVES)
def test_indirect_danger_is_reported(language, text, category):
    hit = detect(text)
    assert hit is not None, text
    if category is not None:
        assert hit.category == category, (text, hit)


NEGATIVES = [
    # A decision, a date, a tall building, a search: ordinary plans.
    ("es", "ya lo decidi, hoy me corto el pelo"),
    ("es", "ya tengo la fecha de la boda, el sabado por la noche"),
    ("es", "cual es el edificio mas alto de mexico? tiene mirador?"),
    ("es", "me pase la noche googleando recetas jajaja"),
    ("es", "ese tipo va a pagar la cena hoy"),
    ("es", "es nuestro secreto, no le digas a nadie que te compre el regalo"),
    ("es", "mi perro me sigue hasta el baño"),
    ("es", "me rasque las picaduras hasta sangrar"),
    ("es", "hoy cumplo un año sin cortarme, lo celebre con mi terapeuta"),
    ("es", "compre cuchillas nuevas pa la maquinilla de afeitar de mi papa"),
    ("pt", "ja decidi, amanha vou na academia"),
    ("pt", "esse professor vai me pagar um café amanha"),
    ("pt", "meu cachorro me segue pra todo lado"),
    ("pt", "comprei carvao pro churrasco de domingo"),
    ("pt", "faz 2 anos q parei de me cortar, hj comemorei com minha psicologa"),
    ("it", "oggi ho deciso, domani mi taglio i capelli"),
    ("it", "ho comprato le lamette nuove per il rasoio di papà"),
    ("it", "sono sul ponte con gli amici a guardare il tramonto"),
    ("it", "ho preso due pastiglie per il mal di testa e sto meglio"),
    ("it", "il mio cane mi segue ovunque"),
    ("fr", "c'est décidé, samedi soir on sort"),
    ("fr", "je vais tuer le game ce soir"),
    ("fr", "j'ai acheté des lames neuves pour le rasoir de mon père"),
    ("fr", "un an sans me scarifier aujourd'hui, j'ai fêté ça avec ma psy"),
    ("fr", "ce soir je sors avec les copines, tout est prêt"),
]


@pytest.mark.parametrize(("language", "text"), NEGATIVES + ROUND3_NEGATIVES)
def test_ordinary_talk_like_it_is_not_reported(language, text):
    assert rules_hit(text) is None, (text, detect(text))


def test_romance_lexicons_have_the_combining_cues():
    """Italian had phrases only; every Romance lexicon now lists the cue kinds that the
    harm-to-others, final-statement and immediate-danger rules combine."""
    needed = {"means", "place", "plan", "time", "alone", "act", "finality", "giveaway"}
    needed |= {"violence", "target", "weapon", "farewell", "goodbye", "joke", "future"}
    for code in ("es", "pt", "it", "fr"):
        kinds = {cue.kind for cue in crisis.lexicons()[code].cues}
        assert needed <= kinds, (code, needed - kinds)
