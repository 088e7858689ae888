"""A small safeguarding history for the demo: a handful of alerts over the last eight weeks,
across channels, handled by the safeguarding team (``demo-staff``) with realistic times to
acknowledge and outcomes, one acknowledged alert still open, and two new ones from just
before the anchor (a room message told to ``demo-moderator``, a mentee's chat message told
to ``demo-mentor`` and the safeguarding team), so the staff queue, "My safeguarding
alerts" and the dashboard's triage are not empty.

Everything goes through ``safety.services`` (``screen``, ``acknowledge``, ``resolve``), as
the product does it. The past alerts name no responder (the staff queue's fallback), so
nobody's bell rings today for something handled weeks ago; the two new ones notify their
responders now, as a new alert would. Writers are pseudonymous generated people of the
right age band, drawn deterministically from the seed. A text the detector does not flag
(if the lexicon changes) simply raises no alert.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Final

import numpy as np
from django.urls import reverse

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import User
from peerpath.mentorship.models import Mentorship
from peerpath.rooms.models import Room
from peerpath.safety import services
from peerpath.safety.models import Channel, Outcome, SafetyAlert

_STREAM_SAFETY: Final = 11
POOL: Final = 400  # candidate writers per band, lowest ids first (bounded at any size)


@dataclass(frozen=True, slots=True)
class Past:
    """An alert from the history: when (days before the anchor, time of day), where, what."""

    days: int
    at: str  # "HH:MM" UTC
    channel: Channel
    place: str  # a room slug for rooms; otherwise shown as is
    teen: bool
    text: str
    ack_minutes: int
    outcome: Outcome | None  # None: acknowledged, still open
    note: str = ""


HISTORY: Final[tuple[Past, ...]] = (
    Past(52, "21:40", Channel.ROOM, "general-support", False,
         "some days i honestly don't see the point in being alive anymore", 4,
         Outcome.SUPPORTED, "Checked in privately; they have a GP appointment on Thursday."),
    Past(45, "23:10", Channel.TRAINING, "Listener onboarding discussion", False,
         "i scratch my arms until they bleed, it's the only thing that helps", 7,
         Outcome.REFERRED, "Shared self-harm support lines; they will talk to their counsellor."),
    Past(38, "16:20", Channel.MENTORSHIP_CHAT, "Mentorship chat", True,
         "my dad hits me when he's drunk and i'm scared to go home tonight", 2,
         Outcome.EMERGENCY, "Safeguarding lead contacted child protection the same evening."),
    Past(31, "01:05", Channel.ROOM, "general-support", False,
         "im going to end it tonight, ive got the pills ready", 1,
         Outcome.EMERGENCY, "Stayed with them in a private chat until the ambulance arrived."),
    Past(24, "19:30", Channel.CHECK_IN, "Check-in note", False,
         "i keep thinking everyone would be better off without me", 12,
         Outcome.SUPPORTED, "Mentor and team followed up; weekly check-ins agreed."),
    Past(17, "14:45", Channel.FEEDBACK, "Feedback comment", False,
         "i feel like i want to disappear forever", 9,
         Outcome.NO_RISK, "In context: wanting a break from exams. Checked in anyway; fine."),
    Past(10, "22:15", Channel.PROFILE, "Profile bio", False,
         "goodbye everyone, thank you for everything. i won't be around anymore", 5,
         Outcome.NO_CONTACT, "No reply to two messages; follow-up set for next week."),
    Past(6, "20:05", Channel.TICKET, "“I can't get in touch” ticket", False,
         "my ex said he'd find me and hurt me if i told anyone", 15,
         Outcome.REFERRED, "Shared the domestic abuse helpline; they have a safety plan."),
    Past(3, "18:50", Channel.ROOM, "teen-general-support", True,
         "i want to hurt myself again", 3, None),
)  # fmt: skip
# The model each channel's text is stored in (safety.registry), for the alert's source.
SOURCES: Final = {
    Channel.ROOM: "rooms.RoomMessage",
    Channel.TRAINING: "training.Post",
    Channel.MENTORSHIP_CHAT: "mentorship.Message",
    Channel.CHECK_IN: "mentorship.CheckIn",
    Channel.FEEDBACK: "feedback.Feedback",
    Channel.PROFILE: "accounts.Profile",
    Channel.TICKET: "mentorship.StaffTicket",
}
ROOM_NOW: Final = ("general-support", "sometimes i think about killing myself", 40)
CHAT_NOW: Final = ("honestly i want to end my life", 15)  # (text, minutes before the anchor)


@dataclass(frozen=True, slots=True)
class Summary:
    alerts: int
    open: int
    seconds: float

    def line(self) -> str:
        return (
            f"Safeguarding: {self.alerts} alerts over eight weeks, {self.open} open "
            f"({self.seconds:.1f} s)."
        )


def _writers(
    rng: np.random.Generator, band: AgeBand, since: dt.datetime, until: dt.datetime, n: int
) -> list[User]:
    """``n`` generated people in ``band`` from ``since`` to ``until`` who had joined well
    before ``since``."""
    pool = list(
        User.objects.filter(is_active=True, date_joined__lt=since - dt.timedelta(days=30))
        .exclude(username__startswith="demo-")
        .in_age_band(band, since)
        .in_age_band(band, until)
        .order_by("pk")[:POOL]
    )
    if not pool:
        return []
    picks = rng.choice(len(pool), size=min(n, len(pool)), replace=False)
    return [pool[int(i)] for i in picks]


def _space(past_channel: Channel, place: str) -> services.Space:
    if past_channel == Channel.ROOM:
        room = Room.objects.filter(slug=place).first()
        if room is not None:
            url = reverse("rooms:room", args=[room.slug])
            return services.Space(channel=past_channel, where=f"Room “{room.name}”", url=url)
    return services.Space(channel=past_channel, where=place)


def seed_safety(*, seed: int, anchor: dt.datetime) -> Summary:
    started = time.perf_counter()
    staff = User.objects.filter(username="demo-staff").first()
    if staff is None or SafetyAlert.objects.filter(acknowledged_by=staff).exists():
        return Summary(0, 0, time.perf_counter() - started)
    rng = np.random.default_rng([seed, _STREAM_SAFETY])
    oldest = anchor - dt.timedelta(days=max(p.days for p in HISTORY) + 1)
    adults = _writers(rng, AgeBand.ADULT, oldest, anchor, len(HISTORY) + 1)
    teens = _writers(rng, AgeBand.TEEN, oldest, anchor, 2)
    made = still_open = 0
    for i, past in enumerate(HISTORY):
        people = teens if past.teen else adults
        if not people:
            continue
        writer = people[i % len(people)]
        hour, minute = (int(x) for x in past.at.split(":"))
        at = anchor - dt.timedelta(days=past.days) + dt.timedelta(hours=hour, minutes=minute)
        screening = services.screen(
            writer=writer,
            text=past.text,
            space=_space(past.channel, past.place),
            source=(SOURCES[past.channel], None),
            now=at,
        )
        if screening.alert is None:
            continue
        made += 1
        acked = at + dt.timedelta(minutes=past.ack_minutes)
        services.acknowledge(actor=staff, alert_id=screening.alert.pk, now=acked)
        if past.outcome is None:
            still_open += 1
            continue
        services.resolve(
            actor=staff,
            alert_id=screening.alert.pk,
            outcome=past.outcome,
            note=past.note,
            now=acked + dt.timedelta(hours=2, minutes=10 * i),
        )
    made, still_open = _seed_new(anchor, adults, made, still_open)
    return Summary(made, still_open, time.perf_counter() - started)


def _seed_new(
    anchor: dt.datetime, adults: list[User], made: int, still_open: int
) -> tuple[int, int]:
    """Two alerts nobody has acknowledged yet: a room message told to demo-moderator, and
    demo-mentor's mentee in their private chat (the mentor and the safeguarding team)."""
    moderator = User.objects.filter(username="demo-moderator").first()
    slug, text, minutes = ROOM_NOW
    if moderator is not None and adults:
        base = _space(Channel.ROOM, slug)
        space = services.Space(
            channel=base.channel, where=base.where, url=base.url, responders=[moderator]
        )
        screening = services.screen(
            writer=adults[-1],
            text=text,
            space=space,
            source=(SOURCES[Channel.ROOM], None),
            now=anchor - dt.timedelta(minutes=minutes),
        )
        made, still_open = made + bool(screening.alert), still_open + bool(screening.alert)
    pair = (
        Mentorship.objects.active()
        .filter(mentor__username="demo-mentor")
        .select_related("mentor", "mentee")
        .order_by("pk")
        .first()
    )
    if pair is not None:
        chat_text, chat_minutes = CHAT_NOW
        screening = services.screen(
            writer=pair.mentee,
            text=chat_text,
            space=services.Space(
                channel=Channel.MENTORSHIP_CHAT,
                where=f"Mentorship chat with {pair.mentor.username}",
                url=reverse("mentorship:space", args=[pair.pk]),
                responders=[pair.mentor],
                private=True,
            ),
            source=(SOURCES[Channel.MENTORSHIP_CHAT], None),
            now=anchor - dt.timedelta(minutes=chat_minutes),
        )
        made, still_open = made + bool(screening.alert), still_open + bool(screening.alert)
    return made, still_open
