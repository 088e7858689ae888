"""Raising a flag from the space."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from peerpath.mentorship.models import (
    Flag,
)
from peerpath.mentorship.tests.helpers import active_pair

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def test_flags_tell_staff_at_once_when_immediate(people, login, django_capture_on_commit_callbacks):
    m = active_pair(people)
    c = login(people["listener"])
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(
            reverse("mentorship:flag", args=[m.pk]),
            {"topic": "safety", "priority": "immediate", "note": "Worried"},
        )
    assert response.status_code == 302
    flag = Flag.objects.get()
    assert (flag.topic, flag.priority, flag.raised_by) == (
        "safety",
        "immediate",
        people["listener"],
    )
    assert any("IMMEDIATE" in msg.subject for msg in mail.outbox)
    for data in (
        {"topic": "safety", "priority": "whenever"},
        {"topic": "aliens", "priority": "can_wait"},
        {},
    ):
        assert c.post(reverse("mentorship:flag", args=[m.pk]), data).status_code == 400
    assert (
        login(people["listener2"])
        .post(reverse("mentorship:flag", args=[m.pk]), {"topic": "safety", "priority": "can_wait"})
        .status_code
        == 404
    )
    assert Flag.objects.count() == 1
