"""What the ladder tells people, through ``notifications`` (category ``progression``): an award
granted or revoked, an application approved or declined, a grace period begun or over, a
lapse, a role paused for a missed training and back, an obligation's reminder, a mock chat
recorded. The wording lives here, once; the writers (``awards``, ``applications``, ``batch``,
``obligations``, ``mock_chats``) decide when, and the batch sends its notices in bulk
(``Outgoing`` rows for ``notifications.services.send_many``).

Badges are told in the bell only (no e-mail per badge); everything else may be e-mailed too,
as the person's preferences allow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

from peerpath.notifications.services import Outgoing, send_many
from peerpath.progression.models import AchievementKind

CATEGORY: Final = "progression"
SOURCE: Final = "progression"
PATH_URL: Final = "/path/"
MOCK_CHATS_URL: Final = "/path/mock-chats/"


def _day(when: dt.datetime | dt.date) -> str:
    return f"{when:%d %B %Y}".lstrip("0")


def _out(
    user_id: int, title: str, body: str, *, url: str = PATH_URL, email: bool = True
) -> Outgoing:
    return Outgoing(user_id, CATEGORY, title, body, url=url, source=SOURCE, email=email)


def send(items: Sequence[Outgoing]) -> int:
    """Send a batch of ladder notices (one write whatever its size)."""
    return send_many(items)


def revoked(
    user_id: int, name: str, *, at: dt.datetime, reason: str, again: dt.datetime
) -> Outgoing:
    return _out(
        user_id,
        f"{name} was revoked",
        f"Staff revoked your {name} on {_day(at)} because: {reason}\n"
        f"The ladder looks at it again from {_day(again)}.",
    )


def approved(user_id: int, name: str, *, note: str) -> Outgoing:
    body = f"Your application for {name} was approved: you hold it from today."
    if note:
        body += f"\nThe reviewer's note: {note}"
    return _out(user_id, f"Your application for {name} was approved", body)


def declined(user_id: int, name: str, *, note: str) -> Outgoing:
    return _out(
        user_id,
        f"Your application for {name} was declined",
        f"The reviewer's note: {note}\nYou can apply again when you are ready.",
    )


# Changes the batch decides, by the name of their mask on ``awarding.Decisions``: title and
# body, formatted with the achievement's ``name``, the grace period's end ``until`` and the
# obligation's ``training``.
CHANGES: Final = {
    "granted": ("You earned {name}", "You now hold {name}. Your path shows what comes next."),
    "below": (
        "{name}: grace period until {until}",
        "You are below what {name} asks for. Meet it again by {until} to keep it; your path "
        "shows what is short.",
    ),
    "recovered": (
        "{name}: back on track",
        "You meet what {name} asks for again; the grace period is over.",
    ),
    "lapsed": (
        "{name} has lapsed",
        "The grace period ended and {name} is no longer held. It comes back when you meet "
        "what it asks for again.",
    ),
    "pending_training": (
        "{name} is paused",
        "The deadline for {training} passed, so your {name} role is paused. Finish {training} "
        "and it comes back automatically.",
    ),
    "restored": ("{name} is back", "You completed {training}: your {name} role is active again."),
}


def changed(
    user_id: int,
    name: str,
    change: str,
    *,
    kind: str,
    until: dt.datetime | None = None,
    training: str = "",
    why: str = "",
) -> Outgoing:
    """A change of someone's award (``CHANGES``; ``why`` added when a person decided it); a
    badge's is told in the bell only."""
    title, body = CHANGES[change]
    words = {"name": name, "until": _day(until) if until else "", "training": training}
    return _out(
        user_id,
        title.format(**words),
        body.format(**words) + (f"\n{why}" if why else ""),
        email=kind != AchievementKind.BADGE,
    )


def obligation_due(user_id: int, name: str, *, training: str, due: dt.datetime) -> Outgoing:
    return _out(
        user_id,
        f"{training} is due soon",
        f"Your {name} role needs {training} by {due:%d %b %Y %H:%M} UTC. If it is not done by "
        "then the role is paused until you finish it.",
    )


def mock_chat_recorded(
    user_id: int, *, assessor: str, held_on: dt.date, passed: bool, notes: str
) -> Outgoing:
    result = "passed" if passed else "not passed yet"
    body = f"{assessor} recorded your mock chat of {_day(held_on)}: {result}."
    if notes:
        body += f"\nTheir notes: {notes}"
    return _out(user_id, f"Your mock chat: {result}", body, url=MOCK_CHATS_URL)
