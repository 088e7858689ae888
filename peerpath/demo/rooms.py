"""Group support rooms for the demo community: moderators and hosts, three months of hosted
sessions and two weeks ahead, recent conversation in the busiest rooms, a little moderation
history (reports, a warning, a mute, a kick) and two pop-up rooms open around now.

``seed_demo`` (the command) calls :func:`seed_rooms` after the people, the mentoring data
and the ladder evaluation exist, so room locks can be checked against real awards. The
catalogue itself is loaded by the rooms app on migrate; this module only adds activity.

Bounded whatever the size: people are drawn from a deterministic sample of at most
``SAMPLE_USERS`` (plus the demo logins and some moderators), and the rows written are a few
thousand, so the large size (1M users) takes about as long as the small one.

Invariants kept by construction (the rooms services would enforce them live):

* everyone who writes, hosts or reports in a room is of the room's band for the whole time
  involved (adults from before the history starts; teens who stay teens past the last
  scheduled session), had joined by then, fits the room's audience, speaks its language
  and meets its lock, evaluated by the ladder's own evaluator on the ladder's facts;
* moderators of teen communities are teens, of adult communities adults;
* sharing-circle messages are written inside a started session by its participants;
* message ids follow time order; a muted person writes nothing after the mute;
* nothing is in the future except upcoming sessions, pop-up windows and sanction expiries.

Deterministic: one random stream seeded with the seed, every time an offset from the anchor.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max

from peerpath.accounts.models import AccountType, Profile, User
from peerpath.accounts.roles import Role
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.services import record_activities_bulk
from peerpath.core.bulk import BulkInserter, Epoch, date_strings, datetime_strings
from peerpath.demo.generator import DEMO_LOGINS
from peerpath.progression import facts as ladder_facts
from peerpath.progression import ladder, ladder_roles, rules
from peerpath.rooms.models import (
    ModAction,
    ModerationLog,
    Participation,
    Report,
    ReportReason,
    ReportStatus,
    Room,
    RoomAudience,
    RoomBand,
    RoomCategory,
    RoomMessage,
    RoomSession,
    RoomSettings,
    RoomStaff,
    RoomStaffKind,
    Sanction,
    SanctionKind,
    SessionKind,
)
from peerpath.rooms.services.catalogue import load_catalogue

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_STREAM_ROOMS: Final = 5  # generator.py uses 1-3, mentorship.py 4
# Activity references, as rooms.services writes them.
PARTICIPATION_REF: Final = "rooms.participation"
SESSION_REF: Final = "rooms.session"
MINUTE: Final = 60
HOUR: Final = 3600
DAY: Final = 86_400
SAMPLE_USERS: Final = 6000
IN_CHUNK: Final = 900  # ids per IN (...) list
MAX_MODERATORS: Final = 200
HISTORY_DAYS: Final = 3  # recent messages
PAST_SESSION_DAYS: Final = 91  # hosting history
AHEAD_DAYS: Final = 14  # upcoming sessions
BUSY_ADULT_ROOMS: Final = 24
BUSY_TEEN_ROOMS: Final = 16
CIRCLES_WITH_CHAT: Final = 6
LANGUAGE_ROOM_MESSAGES: Final = 20  # few phrases written per language: keep these rooms short
MAX_SERIES_PER_HOST: Final = 2
SUPPORT_SESSION_ROOMS: Final = 8
MODERATORS_PER_COMMUNITY: Final = 3
HOSTS_PER_ROOM: Final = 2
MIN_SENDERS: Final = 4
CANCELLED_SHARE: Final = 0.05
# Topics whose rooms get no generated chat: invented words there could read as a disclosure.
QUIET_TOPICS: Final = frozenset(
    {"self-harm-recovery", "trauma", "substance-use", "eating-body-image"}
)
# Rooms opened by the demo with a window around now: (slug, opens before anchor, open for).
POP_UPS: Final = (("self-care-check-in", 6 * HOUR, 2 * DAY), ("teen-exam-season", DAY, 4 * DAY))
_HOUR_WEIGHTS: Final = np.array(
    [1.0, 0.7, 0.5, 0.4, 0.3, 0.3, 0.4, 0.7, 1.0, 1.2, 1.3, 1.4,
     1.6, 1.6, 1.6, 1.8, 2.1, 2.5, 2.9, 3.2, 3.3, 3.0, 2.4, 1.6]
)  # fmt: skip
_HOUR_P: Final = _HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()
# How busy a topic's room is (unknown topics 1.0); rooms with no topic use their category.
_TOPIC_BUSY: Final = {
    "anxiety": 9, "depression": 8, "stress": 7, "loneliness": 6, "relationships": 5,
    "school-studies": 6, "self-esteem": 5, "family": 4, "breakups": 3.5, "bullying": 3,
    "work-career": 3.5, "panic": 3, "sleep": 3, "lgbtqia": 3.5, "grief-loss": 2.5,
    "social-anxiety": 3, "parenting": 2.5, "life-changes": 2, "anger": 2,
    "chronic-illness": 2, "listening-skills": 2,
}  # fmt: skip
_SLUG_BUSY: Final = {
    "welcome-room": 8, "general-support": 9, "teen-welcome-room": 7, "teen-general-support": 8,
    "listener-support-room": 6, "teen-listeners-room": 6, "positivity-gratitude": 4,
    "teen-positivity": 4, "apoyo-general-es": 4, "apoio-geral-pt": 3,
}  # fmt: skip
_CATEGORY_BUSY: Final = {
    RoomCategory.ALWAYS_OPEN.value: 7.0,
    RoomCategory.MEMBER_SUPPORT.value: 2.0,
    RoomCategory.LISTENER.value: 2.5,
}

# --- Words ----------------------------------------------------------------------------------
# Kind, ordinary peer-support chat. Nothing here describes a crisis: crisis handling is shown
# by the product itself, not by invented disclosures.

_OPEN_ADULT: Final[dict[str, tuple[str, ...]]] = {
    "anxiety": (
        "My anxiety has been loud all day and I can't pin down why.",
        "Big meeting tomorrow and my mind keeps running through everything that could go wrong.",
        "Does anyone else get anxious about replying to messages? I have twelve unanswered.",
    ),
    "depression": (
        "Another grey day. Managed to get dressed though, so that's something.",
        "I've been sleeping a lot and still feel tired. Anyone else?",
        "Hard to explain to people at work why everything feels like it's behind glass.",
    ),
    "stress": (
        "Work, family stuff and the car broke down. It's all landing at once this week.",
        "I keep saying yes to everything and now I'm buried under my to-do list.",
        "Just need to vent for a minute: today was a lot.",
    ),
    "loneliness": (
        "Moved here a year ago and still don't really know anyone.",
        "Weekends are the hardest. Everyone seems to have plans except me.",
        "Sometimes this room is the only conversation I have all day, so thanks for being here.",
    ),
    "relationships": (
        "My partner and I keep having the same argument about chores. How do you break the loop?",
        "Not sure if I'm being unreasonable or if I'm just tired.",
        "We've been together five years and lately it feels like we're flatmates.",
    ),
    "breakups": (
        "Three weeks since the breakup. Some days are fine and some days I reread old messages.",
        "How do you stop checking their socials? I know it doesn't help.",
    ),
    "family": (
        "Family dinner on Sunday and I'm already dreading the questions.",
        "My mum and I had another fight about the same old thing.",
    ),
    "parenting": (
        "Toddler tantrums all week. I love him but I'm running on fumes.",
        "How do you all find any time for yourselves with kids at home?",
    ),
    "grief-loss": (
        "It would have been my dad's birthday today.",
        "People say it gets easier. Some days I believe it.",
    ),
    "self-esteem": (
        "I got a compliment today and my first thought was that they didn't mean it.",
        "Trying to be kinder to myself but my inner critic is relentless.",
    ),
    "work-career": (
        "My manager keeps moving deadlines forward and I don't know how to push back.",
        "Got another rejection email. That's eight this month.",
        "Thinking about changing careers at 35. Is that silly?",
    ),
    "school-studies": (
        "Dissertation due in two weeks and I've written half a page.",
        "Working full time and studying at night is wearing me down.",
    ),
    "lgbtqia": (
        "Came out to a coworker today and it went better than I expected!",
        "Visiting family this weekend, where I'm still not really out. Wish me luck.",
    ),
    "sleep": (
        "Awake at 3am again. Anyone else up?",
        "What's your wind-down routine? Mine is scrolling, and I know that's the problem.",
    ),
    "panic": (
        "Had a panic attack on the bus this morning. I'm okay now but shaky.",
        "Grounding tips please? The 5-4-3-2-1 one stopped working for me.",
    ),
    "social-anxiety": (
        "I have a work party on Friday and I already want to cancel.",
        "Said hi to my neighbour today. Tiny thing, big deal for me.",
    ),
    "anger": (
        "Snapped at my partner over nothing and felt awful afterwards.",
        "How do you cool down when you feel the anger rising?",
    ),
    "chronic-illness": (
        "Flare day. Cancelled plans again and feeling guilty about it.",
        "Tired of explaining to people that looking fine isn't feeling fine.",
    ),
    "life-changes": (
        "Starting a new job on Monday. Excited and terrified in equal parts.",
        "Kids left for university and the house feels so quiet.",
    ),
    "": (
        "Hi everyone. Rough day, just wanted to be around people for a bit.",
        "Not sure where to start, things have just been a lot lately.",
        "Does anyone else feel like they're pretending to be fine all the time?",
        "Checking in: had a pretty okay day, actually. Trying to notice those more.",
        "I finally said no to something I didn't want to do. Feels strange but good.",
        "First time posting here. I've been reading for a while.",
        "Had a long week. Just want to sit somewhere kind for a bit.",
        "Does anyone have a small thing that reliably makes a bad day a bit better?",
        "Trying to get back into a routine after a messy few weeks.",
    ),
}
_OPEN_TEEN: Final[dict[str, tuple[str, ...]]] = {
    "anxiety": (
        "I have a presentation tomorrow and my stomach has been in knots all evening.",
        "Does anyone else overthink every single thing they said at school?",
    ),
    "depression": (
        "Everything feels kind of flat lately, even stuff I used to love.",
        "Didn't want to get out of bed today. Made it to school though.",
    ),
    "stress": (
        "Three tests next week and a project due. I don't know where to start.",
        "My parents expect top grades in everything and it's a lot.",
    ),
    "school-studies": (
        "Failed my maths quiz even though I studied. Feeling pretty down about it.",
        "How do you all stay focused when studying? I keep ending up on my phone.",
    ),
    "loneliness": (
        "Everyone at lunch has their group and I just kind of float around.",
        "My best friend moved away and school feels so empty now.",
    ),
    "relationships": (
        "My friends made plans without me and I saw it on their stories.",
        "How do you tell a friend they hurt your feelings without starting drama?",
    ),
    "family": (
        "My parents argued again tonight. I put my headphones on but I can still hear it.",
        "My sibling always gets away with everything and I always get blamed.",
    ),
    "self-esteem": (
        "Everyone seems better at everything than me.",
        "I'm trying to stop comparing myself to people online. It's hard.",
    ),
    "bullying": (
        "Some people in my class keep making fun of my voice.",
        "Someone made a group chat just to make jokes about me. I told my teacher today.",
    ),
    "lgbtqia": (
        "I think I want to come out to my best friend but I'm scared it'll change things.",
        "Found a club at school for LGBTQ+ students. Thinking about going!",
    ),
    "sleep": (
        "It's late and my brain won't stop replaying the day.",
        "How do you fall asleep when you're stressed about tomorrow?",
    ),
    "": (
        "Hey everyone, how's your day going?",
        "Kind of a weird day. Not bad, not good, just weird.",
        "Anyone else just need to talk to someone who isn't family right now?",
        "I finished all my homework before dinner for once!",
        "First time here. Not really sure what to say, just wanted to say hi.",
        "Today was long. Can I just hang out here for a bit?",
        "What do you all do to relax after school?",
        "I've been feeling a bit off this week and I don't know why.",
    ),
}
_OPEN_LISTENER: Final = (
    "Had a heavy chat earlier. Still thinking about it, how do you all switch off after?",
    "Question for experienced listeners: how do you end a chat kindly when it runs for hours?",
    "Got my first positive review today!",
    "Does anyone else find it hard when a member leaves mid-chat without saying bye?",
    "How do you handle someone who only wants advice when you want to listen first?",
    "Taking a few days off from chats to rest. Boundaries count too, right?",
)
_OPEN_TEEN_LISTENER: Final = (
    "Had my first chat with someone stressed about exams. I think it went okay?",
    "How do you balance listening with homework? I keep getting requests during study time.",
    "A member thanked me today and I was smiling for an hour.",
    "What do you say when you don't know what to say?",
)
_FOLLOW_UPS_LISTENER: Final = (
    "That's a really good tip, thanks.",
    "Good to know it's not just me.",
    "I'll try that in my next chat.",
    "Yes, I think I needed the reminder to rest too.",
)
_CLOSERS_LISTENER: Final = (
    "Thanks all, off to make a cuppa before my next chat.",
    "Appreciate you all!",
    "Thanks, this room always helps.",
)
_OPEN_ALWAYS_OPEN: Final = (
    "Anyone else up? Can't sleep and could use some company.",
    "Quick check-in: feeling about a 5 out of 10 today. How's everyone else?",
    "Small win: I cooked an actual meal tonight.",
    "Just here to be around people for a bit, don't mind me.",
)
# Gentle suggestions: the replies a member might (mistakenly) report as unhelpful advice.
_ADVICE: Final = (
    "Something that helped me was writing it all down before bed. Might be worth a try?",
    "Is there someone in your life you feel safe talking to about this as well?",
    "A short walk or some fresh air sometimes takes the edge off for me.",
    "Maybe try breaking it into one tiny step for tomorrow? Just one.",
)
_REPLIES: Final = (
    "That sounds really hard. Thank you for trusting us with it.",
    "You're not alone in this, I've felt something really similar.",
    "It makes complete sense that you feel that way.",
    "What usually helps you a little when it gets like this?",
    "I'm glad you came here to talk about it.",
    "Take your time, we're listening.",
    "That's a lot to carry. Be gentle with yourself today.",
    "Do you want ideas, or mostly to vent? Both are completely fine.",
    "Small steps still count. You showed up here, and that matters.",
    "How are you feeling right now, compared to earlier?",
    "Proud of you for saying it out loud.",
    "Sending you a virtual cup of tea if you'd like one.",
    "You're handling more than you give yourself credit for.",
    "Thank you for sharing. I'm really glad you're here.",
    "Sounds like you've been carrying this for a while.",
    *_ADVICE,
)
_REPLIES_ADULT: Final = (
    "Would it help to talk it over with your doctor or a counsellor too?",
    "I went through something like that last year. It did ease with time.",
)
_REPLIES_TEEN: Final = (
    "Honestly same, you're definitely not the only one.",
    "Maybe a school counsellor or a trusted adult could help too?",
    "That's so unfair, I'm sorry.",
)
_REPLIES_LISTENER: Final = (
    "Great question. I give a gentle heads-up about ten minutes before I need to go.",
    "Congrats! That feeling never gets old.",
    "Totally normal. It's usually not about you; people get interrupted.",
    "A short walk after heavy chats helps me leave them behind.",
    "Reflect first, then ask if they'd like ideas. It keeps the focus on them.",
    "Good on you for resting. We can't pour from an empty cup.",
    "If a chat stays with you, the debrief room is a good place to bring it too.",
    "Sometimes 'that sounds really hard' is the whole answer, and that's okay.",
)
_FOLLOW_UPS: Final = (
    "Thanks. Mostly I just needed to get it out.",
    "I haven't really told anyone else yet.",
    "It's a bit better now that I've said it.",
    "That actually helps to hear.",
    "Honestly a bit calmer than when I logged on.",
    "Yeah, it's been building up for a while.",
    "I think I'm being too hard on myself, as usual.",
)
_CLOSERS: Final = (
    "Thank you all, this really helped. Going to make some tea.",
    "Thanks everyone, I feel a bit lighter now.",
    "I appreciate you all so much. Take care, everyone!",
    "Thank you for listening :)",
    "Thanks for being so kind, everyone.",
    "This room is the best. Thank you.",
)
_WELCOMES: Final = (
    "Welcome in! How are you doing today?",
    "Hi! Glad you found us.",
    "Hi all :)",
)
_LANG: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "es": {
        "open": (
            "Hola a todos. Ha sido una semana difícil y solo quería hablar un poco.",
            "Mañana tengo una entrevista de trabajo y me cuesta mucho estar tranquila.",
            "Últimamente siento mucha soledad. ¿A alguien más le pasa?",
            "Hoy fue un día bastante bueno y quería compartirlo.",
        ),
        "reply": (
            "Gracias por compartirlo. Aquí estamos para escucharte.",
            "Tiene mucho sentido que te sientas así.",
            "¿Qué te suele ayudar un poco en días así?",
            "A mí también me ha pasado, no es solo cosa tuya.",
            "Me alegra que hayas venido a contarlo.",
        ),
        "follow": (
            "Gracias, necesitaba decirlo en voz alta.",
            "Creo que saldré a caminar un rato.",
            "Sí, lo llevo acumulando desde hace semanas.",
        ),
        "close": (
            "Muchas gracias a todos, me siento mejor.",
            "Gracias por escucharme. ¡Hasta pronto!",
        ),
    },
    "pt": {
        "open": (
            "Oi, pessoal. A semana foi pesada e eu só queria conversar um pouco.",
            "Estou com muita ansiedade por causa de uma prova amanhã.",
            "Hoje consegui sair de casa e dar uma volta. Pequena vitória!",
        ),
        "reply": (
            "Obrigado por compartilhar. Estamos aqui com você.",
            "Faz todo o sentido se sentir assim.",
            "O que costuma te ajudar nesses dias?",
            "Que bom que você veio conversar.",
        ),
        "follow": ("Obrigada, já me sinto um pouco melhor.", "Acho que vou descansar um pouco."),
        "close": ("Valeu, pessoal! Até mais.", "Obrigada pelo carinho de vocês."),
    },
    "fr": {
        "open": (
            "Bonjour tout le monde. Journée compliquée, j'avais besoin d'en parler.",
            "J'ai un entretien demain et je n'arrive pas à me détendre.",
        ),
        "reply": (
            "Merci de partager ça avec nous.",
            "C'est tout à fait compréhensible de ressentir ça.",
            "Qu'est-ce qui t'aide un peu dans ces moments-là ?",
        ),
        "follow": ("Merci, ça fait du bien d'en parler.", "Je crois que je vais aller marcher."),
        "close": ("Merci à tous pour votre gentillesse. À bientôt !",),
    },
    "de": {
        "open": (
            "Hallo zusammen. Heute war ein anstrengender Tag, ich wollte einfach reden.",
            "Morgen habe ich ein Vorstellungsgespräch und bin ziemlich nervös.",
        ),
        "reply": (
            "Danke, dass du das mit uns teilst.",
            "Das klingt wirklich anstrengend.",
            "Was hilft dir an solchen Tagen ein bisschen?",
        ),
        "follow": ("Danke, es tut gut, das loszuwerden.", "Ich gehe gleich eine Runde spazieren."),
        "close": ("Vielen Dank euch allen. Bis bald!",),
    },
}
_CIRCLE_HOST_OPEN: Final = (
    "Welcome to the circle, everyone. We'll go round one at a time and you can always pass. "
    "Let's start with one word for how you're feeling today."
)
_CIRCLE_HOST_NEXT: Final = (
    "Thank you for sharing. Who'd like to go next?",
    "Thank you. Let's give that a moment before we move on.",
)
_CIRCLE_HOST_CLOSE: Final = (
    "Thank you all for being here and for listening so kindly. Take care of yourselves this "
    "week, and see you next time."
)
_CIRCLE_SHARES: Final = (
    "Tired, but glad to be here.",
    "Hopeful. This week was a little easier than the last one.",
    "Okay today. Mostly grateful for this group.",
    "A bit anxious, but the breathing exercise earlier helped.",
    "Calm. I finally got a proper night's sleep.",
    "Proud. I did something this week I'd been putting off for months.",
    "Restless. It's been a busy week and I'm glad to slow down.",
)
_CIRCLE_SKIP: Final = "I'll pass for now and just listen, thanks."
_CIRCLE_HOST_AFTER_SKIP: Final = "That's completely fine, thank you for being here."
_CIRCLE_REPLIES: Final = (
    "Thank you for sharing that.",
    "That really resonated with me.",
    "Glad to hear it, well done.",
)
_SESSION_DESCRIPTIONS: Final = {
    SessionKind.SHARING_CIRCLE: (
        "A hosted circle: a short check-in, turns to share (or pass), and a gentle close."
    ),
    SessionKind.SUPPORT_SESSION: (
        "A hosted support hour: the host keeps the room calm and makes sure everyone is heard."
    ),
    SessionKind.SKILLS_DISCUSSION: "A hosted discussion for group chat leaders.",
}
_SKILLS_TOPICS: Final = (
    "Welcoming newcomers",
    "Handling cross-talk kindly",
    "Closing a room well",
    "When to call a moderator",
    "Reflective listening in groups",
    "Looking after yourself as a leader",
)

# Moderation stories: (key, text). Written by people who are then reported and sanctioned.
_SPAM: Final = "Free followers for everyone!! Check the link on my profile"
_CONTACT_1: Final = "this is getting long, add me on insta so we can chat there: sunnydays.2210"
_CONTACT_2: Final = "seriously just message me on insta, same handle as before"
_UNKIND: Final = "ugh you're being so dramatic, it's literally just one test"
_FLOOD: Final = "anyone want to play?? anyone?? ANYONE??"


# --- People ---------------------------------------------------------------------------------


@dataclass(slots=True)
class People:
    """The sampled people as columns, in id order; times in epoch seconds."""

    ids: I64
    usernames: list[str]
    listener: Bools
    teen_from: I64
    adult_from: I64
    joined: I64
    moderator: Bools
    speaks: list[frozenset[str]]
    group_chats: I64
    hosted: I64
    held: dict[str, Bools]
    row_of: dict[str, int]  # demo login -> row

    def __len__(self) -> int:
        return len(self.ids)

    def holds(self, slug: str) -> Bools:
        found = self.held.get(slug)
        return found if found is not None else np.zeros(len(self), bool)


def _epoch(value: dt.datetime | None) -> int:
    return int(value.timestamp()) if value is not None else 0


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield list(ids[start : start + IN_CHUNK])


def _sample_ids(rng: np.random.Generator) -> list[int]:
    """At most SAMPLE_USERS user ids drawn from the id range, plus every demo login and up
    to MAX_MODERATORS holders of the Moderator role."""
    bounds = User.objects.aggregate(lo=models.Min("pk"), hi=Max("pk"))
    lo, hi = bounds["lo"], bounds["hi"]
    if lo is None or hi is None:
        return []
    span = hi - lo + 1
    drawn = (
        np.arange(lo, hi + 1, dtype=np.int64)
        if span <= SAMPLE_USERS
        else lo + rng.choice(span, SAMPLE_USERS, replace=False).astype(np.int64)
    )
    demo = User.objects.filter(username__in=[login.username for login in DEMO_LOGINS])
    mods = User.objects.with_role(Role.MODERATOR).order_by("pk")
    extra = [
        *demo.values_list("pk", flat=True),
        *mods.values_list("pk", flat=True)[:MAX_MODERATORS],
    ]
    return sorted(set(drawn.tolist()) | set(extra))


def load_people(rng: np.random.Generator, anchor: dt.datetime) -> People:
    """The sample with everything the rooms need: band thresholds, roles, languages, the
    ladder's facts (awards and counts) as of the anchor."""
    rows: list[tuple[Any, ...]] = []
    for chunk in _chunks(_sample_ids(rng)):
        rows += (
            User.objects.filter(pk__in=chunk, is_active=True, teen_from__lte=anchor)
            .not_suspended(anchor)
            .values_list("pk", "username", "account_type", "teen_from", "adult_from", "date_joined")
        )
    rows.sort(key=lambda r: r[0])
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    n = len(ids)
    moderators: set[int] = set()
    speaks: dict[int, set[str]] = {}
    link = Profile.languages.through
    for chunk in _chunks(ids.tolist()):
        moderators |= set(
            User.objects.with_role(Role.MODERATOR).filter(pk__in=chunk).values_list("pk", flat=True)
        )
        for user_id, code in link.objects.filter(profile_id__in=chunk).values_list(
            "profile_id", "language__code"
        ):
            speaks.setdefault(user_id, set()).add(code)
    people = People(
        ids=ids,
        usernames=[r[1] for r in rows],
        listener=np.array([r[2] == AccountType.LISTENER for r in rows], dtype=bool),
        teen_from=np.array([_epoch(r[3]) for r in rows], dtype=np.int64),
        adult_from=np.array([_epoch(r[4]) for r in rows], dtype=np.int64),
        joined=np.array([_epoch(r[5]) for r in rows], dtype=np.int64),
        moderator=np.isin(ids, np.array(sorted(moderators), dtype=np.int64)),
        speaks=[frozenset(speaks.get(int(i), ())) for i in ids.tolist()],
        group_chats=np.zeros(n, np.int64),
        hosted=np.zeros(n, np.int64),
        held={},
        row_of={},
    )
    demo_names = {login.username for login in DEMO_LOGINS}
    people.row_of = {u: i for i, u in enumerate(people.usernames) if u in demo_names}
    return people


