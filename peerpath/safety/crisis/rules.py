"""The vocabulary of the detector: categories, severities, cue kinds, the rules that combine
cues, and the hit a scan reports.

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

Round 4 added the words people leave for others and the harm they describe by its habits:

* final statements: ``relay`` (a message passed on: "tell my sister") with ``absolve`` ("it s
  not her fault", "i love her" at the end), ``finality`` or ``goodbye``; ``absolve`` with
  ``finality``, ``goodbye`` or ``farewell``; ``affairs`` (passwords left, debts paid, a will)
  with ``settled`` ("everything is sorted now"), ``giveaway``, ``bequest``, ``farewell``,
  ``finality``, ``goodbye`` or ``hint`` ("for whoever needs them"), never vetoed by a joke
  (a nervous "lol"); ``settled`` with ``farewell``, ``goodbye``, ``finality``, ``giveaway``
  or ``bequest``; ``gratitude`` (looking back: "you were the only ones who listened") with
  ``finality``, ``goodbye``, ``farewell``, ``absolve``, ``relay`` or ``resolve``;
* self-harm: ``starve`` (not eating) + ``purpose``; ``streak`` ("3 months clean") or
  ``relapse`` with ``relapse``, ``selfharm`` or ``injury``, vetoed by a ``substance``
  ("sober", "vaping": an addiction, not self-harm); marks (``injury``) are not vetoed by an
  everyday plan ("hide the marks for swim class");
* harmed by others: ``menace`` (harm threatened at the writer: "he ll break my arm", "said i m
  next") with ``serious`` ("he means it", "like last time", "when he drinks"), ``threat``,
  ``weapon`` or ``captive``; ``ambush`` (people waiting for the writer) with ``weapon``,
  ``violence``, ``menace`` or ``serious``; ``captive`` ("won t let me leave") with
  ``conceal``, ``threat`` or ``serious``; ``serious`` + ``injury`` ("when he drinks" + "a
  black eye");
* immediate danger: ``symptom`` ("can t feel my hands") with ``act`` ("took them all") or
  ``means``.

Round 5 added frames found in sets the rules were never tuned on (``crisis_training.tsv``):

* a ``listener`` cue (a helper's own words: "are you thinking about suicide", "mentor note",
  "ejemplo del curso", "quand tu dis") vetoes every phrase and rule of its language
  (:data:`ALWAYS_VETOES`): listeners quote and ask about crisis language all day;
* immediate danger: ``place`` with ``approach`` ("at the tracks" + "the 11:40 comes through
  soon") or with ``alone`` ("at the reservoir" + "nobody around");
* in the lexicons, more of each frame: a person then what they do to the writer ("my
  stepdad ... grabbed my hair"), harm the writer fears in themselves ("urges to shake the
  baby"), wishes to stop existing said without the words ("what if i just didn t wake
  up"), goodbyes and finality ("goodbye world", "the last you ll hear from me"), self-harm
  acts, relief and relapse ("dug my nails into", "it calms me", "did it anyway").

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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

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
RANK: Final = {"medium": 1, "high": 2}

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
    # Round 4 (final statements, harm by others, self-harm by its habits): words for those
    # left behind, affairs put in order, threats against the writer, captivity.
    "relay",  # a message passed on: "tell my sister", "if anyone knows my brother", "dites lui"
    "absolve",  # words for those left: "it s not her fault", "none of it is your fault", "i
    #             forgive her", "she did nothing wrong", "tell her i love her"
    "affairs",  # affairs put in order: "left my passwords", "paid back what i owed", "cancelled
    #             my phone contract", "updated my will", "the keys are with the neighbour"
    "settled",  # "everything is sorted now", "it s all in order", "tout est en ordre", "tied up"
    "gratitude",  # looking back on the others: "you were the only ones who listened", "you kept
    #               me going", "it was nice talking to you", "made the last year bearable"
    "starve",  # not eating: "haven t eaten in 3 days", "skip meals", "sin comer", "nie jem nic"
    "streak",  # a clean streak: "after 64 days", "2 weeks clean", "3 mois clean", "2 ay temizdim"
    "relapse",  # "relapsed", "rechute", "tive recaída", "weer gekrast"
    "menace",  # harm threatened against the writer: "he ll kill me", "said i m next", "break my
    #            arm", "make sure i end up in hospital", "il me tue", "beni öldürecek"
    "serious",  # the threat is real: "he means it", "not joking", "he s done it before", "like
    #             last time", "last time it was the belt"
    "ambush",  # people waiting for the writer: "wait for me after school", "me van a esperar a
    #            la salida", "mi aspettano fuori", "vão me pegar na saída"
    "captive",  # held by someone: "has my passport", "locks me in", "won t let me leave", "takes
    #             my phone and my money", "make me sleep in the garage"
    "symptom",  # effects of an overdose: "so dizzy", "can t feel my hands", "throwing up"
    "substance",  # a streak about a substance, no self-harm: "sober", "drinking again", "vaping"
    # Round 5: a helper's own words about crisis language (a listener's safe question, a
    # training note, an example quoted from a course) veto every phrase and rule.
    "listener",  # "are you thinking about suicide", "mentor note:", "ejemplo del curso"
)
# Vetoes of every phrase and rule: a listener asking safely or quoting a course is no crisis.
ALWAYS_VETOES: Final = frozenset({"listener"})
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
    vetoes = frozenset(unless.split()) | ALWAYS_VETOES
    return Rule(frozenset(kinds.split()), category, severity, vetoes, window)


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
    # Self-harm by its effects, its acts and their concealment; marks are no ordinary plan,
    # so a plan in the message does not veto them ("hide the marks for swim class").
    _rule("injury conceal", "self_harm", "medium", "joke game"),
    _rule("injury purpose", "self_harm", "medium", "joke game"),
    _rule("injury relief", "self_harm", "medium", "joke game"),
    _rule("injury selfharm", "self_harm", "medium", "joke game"),
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
    # Round 4: words for those left, affairs put in order, looking back on the others. A
    # nervous "lol" does not excuse affairs put in order ("the password is under the
    # keyboard. idk why im telling u this lol").
    _rule("relay absolve", "final_statements", "high"),
    _rule("relay finality", "final_statements", "high"),
    _rule("relay goodbye", "final_statements", "high"),
    _rule("absolve finality", "final_statements", "high"),
    _rule("absolve goodbye", "final_statements", "high"),
    _rule("absolve farewell", "final_statements", "high"),
    _rule("affairs settled", "final_statements", "high", "future game"),
    _rule("affairs giveaway", "final_statements", "high", "future game"),
    _rule("affairs bequest", "final_statements", "high", "future game"),
    _rule("affairs farewell", "final_statements", "high", "future game"),
    _rule("affairs finality", "final_statements", "high", "future game"),
    _rule("affairs goodbye", "final_statements", "high", "future game"),
    _rule("affairs hint", "final_statements", "high", "future game"),
    _rule("settled farewell", "final_statements", "high"),
    _rule("settled goodbye", "final_statements", "high"),
    _rule("settled finality", "final_statements", "high"),
    _rule("settled giveaway", "final_statements", "high"),
    _rule("settled bequest", "final_statements", "high"),
    _rule("gratitude finality", "final_statements", "high"),
    _rule("gratitude goodbye", "final_statements", "high"),
    _rule("gratitude farewell", "final_statements", "high"),
    _rule("gratitude absolve", "final_statements", "high"),
    _rule("gratitude relay", "final_statements", "high"),
    _rule("resolve gratitude", "final_statements", "high"),
    # Round 4: self-harm by its habits (not eating as a punishment, a clean streak broken).
    _rule("starve purpose", "self_harm", "medium"),
    _rule("streak relapse", "self_harm", "medium", "future joke game substance"),
    _rule("streak selfharm", "self_harm", "medium", "future joke game substance"),
    _rule("streak injury", "self_harm", "medium", "future joke game substance"),
    _rule("relapse selfharm", "self_harm", "medium", "future joke game substance"),
    _rule("relapse injury", "self_harm", "medium", "future joke game substance"),
    # Round 4: harm threatened against the writer, people waiting for them, captivity.
    _rule("menace serious", "harmed_by_others", "high", "joke game trivial"),
    _rule("menace threat", "harmed_by_others", "high", "joke game trivial"),
    _rule("menace weapon", "harmed_by_others", "high", "joke game trivial"),
    _rule("menace captive", "harmed_by_others", "high", "joke game trivial"),
    _rule("ambush weapon", "harmed_by_others", "high", "joke game trivial"),
    _rule("ambush violence", "harmed_by_others", "high", "joke game trivial"),
    _rule("ambush menace", "harmed_by_others", "high", "joke game trivial"),
    _rule("ambush serious", "harmed_by_others", "high", "joke game trivial"),
    _rule("captive conceal", "harmed_by_others", "high", "joke game"),
    _rule("captive threat", "harmed_by_others", "high", "joke game"),
    _rule("captive serious", "harmed_by_others", "high", "joke game"),
    # Violence at home that is real ("when he drinks", "like last time") and its marks.
    _rule("serious injury", "harmed_by_others", "high", "joke game"),
    # Round 4: an overdose taken, by its effects.
    _rule("symptom act", "immediate_danger", "high", "joke game"),
    _rule("symptom means", "immediate_danger", "high", "joke game"),
    # Round 5: a dangerous place with a vehicle coming ("at the tracks" + "the 11:40 comes
    # through soon") or with nobody around ("at the reservoir" + "nobody around").
    _rule("place approach", "immediate_danger", "high"),
    _rule("place alone", "immediate_danger", "high"),
    # A negated phrase ("i won t kill myself") next to a sign of danger is still reported.
    _rule("negated means", "negated", "medium", ""),
    _rule("negated place", "negated", "medium", ""),
    _rule("negated plan", "negated", "medium", ""),
    _rule("negated alone", "negated", "medium", ""),
    _rule("negated goodbye", "negated", "medium", "future"),
    _rule("negated time", "negated", "medium", "future"),
)


RULES_WITHOUT_NEGATED: Final = tuple(rule for rule in RULES if "negated" not in rule.kinds)


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


NEGATION: Final = "negation"
# Cue kinds of which every rule has at least one (checked at import).
STRONG_KINDS: Final = frozenset(
    {"means", "place", "height", "plan", "act", "goodbye", "farewell", "giveaway"}
    | {"violence", "weapon", "negated"}
    | {"resolve", "method", "injury", "selfharm", "secret", "sexual", "revenge", "stalk"}
    | {"intruder", "bequest", "minor"}
    | {"relay", "absolve", "affairs", "settled", "gratitude", "starve", "streak", "relapse"}
    | {"menace", "ambush", "captive", "symptom"}
)
if not all(rule.kinds & STRONG_KINDS for rule in RULES):  # pragma: no cover
    raise ValueError("every rule needs a strong cue kind")


VETOES: Final = frozenset(kind for rule in RULES for kind in rule.unless)


# Short, frequent cue kinds, scanned apart from the others so they hide none of them.
COMMON_KINDS: Final = frozenset(
    {"target", "here", "time", "future", "joke", "trivial", "game", "negation", "violence"}
)
