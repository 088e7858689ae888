"""Flags: immediate ones mail staff at once."""

from __future__ import annotations

import pytest
from django.core import mail

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.errors import Forbidden, Refused
from peerpath.mentorship.models import (
    Flag,
)
from peerpath.mentorship.services import (
    flags,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship

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