class Locks:
    """Room locks evaluated for the sample with the ladder's evaluator, cached per lock."""

    def __init__(self, people: People, rooms: Sequence[Room], anchor: dt.datetime) -> None:
        vocab = ladder.vocabulary()
        self.n = len(people)
        self.parsed: dict[str, rules.Criterion] = {}
        for room in rooms:
            if room.lock_criteria:
                key = json.dumps(room.lock_criteria, sort_keys=True)
                self.parsed.setdefault(key, rules.parse(room.lock_criteria, vocab))
        counts = rules.parse(
            {"all": [{"count": "group_chat", "min": 0}, {"count": "session_hosted", "min": 0}]},
            vocab,
        )
        rule_set = [
            rules.Rule(slug=f"lock-{i}", criteria=c, automatic=False)
            for i, c in enumerate([counts, *self.parsed.values()])
        ]
        facts, _ = ladder_facts.load(rule_set, now=anchor, user_ids=people.ids.tolist())
        pos = np.searchsorted(facts.user_ids, people.ids)
        pos = np.minimum(pos, max(facts.n - 1, 0))
        self.pos = pos
        self.facts = facts
        found = facts.user_ids[pos] == people.ids if facts.n else np.zeros(self.n, bool)
        self.found = found
        people.group_chats = np.where(found, facts.count("group_chat", None)[pos], 0)
        people.hosted = np.where(found, facts.count("session_hosted", None)[pos], 0)
        for slug in (
            ladder_roles.ROOM_SUPPORTER,
            ladder_roles.SHARING_CIRCLE_HOST,
            ladder_roles.CHATROOM_MODERATOR,
        ):
            people.held[slug] = found & facts.holds(slug)[pos]
        self.cache: dict[str, Bools] = {}

    def met(self, lock: dict[str, Any]) -> Bools:
        if not lock:
            return np.ones(self.n, bool)
        key = json.dumps(lock, sort_keys=True)
        if key not in self.cache:
            result = rules.evaluate(self.parsed[key], self.facts).met
            self.cache[key] = self.found & result[self.pos]
        return self.cache[key]


