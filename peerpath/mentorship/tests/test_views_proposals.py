"""A mentor answering matching proposals from the hub."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerpath.mentorship.models import (
    Mentorship,
    MentorshipStatus,
)
from peerpath.mentorship.tests.factories import make_mentorship
from peerpath.mentorship.tests.helpers import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def test_answering_proposals(people, login):
    proposed = make_mentorship(
        people["mentor"],
        people["listener"],
        status=MentorshipStatus.PROPOSED,
        explanation=["both speak Spanish", "3 shared topics"],
        score=71.5,
    )
    hub = text(login(people["mentor"]).get(reverse("mentorship:hub")))
    assert "Proposed matches" in hub
    assert "both speak Spanish" in hub
    assert "3 shared topics" in hub
    mentee = login(people["listener"])
    assert mentee.post(reverse("mentorship:accept_proposal", args=[proposed.pk])).status_code == 404
    response = login(people["mentor"]).post(
        reverse("mentorship:accept_proposal", args=[proposed.pk])
    )
    assert response.status_code == 302
    assert Mentorship.objects.get(pk=proposed.pk).status == MentorshipStatus.ACTIVE
    again = login(people["mentor"]).post(
        reverse("mentorship:decline_proposal", args=[proposed.pk]), {"reason": ""}
    )
    assert again.status_code == 409
    assert "already been answered" in text(again)


def test_declining_a_proposal(people, login):
    proposed = make_mentorship(people["mentor"], people["listener"], status="proposed")
    response = login(people["mentor"]).post(
        reverse("mentorship:decline_proposal", args=[proposed.pk]), {"reason": "Not my area"}
    )
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert (proposed.status, proposed.end_note) == (MentorshipStatus.DECLINED, "Not my area")
