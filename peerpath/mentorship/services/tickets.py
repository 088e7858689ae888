""" "I can't get in touch": the ready-made outreach message, and tickets to staff (opened by
a person, closed by staff). Ending from that page is ``lifecycle``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.models import User
from peerpath.core.errors import Forbidden, NotFound, RateLimited
from peerpath.core.idempotency import once
from peerpath.core.text import clean_text
from peerpath.mentorship import notify, policies, screening
from peerpath.mentorship.models import (
    NOTE_MAX_CHARS,
    Mentorship,
    Message,
    StaffTicket,
    TicketStatus,
)
from peerpath.mentorship.screening import Written
from peerpath.mentorship.services import chat

OUTREACH_TEMPLATE = (
    "Hi {name}! I'm glad we've been matched. I'd love to find a time to talk. "
    "When are you usually free this week? A short chat here is a great start."
)


def outreach_text(mentorship: Mentorship, user: User) -> str:
    other = mentorship.mentee if user.pk == mentorship.mentor_id else mentorship.mentor
    return OUTREACH_TEMPLATE.format(name=other.profile.shown_name)


def send_outreach_template(*, user: User, mentorship_id: int) -> Message:
    """“I don't know how to reach out”: send the ready-made opening message in one click."""
    m = Mentorship.objects.select_related("mentor", "mentee").filter(pk=mentorship_id).first()
    if m is None or not policies.is_party(user, m):
        raise NotFound("No such mentorship.")
    return chat.post_message(
        sender=user, mentorship_id=m.pk, body=outreach_text(m, user), client_id=""
    ).message


@transaction.atomic
def open_staff_ticket(
    *, user: User, body: str, mentorship_id: int | None = None, key: str = ""
) -> Written[StaffTicket]:
    """“I want to talk to staff”: a ticket staff see in the admin, and an e-mail to them.
    A resent form (same ``key``) answers the ticket already opened, telling nobody twice."""
    body = clean_text(body, what="message", max_chars=NOTE_MAX_CHARS, required=True)
    m = None
    if mentorship_id is not None:
        m = Mentorship.objects.filter(pk=mentorship_id).first()
        if m is None or not policies.is_party(user, m):
            raise NotFound("No such mentorship.")
    recent = StaffTicket.objects.filter(
        opened_by=user, created_at__gte=timezone.now() - dt.timedelta(hours=1)
    ).count()
    if recent >= 5:
        raise RateLimited("You've opened several tickets in the last hour. Staff will be in touch.")
    ticket, created = once(
        StaffTicket,
        author_field="opened_by",
        author=user,
        key=key,
        create=lambda: StaffTicket.objects.create(
            opened_by=user,
            mentorship=m,
            subject=f"Can't get in touch (mentorship #{m.pk})" if m else "Talk to staff",
            body=body,
            idempotency_key=key,
        ),
    )
    if not created:
        return Written(
            ticket,
            screening.replay(
                writer=user, text=[ticket.subject, ticket.body], source=ticket, at=timezone.now()
            ),
        )
    found = screening.screen(
        writer=user,
        source=ticket,
        field="body",
        text=[ticket.subject, ticket.body],
        at=ticket.created_at,
    )
    notify.notify_staff(
        f"New ticket #{ticket.pk}: {ticket.subject}",
        f"{user.username} asked to talk to staff. See the ticket in the admin.",
        url=notify.staff_ticket_url(ticket.pk),
    )
    return Written(ticket, found)


@transaction.atomic
def close_tickets(*, actor: User, ticket_ids: Sequence[int]) -> int:
    """Staff close tickets (the admin's bulk action). Returns how many were open."""
    if not account_policies.is_staff_member(actor):
        raise Forbidden("Only staff can close tickets.")
    now = timezone.now()
    return StaffTicket.objects.filter(pk__in=list(ticket_ids), status=TicketStatus.OPEN).update(
        status=TicketStatus.CLOSED, closed_at=now, updated_at=now
    )