# --- Planning -------------------------------------------------------------------------------


@dataclass(slots=True)
class Msg:
    room: int  # room pk
    sender: int  # people row
    at: int
    body: str
    session: int | None = None  # session id
    key: str = ""  # a moderation story's handle


@dataclass(slots=True)
class Session:
    id: int
    room: Room
    kind: SessionKind
    title: str
    host: int  # people row
    starts: int
    ends: int
    started: int | None = None
    ended: int | None = None
    cancelled: int | None = None


@dataclass(frozen=True, slots=True)
class RoomsSummary:
    rooms_with_messages: int
    messages: int
    sessions: int
    staff: int
    reports: int
    sanctions: int
    pop_ups: int
    events: int  # group chats and hosted sessions credited to the activity log
    seconds: float

    def line(self) -> str:
        return (
            f"Rooms seeded: messages={self.messages} in {self.rooms_with_messages} rooms, "
            f"sessions={self.sessions}, staff={self.staff}, reports={self.reports}, "
            f"sanctions={self.sanctions}, pop-ups open={self.pop_ups}, events={self.events}, "
            f"seconds={self.seconds:.1f}"
        )


@dataclass(slots=True)
class Plan:
    anchor: int
    staff: list[tuple[int, str, int | None, int | None]] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    messages: list[Msg] = field(default_factory=list)
    # Moderation stories, resolved to rows once message ids are known.
    reports: list[dict[str, Any]] = field(default_factory=list)
    sanctions: list[dict[str, Any]] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    pop_ups: list[tuple[int, int, int]] = field(default_factory=list)  # room pk, opens, closes


