""" "I can't get in touch": the outreach template and tickets to staff."""

from __future__ import annotations

import pytest
from django.core import mail

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.errors import Forbidden, NotFound, Refused
from peerpath.mentorship.models import (
    StaffTicket,
)
from peerpath.mentorship.services import (
    tickets,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship

pytestmark = pytest.mark.django_db


def test_branch_i_dont_know_how_to_reach_out_sends_the_template():
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    message = tickets.send_outreach_template(user=mentee, mentorship_id=m.pk)
    assert message.sender_id == mentee.pk
    assert message.body == tickets.outreach_text(m, mentee)
    assert mentor.username in message.body
    with pytest.raises(NotFound):
        tickets.send_outreach_template(user=make_listener(), mentorship_id=m.pk)


def test_branch_talk_to_staff_opens_a_ticket_and_mails_staff(on_commit):
    staff = UserFactory.create(roles=[Role.STAFF])
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    with on_commit():
        ticket = tickets.open_staff_ticket(
            user=mentee, body="My mentor hasn't replied in 3 weeks.", mentorship_id=m.pk
        ).obj
    assert StaffTicket.objects.get() == ticket
    assert ticket.mentorship_id == m.pk
    assert ticket.status == "open"
    assert [x.to for x in mail.outbox] == [[staff.email]]
    with pytest.raises(Refused, match="write a message"):
        tickets.open_staff_ticket(user=mentee, body="  ", mentorship_id=m.pk)
    with pytest.raises(NotFound):
        tickets.open_staff_ticket(user=make_listener(), body="hi", mentorship_id=m.pk)
    assert StaffTicket.objects.count() == 1


def test_only_staff_close_tickets():
    staff = UserFactory.create(roles=[Role.STAFF])
    mentee = make_listener()
    ticket = tickets.open_staff_ticket(user=mentee, body="Please help.").obj
    with pytest.raises(Forbidden):
        tickets.close_tickets(actor=mentee, ticket_ids=[ticket.pk])
    assert tickets.close_tickets(actor=staff, ticket_ids=[ticket.pk]) == 1
    assert tickets.close_tickets(actor=staff, ticket_ids=[ticket.pk]) == 0
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert ticket.closed_at is not None
