"""Writes of the partner dashboard: bulk messages to mentoring pairs (through the one
notification service), with their audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.core.errors import Conflict, Refused
from peerpath.core.text import clean_text
from peerpath.mentorship.models import MentorshipStatus
from peerpath.notifications.services import Outgoing, send_many
from peerpath.partners import selectors
from peerpath.partners.forms import BODY_MAX, TITLE_MAX
from peerpath.partners.models import BulkMessage, MessageKind, Recipients

CELEBRATION_TITLE = "A moment to celebrate your mentorship"
CELEBRATION_BODY = (
    "Your conversations together are adding up, and the program team noticed. "
    "Showing up for each other, again and again, is what makes mentoring work. "
    "Thank you, and keep going!"
)
CATEGORY = {MessageKind.CUSTOM: "announcements", MessageKind.CELEBRATION: "celebrations"}


@dataclass(frozen=True)
class Pair:
    mentorship_id: int
    mentor_id: int
    mentee_id: int
    band: str
    status: str = "active"  # as the table showed it (the rollup lags up to 5 minutes)


@dataclass(frozen=True)
class Draft:
    """A checked message: what will be sent, before anyone is told."""

    kind: MessageKind
    recipients: Recipients
    title: str
    body: str


def check_message(*, kind: str, recipients: str, title: str, body: str) -> Draft:
    """Refused with a sentence when the kind, recipients or texts are not acceptable."""
    if kind not in MessageKind.values:
        raise Refused("kind: choose a custom message or a celebration.")
    if recipients not in Recipients.values:
        raise Refused("recipients: choose mentors, mentees or both.")
    if kind == MessageKind.CELEBRATION:
        return Draft(
            MessageKind.CELEBRATION, Recipients(recipients), CELEBRATION_TITLE, CELEBRATION_BODY
        )
    clean_title = " ".join(clean_text(title, what="title", max_chars=TITLE_MAX).split())
    clean_body = clean_text(body, what="message", max_chars=BODY_MAX)
    return Draft(MessageKind.CUSTOM, Recipients(recipients), clean_title, clean_body)


def recipients_of(pairs: Sequence[Pair], mode: Recipients) -> dict[int, str]:
    """Each person to tell, with the link they get: their mentorship's page when they are in
    one of these pairs, their mentorships hub when in several."""
    links: dict[int, str] = {}
    for pair in pairs:
        people = []
        if mode in (Recipients.MENTOR, Recipients.BOTH):
            people.append(pair.mentor_id)
        if mode in (Recipients.MENTEE, Recipients.BOTH):
            people.append(pair.mentee_id)
        for person in people:
            url = reverse("mentorship:space", args=[pair.mentorship_id])
            links[person] = reverse("mentorship:hub") if person in links else url
    return links


def current_pairs(pairs: Sequence[Pair], kind: MessageKind) -> tuple[list[Pair], int]:
    """The pairs to message as they are *now*, and how many were left out: a pair the table
    showed as active that has ended since (the table lags) is skipped, and a celebration
    never reaches an ended pair. A pair chosen as ended (status filter "ended") may still
    get a custom message."""
    active = selectors.active_mentorship_ids([p.mentorship_id for p in pairs])
    kept = [
        p
        for p in pairs
        if p.mentorship_id in active
        or (kind == MessageKind.CUSTOM and p.status != MentorshipStatus.ACTIVE)
    ]
    return kept, len(pairs) - len(kept)


def skipped_sentence(skipped: int) -> str:
    if skipped == 1:
        return "1 pair had ended since the table was refreshed and was skipped."
    return f"{skipped} pairs had ended since the table was refreshed and were skipped."


@transaction.atomic
def send_bulk_message(
    *,
    sender: User,
    draft: Draft,
    pairs: Sequence[Pair],
    target: str,
    now: dt.datetime | None = None,
) -> BulkMessage:
    """Tell the chosen people of these pairs (already checked against what the sender may
    see) and record it. Each pair's current state is checked here, at sending
    (``current_pairs``): pairs that ended since the table was refreshed are skipped and
    counted. Nothing is sent when there is nobody to tell."""
    if not pairs:
        raise Refused("Select at least one pair (or message every pair matching the filter).")
    now = now or timezone.now()
    chosen = len(pairs)
    pairs, skipped = current_pairs(pairs, draft.kind)
    if not pairs:
        raise Conflict(f"{skipped_sentence(skipped)} Nothing was sent.")
    links = recipients_of(pairs, draft.recipients)
    category = CATEGORY[draft.kind]
    source = f"partners:{draft.kind}"
    sent = send_many(
        [
            Outgoing(user_id, category, draft.title, draft.body, url=url, source=source)
            for user_id, url in sorted(links.items())
        ]
    )
    bands = {pair.band for pair in pairs}
    audit = BulkMessage(
        sender=sender,
        kind=draft.kind,
        recipients=draft.recipients,
        title=draft.title[:200],
        target=target[:500],
        band=bands.pop() if len(bands) == 1 else "",
        pair_count=chosen - skipped,
        skipped_pairs=skipped,
        recipient_count=sent,
        created_at=now,
    )
    audit.full_clean()
    audit.save()
    return audit