class Planner:
    def __init__(
        self, rng: np.random.Generator, people: People, rooms: list[Room], anchor: dt.datetime
    ) -> None:
        self.rng = rng
        self.p = people
        self.rooms = rooms
        self.by_slug = {r.slug: r for r in rooms}
        self.a = int(anchor.timestamp())
        self.locks = Locks(people, rooms, anchor)
        self.plan = Plan(anchor=self.a)
        self._speakers: dict[str, Bools] = {}
        self.moderators: dict[int, list[int]] = {}  # community pk -> rows
        self.hosts: dict[int, list[int]] = {}  # room pk -> rows
        self.excluded = np.zeros(len(people), bool)  # moderation-story people
        self.series_of: dict[int, int] = {}  # host row -> session series hosted
        self.busy: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)  # host sessions
        self.next_session = _next_id(RoomSession)

    # -- who may be where --

    def eligible(self, room: Room, *, since: int, until: int) -> Bools:
        """Rows that may write in ``room`` at every moment of [since, until]."""
        p = self.p
        if room.band == RoomBand.ADULT:
            ok = p.adult_from <= since
        else:
            ok = (p.teen_from <= since) & (p.adult_from > until)
        ok = ok & (p.joined <= since)
        if room.audience == RoomAudience.LISTENERS:
            ok &= p.listener
        return ok & self.speakers(room.language or "en") & self.locks.met(room.lock_criteria)

    def speakers(self, language: str) -> Bools:
        if language not in self._speakers:
            self._speakers[language] = np.array([language in s for s in self.p.speaks], bool)
        return self._speakers[language]

    def pick(self, rows: I64, k: int) -> list[int]:
        if not len(rows) or k <= 0:
            return []
        chosen = self.rng.choice(rows, min(k, len(rows)), replace=False)
        return [int(r) for r in chosen.tolist()]

    # -- staff --

    def staff(self) -> None:
        p = self.p
        hist = self.a - PAST_SESSION_DAYS * DAY
        horizon = self.a + (AHEAD_DAYS + 30) * DAY
        adult_ok = (p.adult_from <= hist) & (p.joined <= hist)
        teen_ok = (p.teen_from <= hist) & (p.adult_from > horizon) & (p.joined <= hist)
        supporters = p.holds(ladder_roles.ROOM_SUPPORTER) & p.listener
        adult_mods = np.flatnonzero(adult_ok & p.moderator & p.listener)
        if not len(adult_mods):
            adult_mods = self._ranked(np.flatnonzero(adult_ok & supporters))[:8]
        teen_mods = self._ranked(np.flatnonzero(teen_ok & supporters))[:12]
        if not len(teen_mods):
            teen_mods = self._ranked(np.flatnonzero(teen_ok & p.listener))[:12]
        demo_mod = p.row_of.get("demo-moderator")
        communities = sorted({(r.community.slug, r.community_id, r.band) for r in self.rooms})
        adult_order = [int(r) for r in self.rng.permutation(adult_mods).tolist()]
        teen_order = [int(r) for r in teen_mods.tolist()]
        cursor = {RoomBand.ADULT.value: 0, RoomBand.TEEN.value: 0}
        for _, community_id, band in communities:
            pool = adult_order if band == RoomBand.ADULT else teen_order
            chosen: list[int] = []
            if band == RoomBand.ADULT and demo_mod is not None and adult_ok[demo_mod]:
                chosen.append(demo_mod)
            wanted = min(MODERATORS_PER_COMMUNITY, len(set(pool) | set(chosen)))
            while len(chosen) < wanted:
                row = pool[cursor[band] % len(pool)]
                cursor[band] += 1
                if row not in chosen:
                    chosen.append(row)
            self.moderators[community_id] = chosen
            for row in chosen:
                self.plan.staff.append((row, RoomStaffKind.MODERATOR.value, community_id, None))

    def _ranked(self, rows: I64) -> I64:
        """Most experienced first: hosted sessions, then group chats, then id."""
        p = self.p
        order = np.lexsort((p.ids[rows], -p.group_chats[rows], -p.hosted[rows]))
        return rows[order]

    # -- sessions --

    def schedule(self) -> None:
        circles = [r for r in self.rooms if r.category == RoomCategory.SHARING_CIRCLE]
        for room in circles:
            self._series(room, SessionKind.SHARING_CIRCLE, every_days=7, minutes=60)
        support = [
            r
            for r in self._busiest(BUSY_ADULT_ROOMS + BUSY_TEEN_ROOMS)
            if r.category == RoomCategory.MEMBER_SUPPORT and r.language == "en"
        ][:SUPPORT_SESSION_ROOMS]
        for room in support:
            self._series(room, SessionKind.SUPPORT_SESSION, every_days=7, minutes=45)
        for slug in ("skills-discussions", "teen-skills-discussions"):
            skills = self.by_slug.get(slug)
            if skills is not None:
                self._series(skills, SessionKind.SKILLS_DISCUSSION, every_days=14, minutes=60)

    def _host_pool(self, room: Room) -> list[int]:
        hist = self.a - PAST_SESSION_DAYS * DAY
        ok = self.eligible(room, since=hist, until=self.a + (AHEAD_DAYS + 1) * DAY)
        p = self.p
        ok &= p.listener | p.holds(ladder_roles.ROOM_SUPPORTER)
        ok &= ~self.excluded
        rows = np.flatnonzero(ok)
        if not len(rows):
            return []
        # Sharing Circle Hosts first, then moderators and Room Supporters, by experience.
        tier = np.where(
            p.holds(ladder_roles.SHARING_CIRCLE_HOST)[rows],
            0,
            np.where(
                p.moderator[rows], 1, np.where(p.holds(ladder_roles.ROOM_SUPPORTER)[rows], 2, 3)
            ),
        )
        ranked = rows[np.lexsort((p.ids[rows], -p.hosted[rows], tier))]
        ranked = ranked[[self.series_of.get(int(r), 0) < MAX_SERIES_PER_HOST for r in ranked]]
        top = ranked[: max(HOSTS_PER_ROOM * 6, 12)]
        hosts = self.pick(top, HOSTS_PER_ROOM)
        for row in hosts:
            self.series_of[row] = self.series_of.get(row, 0) + 1
        return hosts

    def _slot(self, hosts: list[int], teen: bool, every_days: int, minutes: int) -> list[int]:
        """Start times of a regular series (evenings, UTC) over the last three months and
        the next two weeks, at a time none of its hosts is hosting elsewhere. The anchor's
        own day is left out: its sessions would be neither history nor clearly ahead."""
        anchor_day = self.a // DAY
        times: list[int] = []
        for _ in range(20):
            hour = int(self.rng.integers(15, 20) if teen else self.rng.integers(17, 22))
            minute = int(self.rng.choice([0, 30]))
            first = anchor_day - PAST_SESSION_DAYS + int(self.rng.integers(0, every_days))
            days = range(first, anchor_day + AHEAD_DAYS + 1, every_days)
            times = [d * DAY + hour * HOUR + minute * MINUTE for d in days if d != anchor_day]
            length = minutes * MINUTE
            if not any(
                start < e + HOUR and s < start + length + HOUR  # an hour apart at least
                for host in hosts
                for s, e in self.busy[host]
                for start in times
            ):
                break
        return times

    def _series(self, room: Room, kind: SessionKind, *, every_days: int, minutes: int) -> None:
        hosts = self._host_pool(room)
        if not hosts:
            return
        self.hosts[room.pk] = hosts
        if kind == SessionKind.SHARING_CIRCLE:
            for row in hosts:
                self.plan.staff.append((row, RoomStaffKind.HOST.value, None, room.pk))
        times = self._slot(hosts, room.band == RoomBand.TEEN, every_days, minutes)
        for turn, starts in enumerate(times):
            ends = starts + minutes * MINUTE
            host = hosts[turn % len(hosts)]
            self.busy[host].append((starts, ends))
            title = room.name
            if kind == SessionKind.SUPPORT_SESSION:
                title = f"{room.name}: evening support"
            elif kind == SessionKind.SKILLS_DISCUSSION:
                title = _SKILLS_TOPICS[turn % len(_SKILLS_TOPICS)]
            s = Session(self.next_session, room, kind, title, host, starts, ends)
            self.next_session += 1
            if ends <= self.a:
                if self.rng.random() < CANCELLED_SHARE:
                    s.cancelled = starts - int(self.rng.integers(2, 48)) * HOUR
                else:
                    s.started = starts + int(self.rng.integers(-4, 8)) * MINUTE
                    s.ended = ends + int(self.rng.integers(-6, 11)) * MINUTE
            self.plan.sessions.append(s)

    # -- messages --

    def _busy_score(self, room: Room) -> float:
        if room.slug in _SLUG_BUSY:
            return _SLUG_BUSY[room.slug]
        if room.language != "en":
            return 0.5
        if room.topic is not None and room.category == RoomCategory.MEMBER_SUPPORT:
            return float(_TOPIC_BUSY.get(room.topic.slug, 1.0))
        return _CATEGORY_BUSY.get(room.category, 1.0)

    def _busiest(self, k: int) -> list[Room]:
        """The rooms that get recent chat: open, unlocked-enough rooms, by expected traffic."""
        candidates = [
            r
            for r in self.rooms
            if r.is_active
            and r.category
            in (RoomCategory.MEMBER_SUPPORT, RoomCategory.ALWAYS_OPEN, RoomCategory.LISTENER)
            and not (r.topic is not None and r.topic.slug in QUIET_TOPICS)
        ]
        quota = {RoomBand.ADULT.value: BUSY_ADULT_ROOMS, RoomBand.TEEN.value: BUSY_TEEN_ROOMS}
        chosen: list[Room] = []
        for band, count in quota.items():
            ranked = sorted(
                (r for r in candidates if r.band == band),
                key=lambda r: (-self._busy_score(r), r.sort_order, r.slug),
            )
            chosen += ranked[: round(count * k / (BUSY_ADULT_ROOMS + BUSY_TEEN_ROOMS))]
        return chosen

    def chat(self) -> None:
        since = self.a - HISTORY_DAYS * DAY
        busy = self._busiest(BUSY_ADULT_ROOMS + BUSY_TEEN_ROOMS)
        self.stories(busy, since)
        top = max((self._busy_score(r) for r in busy), default=1.0)
        for room in busy:
            ok = self.eligible(room, since=since, until=self.a) & ~self.excluded
            rows = np.flatnonzero(ok)
            if len(rows) < MIN_SENDERS:
                continue
            target = int(24 + 72 * self._busy_score(room) / top)
            if room.language != "en":
                target = min(target, LANGUAGE_ROOM_MESSAGES)
            self._room_chat(room, rows, since, self.a, target)
        for room_pk, opens, _ in self.plan.pop_ups:
            room = next(r for r in self.rooms if r.pk == room_pk)
            rows = np.flatnonzero(self.eligible(room, since=opens, until=self.a) & ~self.excluded)
            if len(rows) >= MIN_SENDERS:
                self._room_chat(room, rows, opens, self.a, 18)
        self._circle_chat()

    def _lines(
        self, room: Room
    ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """(openers, replies, follow-ups, closers) for a room."""
        teen = room.band == RoomBand.TEEN
        if room.language in _LANG:
            words = _LANG[room.language]
            return words["open"], words["reply"], words["follow"], words["close"]
        if room.category == RoomCategory.LISTENER:
            listener_opens: tuple[str, ...] = _OPEN_TEEN_LISTENER if teen else _OPEN_LISTENER
            return listener_opens, _REPLIES_LISTENER, _FOLLOW_UPS_LISTENER, _CLOSERS_LISTENER
        table = _OPEN_TEEN if teen else _OPEN_ADULT
        topic = room.topic.slug if room.topic is not None else ""
        opens: tuple[str, ...] = table.get(topic) or table[""]
        if room.category == RoomCategory.ALWAYS_OPEN:
            opens = (*_OPEN_ALWAYS_OPEN, *table[""])
        replies = (*_REPLIES, *(_REPLIES_TEEN if teen else _REPLIES_ADULT))
        return opens, replies, _FOLLOW_UPS, _CLOSERS

    def _start_times(self, count: int, since: int, until: int) -> list[int]:
        """Burst start times in [since, until), weighted to people's evenings (UTC-ish)."""
        first, last = since // DAY, (until - 1) // DAY
        latest = max(since, until - 30 * MINUTE)
        out: list[int] = []
        for _ in range(count):
            at = latest
            for _try in range(50):  # a day, then an hour by the evening-heavy weights
                day = int(self.rng.integers(first, last + 1))
                hour = int(self.rng.choice(24, p=_HOUR_P))
                at = day * DAY + hour * HOUR + int(self.rng.integers(0, HOUR))
                if since <= at < latest:
                    break
            out.append(min(max(at, since), latest))
        return sorted(out)

    def _room_chat(self, room: Room, rows: I64, since: int, until: int, target: int) -> None:
        opens, replies, follows, closers = self._lines(room)
        bursts = max(1, target // 7)
        regulars = self.pick(rows, min(len(rows), 6 + target // 5))
        forced = self._demo_sharer(room)
        openers = [str(x) for x in self.rng.permutation(opens).tolist()]
        at = since
        for b, start in enumerate(self._start_times(bursts, since, until)):
            size = int(self.rng.integers(3, 6))
            group = self.pick(np.array(regulars, dtype=np.int64), size)
            if b == 0 and forced is not None and forced[0] in rows:
                group = [forced[0], *[r for r in group if r != forced[0]]][:size]
                if forced[1] is not None and forced[1] in rows and forced[1] not in group:
                    group = [group[0], forced[1], *group[1:]][:size]
            if len(group) < 2:
                continue
            sharer, others = group[0], group[1:]
            # One conversation at a time: a burst starts after the previous one ended.
            at = max(start, at + int(self.rng.integers(2, 20)) * MINUTE)
            if at >= until:
                break
            script: list[tuple[int, str]] = []
            if self.rng.random() < 0.3 and room.language == "en":
                script.append((others[-1], str(self.rng.choice(_WELCOMES))))
            script.append((sharer, openers[b % len(openers)]))
            used: set[str] = set()
            for turn in range(int(self.rng.integers(2, 7))):
                mine = turn % 3 == 2
                line = str(self.rng.choice(follows if mine else replies))
                if line in used:
                    continue  # nobody says the same thing twice in one conversation
                used.add(line)
                script.append((sharer if mine else others[turn % len(others)], line))
            script.append((sharer, str(self.rng.choice(closers))))
            for sender, body in script:
                at += int(self.rng.integers(25, 200))
                if at >= until:
                    break
                self.plan.messages.append(Msg(room.pk, sender, at, body))

    def _demo_sharer(self, room: Room) -> tuple[int, int | None] | None:
        """The demo logins take part where they fit, so their rooms have their own words."""
        p = self.p
        if room.slug == "anxiety-support" and "demo-member" in p.row_of:
            return p.row_of["demo-member"], p.row_of.get("demo-listener")
        if room.slug == "teen-exam-stress" and "demo-teen-member" in p.row_of:
            return p.row_of["demo-teen-member"], p.row_of.get("demo-teen-listener")
        return None

    def _circle_chat(self) -> None:
        """The last held session of a few circles, with its conversation."""
        latest: dict[int, Session] = {}
        for s in self.plan.sessions:
            if (
                s.kind == SessionKind.SHARING_CIRCLE
                and s.started is not None
                and (s.room.pk not in latest or s.starts > latest[s.room.pk].starts)
            ):
                latest[s.room.pk] = s
        ranked = sorted(
            latest.values(),
            key=lambda s: (-self._busy_score_circle(s.room), s.room.sort_order, s.room.slug),
        )
        for s in ranked[:CIRCLES_WITH_CHAT]:
            since, until = s.started or s.starts, s.ended or s.ends
            rows = np.flatnonzero(self.eligible(s.room, since=since, until=until) & ~self.excluded)
            rows = rows[rows != s.host]
            if len(rows) < MIN_SENDERS or s.room.language != "en":
                continue
            group = self.pick(rows, int(self.rng.integers(4, len(_CIRCLE_SHARES) + 1)))
            shares = [str(x) for x in self.rng.permutation(_CIRCLE_SHARES).tolist()]
            shares[int(self.rng.integers(1, len(group)))] = _CIRCLE_SKIP  # someone passes
            at = since + int(self.rng.integers(1, 4)) * MINUTE
            self.plan.messages.append(Msg(s.room.pk, s.host, at, _CIRCLE_HOST_OPEN, s.id))
            for i, row in enumerate(group):
                at += int(self.rng.integers(60, 180))
                self.plan.messages.append(Msg(s.room.pk, row, at, shares[i], s.id))
                at += int(self.rng.integers(20, 40))
                if shares[i] == _CIRCLE_SKIP:
                    body = _CIRCLE_HOST_AFTER_SKIP
                else:
                    if i % 2 == 1 and shares[i - 1] != _CIRCLE_SKIP:
                        reply = _CIRCLE_REPLIES[int(self.rng.integers(0, len(_CIRCLE_REPLIES)))]
                        self.plan.messages.append(Msg(s.room.pk, group[i - 1], at, reply, s.id))
                        at += int(self.rng.integers(20, 40))
                    body = _CIRCLE_HOST_NEXT[i % len(_CIRCLE_HOST_NEXT)]
                self.plan.messages.append(Msg(s.room.pk, s.host, at, body, s.id))
            close_at = min(at + 5 * MINUTE, until - MINUTE)
            self.plan.messages.append(Msg(s.room.pk, s.host, close_at, _CIRCLE_HOST_CLOSE, s.id))

    def _busy_score_circle(self, room: Room) -> float:
        topic = room.topic.slug if room.topic is not None else ""
        return float(_TOPIC_BUSY.get(topic, 2.0))

    # -- pop-ups --

    def open_pop_ups(self) -> None:
        for slug, before, length in POP_UPS:
            room = self.by_slug.get(slug)
            if room is not None and room.category == RoomCategory.POP_UP:
                opens = self.a - before
                self.plan.pop_ups.append((room.pk, opens, opens + length))

    # -- moderation --

    def _moderator(self, room: Room) -> int | None:
        mods = self.moderators.get(room.community_id) or []
        return mods[0] if mods else None

    def _victim(self, room: Room, since: int) -> int | None:
        """Someone eligible for the room, not a demo login, moderator or host."""
        ok = self.eligible(room, since=since, until=self.a) & ~self.excluded
        ok &= ~self.p.moderator
        for row in self.p.row_of.values():
            ok[row] = False
        for rows in (*self.moderators.values(), *self.hosts.values()):
            ok[rows] = False
        picked = self.pick(np.flatnonzero(ok), 1)
        if not picked:
            return None
        self.excluded[picked[0]] = True
        return picked[0]

    def stories(self, busy: Sequence[Room], since: int) -> None:
        """Reports (open and resolved), a warning, a mute and a kick, each logged.

        The people involved write nothing else (so a muted person is silent after the mute).
        """
        adult = [r for r in busy if r.band == RoomBand.ADULT and r.language == "en"]
        adult = [r for r in adult if r.category != RoomCategory.LISTENER]
        teen = [r for r in busy if r.band == RoomBand.TEEN and r.language == "en"]
        teen = [r for r in teen if r.category != RoomCategory.LISTENER]
        if len(adult) >= 2:
            self._spam_story(adult[0], since)
            self._contact_story(adult[1], since)
        if teen:
            self._unkind_story(teen[0], since)
            chill = self.by_slug.get("teen-chill-zone")
            self._flood_story(chill if chill is not None else teen[-1], since)

    def _message(self, room: Room, sender: int, at: int, body: str, key: str) -> None:
        self.plan.messages.append(Msg(room.pk, sender, at, body, key=key))

    def _reporters(self, room: Room, since: int, k: int, *, skip: int) -> list[int]:
        ok = self.eligible(room, since=since, until=self.a) & ~self.excluded
        ok[skip] = False
        return self.pick(np.flatnonzero(ok), k)

    def _spam_story(self, room: Room, since: int) -> None:
        mod = self._moderator(room)
        who = self._victim(room, since)
        if mod is None or who is None:
            return
        at = self.a - 2 * DAY + 19 * HOUR + 12 * MINUTE
        handled = at + 18 * MINUTE
        self._message(room, who, at, _SPAM, "spam")
        for i, reporter in enumerate(self._reporters(room, since, 2, skip=who)):
            self.plan.reports.append(
                {
                    "key": "spam",
                    "reporter": reporter,
                    "reason": ReportReason.SPAM,
                    "note": "" if i else "Advertising in a support room.",
                    "status": ReportStatus.ACTIONED,
                    "outcome": "Message removed and a warning given.",
                    "handled_by": mod,
                    "handled_at": handled,
                    "at": at + (3 + 4 * i) * MINUTE,
                }
            )
        self._delete(room, "spam", mod, who, handled, "Advertising")
        self._sanction(
            SanctionKind.WARN,
            who,
            mod,
            handled,
            room=room,
            reason="Please don't advertise in support rooms.",
        )

    def _contact_story(self, room: Room, since: int) -> None:
        mod = self._moderator(room)
        who = self._victim(room, since)
        if mod is None or who is None:
            return
        first = self.a - 2 * DAY + 21 * HOUR + 40 * MINUTE
        first_handled = first + 9 * MINUTE
        self._message(room, who, first, _CONTACT_1, "contact-1")
        second = self.a - 4 * HOUR
        second_handled = second + 6 * MINUTE
        self._message(room, who, second, _CONTACT_2, "contact-2")
        settings = RoomSettings.current()
        for key, at, handled, outcome in (
            ("contact-1", first, first_handled, "Message removed and a warning given."),
            ("contact-2", second, second_handled, "Message removed; muted for three days."),
        ):
            for reporter in self._reporters(room, since, 1, skip=who):
                self.plan.reports.append(
                    {
                        "key": key,
                        "reporter": reporter,
                        "reason": ReportReason.PERSONAL_INFO,
                        "note": "Asking people to move to another app.",
                        "status": ReportStatus.ACTIONED,
                        "outcome": outcome,
                        "handled_by": mod,
                        "handled_at": handled,
                        "at": at + 2 * MINUTE,
                    }
                )
            self._delete(room, key, mod, who, handled, "Sharing contact details")
        self._sanction(
            SanctionKind.WARN,
            who,
            mod,
            first_handled,
            room=room,
            reason="Please keep conversations on peerpath: no contact details.",
            expires=first_handled + settings.warning_ttl_hours * HOUR,
        )
        self._sanction(
            SanctionKind.MUTE,
            who,
            mod,
            second_handled,
            room=room,
            reason="Shared contact details again after a warning.",
            expires=second_handled + 3 * DAY,
        )

    def _unkind_story(self, room: Room, since: int) -> None:
        who = self._victim(room, since)
        if who is None:
            return
        at = self.a - DAY + 16 * HOUR + 5 * MINUTE
        self._message(room, who, at, _UNKIND, "unkind")
        for reporter in self._reporters(room, since, 1, skip=who):
            self.plan.reports.append(
                {
                    "key": "unkind",
                    "reporter": reporter,
                    "reason": ReportReason.HARASSMENT,
                    "note": "That was mean to someone who was already upset.",
                    "status": ReportStatus.OPEN,
                    "at": at + 4 * MINUTE,
                }
            )

    def _flood_story(self, room: Room, since: int) -> None:
        mod = self._moderator(room)
        who = self._victim(room, since)
        if mod is None or who is None:
            return
        at = self.a - DAY + 20 * HOUR
        for i in range(3):
            self._message(room, who, at + i * 40, _FLOOD, f"flood-{i}")
        kicked = at + 3 * MINUTE
        self._sanction(
            SanctionKind.KICK,
            who,
            mod,
            kicked,
            room=room,
            reason="Flooding the room after being asked to stop.",
            expires=kicked + RoomSettings.current().kick_minutes * MINUTE,
        )

    def mistaken_and_open_reports(self) -> None:
        """A kind message reported by mistake (dismissed) and one question left open."""
        plain = [m for m in self.plan.messages if not m.key and m.session is None]
        rooms = {r.pk: r for r in self.rooms}
        adult = [m for m in plain if rooms[m.room].band == RoomBand.ADULT and m.body in _ADVICE]
        if len(adult) < 2:
            return
        for m, status in zip(
            self.pick(np.arange(len(adult), dtype=np.int64), 2),
            (ReportStatus.DISMISSED, ReportStatus.OPEN),
            strict=False,
        ):
            msg = adult[m]
            room = rooms[msg.room]
            reporters = self._reporters(room, self.a - HISTORY_DAYS * DAY, 1, skip=msg.sender)
            mod = self._moderator(room)
            if not reporters or mod is None:
                continue
            msg.key = f"reported-{status.value}"
            report: dict[str, Any] = {
                "key": msg.key,
                "reporter": reporters[0],
                "reason": ReportReason.OTHER if status == ReportStatus.OPEN else ReportReason.SPAM,
                "note": "Not sure this advice fits here?" if status == ReportStatus.OPEN else "",
                "status": status,
                "at": msg.at + 11 * MINUTE,
            }
            if status == ReportStatus.DISMISSED:
                report |= {
                    "outcome": "No action needed: the message was kind and on topic.",
                    "handled_by": mod,
                    "handled_at": msg.at + 55 * MINUTE,
                }
            self.plan.reports.append(report)

    def _delete(self, room: Room, key: str, mod: int, who: int, at: int, reason: str) -> None:
        self.plan.logs.append(
            {
                "action": ModAction.DELETE_MESSAGE,
                "actor": mod,
                "room": room.pk,
                "target": who,
                "message_key": key,
                "reason": reason,
                "at": at,
                "details": {},
            }
        )

    def _sanction(
        self,
        kind: SanctionKind,
        who: int,
        mod: int,
        at: int,
        *,
        room: Room,
        reason: str,
        expires: int | None = None,
    ) -> None:
        """A room-scoped sanction and its log line, shaped as ``rooms.services`` writes them
        (warnings expire after ``warning_ttl_hours``; a mute's log carries its minutes)."""
        if expires is None:
            expires = at + RoomSettings.current().warning_ttl_hours * HOUR
        self.plan.sanctions.append(
            {"kind": kind, "user": who, "room": room.pk, "reason": reason, "by": mod, "at": at,
             "expires": expires}
        )  # fmt: skip
        action = {
            SanctionKind.WARN: ModAction.WARN,
            SanctionKind.MUTE: ModAction.MUTE,
            SanctionKind.KICK: ModAction.KICK,
            SanctionKind.BAN: ModAction.BAN,
        }[kind]
        details = {"minutes": (expires - at) // MINUTE} if kind == SanctionKind.MUTE else {}
        self.plan.logs.append(
            {"action": action, "actor": mod, "room": room.pk, "target": who, "message_key": "",
             "reason": reason, "at": at, "details": details}
        )  # fmt: skip


# --- Writing --------------------------------------------------------------------------------


def _next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


class _Times:
    def __init__(self, vendor: str) -> None:
        self.suffix = "+00:00" if vendor == "postgresql" else ""

    @staticmethod
    def exact(values: Sequence[int]) -> Epoch:
        return Epoch(np.array(values, dtype=np.int64))

    def nullable(self, values: Sequence[int | None]) -> list[str | None]:
        known = [v for v in values if v is not None]
        text = iter(datetime_strings(np.array(known, dtype=np.int64), self.suffix))
        return [None if v is None else next(text) for v in values]


def credited_minutes(s: Session) -> int:
    """Hosting minutes of a held session: start to end clipped to 15 minutes before and 30
    after the schedule (the rule of ``rooms.selectors.credited_minutes``)."""
    if s.started is None or s.ended is None:
        return 0
    start = max(s.started, s.starts - 15 * MINUTE)
    end = min(s.ended, s.ends + 30 * MINUTE)
    return max((end - start) // MINUTE, 0)


def _event(user_id: int, kind: ActivityKind, at: int, ref_type: str, ref_id: int) -> ActivityEvent:
    when = dt.datetime.fromtimestamp(at, dt.UTC)
    return ActivityEvent(
        user_id=user_id, kind=kind, occurred_at=when, ref_type=ref_type, ref_id=ref_id
    )


def _write(plan: Plan, people: People, writer: BulkInserter) -> dict[str, int]:
    t = _Times(writer.vendor)
    uid = people.ids

    def user(row: int | None) -> int | None:
        return None if row is None else int(uid[row])

    staff = sorted(set(plan.staff), key=lambda s: (s[2] or 0, s[3] or 0, s[1], s[0]))
    # Appointed before the hosting history starts (everyone here had joined by then).
    start = plan.anchor - (PAST_SESSION_DAYS + 9) * DAY
    created = [max(int(people.joined[s[0]]) + DAY, start) for s in staff]
    writer.insert(
        RoomStaff,
        {
            "user_id": [user(s[0]) for s in staff],
            "kind": [s[1] for s in staff],
            "community_id": [s[2] for s in staff],
            "room_id": [s[3] for s in staff],
            "created_at": t.exact(created),
        },
    )

    sessions = plan.sessions
    writer.insert(
        RoomSession,
        {
            "id": [s.id for s in sessions],
            "created_at": t.exact([s.starts - 14 * DAY for s in sessions]),
            "updated_at": t.exact(
                [s.ended or s.cancelled or s.starts - 14 * DAY for s in sessions]
            ),
            "room_id": [s.room.pk for s in sessions],
            "kind": [s.kind.value for s in sessions],
            "title": [s.title for s in sessions],
            "description": [_SESSION_DESCRIPTIONS[s.kind] for s in sessions],
            "host_id": [user(s.host) for s in sessions],
            "starts_at": t.exact([s.starts for s in sessions]),
            "ends_at": t.exact([s.ends for s in sessions]),
            "started_at": t.nullable([s.started for s in sessions]),
            "ended_at": t.nullable([s.ended for s in sessions]),
            "cancelled_at": t.nullable([s.cancelled for s in sessions]),
            "created_by_id": [user(s.host) for s in sessions],
        },
    )

    # Messages: ids in time order, as a live room would have written them.
    messages = sorted(plan.messages, key=lambda m: (m.at, m.room, m.sender, m.body))
    first = _next_id(RoomMessage)
    ids = list(range(first, first + len(messages)))
    by_key = {m.key: (i, m) for i, m in zip(ids, messages, strict=True) if m.key}
    deleted = {
        log["message_key"]: log for log in plan.logs if log["action"] == ModAction.DELETE_MESSAGE
    }
    writer.insert(
        RoomMessage,
        {
            "id": ids,
            "room_id": [m.room for m in messages],
            "sender_id": [user(m.sender) for m in messages],
            "body": [m.body for m in messages],
            "client_id": [""] * len(messages),
            "session_id": [m.session for m in messages],
            "crisis": [False] * len(messages),
            "created_at": t.exact([m.at for m in messages]),
            "deleted_at": t.nullable(
                [deleted[m.key]["at"] if m.key in deleted else None for m in messages]
            ),
            "deleted_by_id": [
                user(deleted[m.key]["actor"]) if m.key in deleted else None for m in messages
            ],
        },
    )

    reports = [r for r in plan.reports if r["key"] in by_key]
    first_report = _next_id(Report)
    report_ids = list(range(first_report, first_report + len(reports)))
    writer.insert(
        Report,
        {
            "id": report_ids,
            "message_id": [by_key[r["key"]][0] for r in reports],
            "reporter_id": [user(r["reporter"]) for r in reports],
            "reason": [r["reason"].value for r in reports],
            "note": [r.get("note", "") for r in reports],
            "status": [r["status"].value for r in reports],
            "outcome": [r.get("outcome", "") for r in reports],
            "handled_by_id": [user(r.get("handled_by")) for r in reports],
            "handled_at": t.nullable([r.get("handled_at") for r in reports]),
            "created_at": t.exact([r["at"] for r in reports]),
        },
    )

    sanctions = plan.sanctions
    first_sanction = _next_id(Sanction)
    writer.insert(
        Sanction,
        {
            "id": list(range(first_sanction, first_sanction + len(sanctions))),
            "user_id": [user(s["user"]) for s in sanctions],
            "kind": [s["kind"].value for s in sanctions],
            "room_id": [s["room"] for s in sanctions],
            "community_id": [None] * len(sanctions),
            "reason": [s["reason"] for s in sanctions],
            "created_by_id": [user(s["by"]) for s in sanctions],
            "automatic": [False] * len(sanctions),
            "created_at": t.exact([s["at"] for s in sanctions]),
            "expires_at": t.nullable([s["expires"] for s in sanctions]),
            "lifted_at": [None] * len(sanctions),
            "lifted_by_id": [None] * len(sanctions),
        },
    )

    logs = [dict(log) for log in plan.logs]
    for report_id, r in zip(report_ids, reports, strict=True):
        if r["status"] != ReportStatus.OPEN:
            msg = by_key[r["key"]][1]
            logs.append(
                {
                    "action": ModAction.REPORT_RESOLVED,
                    "actor": r["handled_by"],
                    "room": msg.room,
                    "target": msg.sender,
                    "message_key": r["key"],
                    "reason": r.get("outcome", ""),
                    "at": r["handled_at"],
                    "details": {"status": r["status"].value, "report": report_id},
                }
            )
    events: list[ActivityEvent] = []
    for s in sessions:
        if s.started is not None and s.ended is not None:
            minutes = credited_minutes(s)
            for action, at, details in (
                (ModAction.SESSION_STARTED, s.started, {"session": s.id}),
                (ModAction.SESSION_ENDED, s.ended, {"session": s.id, "minutes": minutes}),
            ):
                logs.append(
                    {"action": action, "actor": s.host, "room": s.room.pk, "target": None,
                     "message_key": "", "reason": "", "at": at, "details": details}
                )  # fmt: skip
            events.append(
                _event(int(uid[s.host]), ActivityKind.SESSION_HOSTED, s.ended, SESSION_REF, s.id)
            )
    logs.sort(key=lambda log: (log["at"], log["action"].value, log["room"] or 0))
    writer.insert(
        ModerationLog,
        {
            "actor_id": [user(log["actor"]) for log in logs],
            "action": [log["action"].value for log in logs],
            "room_id": [log["room"] for log in logs],
            "target_id": [user(log["target"]) for log in logs],
            "message_id": [
                by_key[log["message_key"]][0] if log["message_key"] in by_key else None
                for log in logs
            ],
            "reason": [log["reason"] for log in logs],
            "details": [json.dumps(log["details"], sort_keys=True) for log in logs],
            "created_at": t.exact([log["at"] for log in logs]),
        },
    )

    # Group chats credited as posting credits them: one per person, room and UTC day outside
    # sessions, one per session inside, each with its ``group_chat`` event.
    credits: dict[tuple[int, int, int | None, int], int] = {}
    for m in messages:
        day = -1 if m.session is not None else m.at // DAY
        credits.setdefault((m.sender, m.room, m.session, day), m.at)
    first_credit = _next_id(Participation)
    credit_ids = list(range(first_credit, first_credit + len(credits)))
    keys = list(credits)
    writer.insert(
        Participation,
        {
            "id": credit_ids,
            "user_id": [user(k[0]) for k in keys],
            "room_id": [k[1] for k in keys],
            "session_id": [k[2] for k in keys],
            "day": date_strings(np.array([credits[k] // DAY for k in keys], dtype=np.int64)),
            "created_at": t.exact([credits[k] for k in keys]),
        },
    )
    events += [
        _event(int(uid[k[0]]), ActivityKind.GROUP_CHAT, credits[k], PARTICIPATION_REF, pid)
        for pid, k in zip(credit_ids, keys, strict=True)
    ]
    record_activities_bulk(events)

    for room_pk, opens, closes in plan.pop_ups:
        Room.objects.filter(pk=room_pk).update(
            is_active=True,
            opens_at=dt.datetime.fromtimestamp(opens, dt.UTC),
            closes_at=dt.datetime.fromtimestamp(closes, dt.UTC),
        )
    statements = connection.ops.sequence_reset_sql(
        no_style(), [RoomSession, RoomMessage, Report, Sanction, Participation]
    )
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
    return {
        "staff": len(staff),
        "sessions": len(sessions),
        "messages": len(messages),
        "rooms_with_messages": len({m.room for m in messages}),
        "reports": len(reports),
        "sanctions": len(sanctions),
        "pop_ups": len(plan.pop_ups),
        "events": len(events),
    }


def seed_rooms(
    *, seed: int, anchor: dt.datetime, progress: Callable[[str], None] | None = None
) -> RoomsSummary:
    """Room staff, sessions, recent messages, moderation history and open pop-ups for the
    demo community already written (people, and ideally the ladder's awards: room locks are
    checked against them). One transaction; a few thousand rows whatever the size."""
    if anchor.tzinfo is None:
        raise ValueError("the anchor must be timezone-aware")
    started = time.perf_counter()
    rng = np.random.default_rng([seed, _STREAM_ROOMS])
    with transaction.atomic():
        load_catalogue()  # normally done by migrate already; cheap when in step
        rooms = list(Room.objects.select_related("community", "topic").order_by("pk"))
        people = load_people(rng, anchor)
        planner = Planner(rng, people, rooms, anchor)
        planner.staff()
        planner.schedule()
        planner.open_pop_ups()
        planner.chat()
        planner.mistaken_and_open_reports()
        counts = _write(planner.plan, people, BulkInserter(connection))
    summary = RoomsSummary(seconds=time.perf_counter() - started, **counts)
    if progress:
        progress(f"  {summary.line()}")
    return summary
