"""Screening what people write in mentoring (issue 17): the one home of *where* each text was
written and *who responds* to a crisis in it (``PLACES``). The services call ``screen`` inside
their own transaction, right after the row is saved; ``peerpath.safety.services.screen`` does
the rest (the alert, the responders' bell, the staff queue, help lines for the writer).

Who responds:

* the chat, check-ins, the conversation log and an active pair's goal (texts both people of
  the pair read): a mentee's words go to their mentor and to the safeguarding team (a private
  space); a mentor's words go to the safeguarding team only;
* flags and "I can't get in touch" messages are addressed to staff ("only staff see this"),
  often *about* the other person: the safeguarding team only, never the other party;
* request goals, answers to requests and end notes (no pair yet, or the pair is over): the
  safeguarding team only;
* profile texts (a mentor's approach, a mentee's goal): the staff queue.

A mentor is told only while the two may still share a private space
(``accounts.policies.can_contact_privately``: same age band, neither suspended), so a teen's
alert never reaches an adult who is not staff.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from django.db import models
from django.urls import NoReverseMatch, reverse

from peerpath.accounts import policies as account_policies
from peerpath.accounts.models import User
from peerpath.mentorship.models import Mentorship, MentorshipStatus
from peerpath.safety import crisis
from peerpath.safety import services as safety
from peerpath.safety.models import SafetyAlert
from peerpath.safety.registry import SCREENED
from peerpath.safety.services import NOTHING, Screening

T = TypeVar("T")

__all__ = ["NOTHING", "Screening", "Written"]


@dataclass(frozen=True, slots=True)
class Written(Generic[T]):
    """What a service stored from someone's text, and what screening found in it (help to
    show the writer in the answer: ``screening.resources`` / ``screening.as_payload()``)."""

    obj: T
    screening: Screening = NOTHING


class Who(enum.Enum):
    """Who responds to a crisis in a text, besides the staff queue for high severity."""

    PAIR = "the mentor (when the mentee wrote) and the safeguarding team"
    TEAM = "the safeguarding team"
    QUEUE = "the staff queue"


@dataclass(frozen=True, slots=True)
class Place:
    where: str  # shown to responders: "Something X wrote in <where>"
    who: Who
    anchor: str = ""  # the part of the mentorship page it is on


# Every screened mentoring field (its channel is in ``peerpath.safety.registry.SCREENED``).
PLACES: Final[dict[str, Place]] = {
    "Message.body": Place("a private mentorship chat", Who.PAIR, "chat"),
    "CheckIn.note": Place("a mentorship check-in", Who.PAIR, "check-ins"),
    "Conversation.note": Place("a mentorship's conversation log", Who.PAIR, "log"),
    "Mentorship.goal": Place("the goal of a mentorship", Who.PAIR),
    "Flag.note": Place("a concern raised to staff about a mentorship", Who.TEAM),
    "StaffTicket.body": Place("a message to staff (“I can't get in touch”)", Who.TEAM),
    "MentorRequest.goal": Place("a mentor request", Who.TEAM),
    "RequestTarget.decline_reason": Place("an answer to a mentor request", Who.TEAM),
    "Mentorship.end_note": Place("a note on ending a mentorship", Who.TEAM),
    "MentorProfile.approach": Place("a mentor profile (“how I mentor”)", Who.QUEUE),
    "MenteeProfile.goal": Place("a mentee profile (goal)", Who.QUEUE),
}


def mentor_responder(writer: User, m: Mentorship, at: dt.datetime) -> list[User]:
    """The pair's mentor, when the mentee wrote, the pair is active and the two may still
    talk privately (a teen's alert never reaches an adult who is not staff)."""
    if writer.pk != m.mentee_id or m.status != MentorshipStatus.ACTIVE:
        return []
    mentor = m.mentor
    if not account_policies.can_contact_privately(writer, mentor, at):
        return []
    return [mentor]


def screen(
    *,
    writer: User,
    source: models.Model,
    field: str,
    at: dt.datetime,
    m: Mentorship | None = None,
    text: str | Sequence[str] | None = None,
    url: str = "",
) -> Screening:
    """Screen what ``writer`` just stored in ``source.field`` (or ``text``, when one form
    writes several fields), inside the caller's transaction. ``m``: the pair it belongs to."""
    name = f"{source._meta.object_name}.{field}"
    place = PLACES[name]
    responders: list[User] = []
    if place.who is Who.PAIR and m is not None:
        responders = mentor_responder(writer, m, at)
    if not url:
        if m is not None and place.who is Who.PAIR:
            url = reverse("mentorship:space", args=[m.pk]) + (
                f"#{place.anchor}" if place.anchor else ""
            )
        elif place.who is Who.TEAM:
            url = admin_url(source)
    return safety.screen(
        writer=writer,
        text=getattr(source, field) if text is None else text,
        space=safety.Space(
            channel=SCREENED[f"{source._meta.app_label}.{name}"],
            where=place.where,
            url=url,
            responders=responders,
            private=place.who is not Who.QUEUE,
        ),
        source=source,
        now=at,
    )


def admin_url(obj: models.Model) -> str:
    """Where staff open a row that only they read (flags, tickets, requests)."""
    meta = obj._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""


def replay(
    *, writer: User, text: str | Sequence[str], source: models.Model, at: dt.datetime
) -> Screening:
    """A resent form or chat message (same idempotency key or client id) answers the stored
    row: show the writer the help again if its text raised an alert (the first answer may
    never have reached them), without raising a second alert."""
    meta = source._meta
    alert = SafetyAlert.objects.filter(
        source=f"{meta.app_label}.{meta.object_name}", source_id=source.pk, writer=writer
    ).first()
    if alert is None:
        return NOTHING
    joined = "\n".join([text] if isinstance(text, str) else [t for t in text if t])
    try:
        hit = crisis.detect(joined)
    except Exception:  # the alert is already queued; help is a bonus here
        return Screening(None, alert, [])
    if hit is None or not hit.concerns_writer:
        return Screening(hit, alert, [])
    return Screening(hit, alert, safety.help_for(writer, at=at))
