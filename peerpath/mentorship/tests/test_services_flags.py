"""Flags: immediate ones mail staff at once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.errors import Forbidden, Refused
from peerpath.mentorship import notify
from peerpath.mentorship.models import (
    Flag,
)
from peerpath.mentorship.services import (
    flags,
    tickets,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_immediate_flags_mail_staff_at_once_and_others_wait(on_commit):
    staff = UserFactory.create(roles=[Role.STAFF])
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    with on_commit():
        flags.raise_flag(
            user=mentor, mentorship_id=m.pk, topic="wellbeing", priority="can_wait", note="."
        )
    assert mail.outbox == []
    with on_commit():
        flag = flags.raise_flag(
            user=mentor, mentorship_id=m.pk, topic="safety", priority="immediate", note="!"
        ).obj
    assert [x.to for x in mail.outbox] == [[staff.email]]
    assert "IMMEDIATE" in mail.outbox[0].subject
    with pytest.raises(Refused):
        flags.raise_flag(user=mentor, mentorship_id=m.pk, topic="nope", priority="immediate")
    with pytest.raises(Refused):
        flags.raise_flag(user=mentor, mentorship_id=m.pk, topic="safety", priority="soon")
    assert Flag.objects.count() == 2
    with pytest.raises(Forbidden):
        flags.resolve_flag(actor=mentor, flag_id=flag.pk)
    flags.resolve_flag(actor=staff, flag_id=flag.pk)
    assert Flag.objects.get(pk=flag.pk).resolved_by_id == staff.pk


def test_staff_notices_link_to_what_staff_can_open(on_commit):
    """Issue 19: the immediate-flag notification had no link; staff land on the flag (and a
    ticket's notice on the ticket), pages staff can open."""
    staff = UserFactory.create(roles=[Role.STAFF])
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    with on_commit():
        flag = flags.raise_flag(
            user=mentee, mentorship_id=m.pk, topic="safety", priority="immediate"
        ).obj
        ticket = tickets.open_staff_ticket(user=mentee, body="Help", mentorship_id=m.pk).obj
    by_title = {n.title: n.url for n in Notification.objects.filter(recipient=staff)}
    flag_url = by_title[f"IMMEDIATE flag #{flag.pk}: {flag.get_topic_display()}"]
    ticket_url = by_title[f"New ticket #{ticket.pk}: {ticket.subject}"]
    assert flag_url == f"/admin/mentorship/flag/{flag.pk}/change/"
    assert ticket_url == f"/admin/mentorship/staffticket/{ticket.pk}/change/"
    c = Client()
    c.force_login(staff)
    for url in (flag_url, ticket_url, notify.staff_pair_url(m.pk)):
        assert c.get(url).status_code == 200, url
    assert c.get(f"/mentorships/{m.pk}/").status_code == 404  # why staff never get that one
