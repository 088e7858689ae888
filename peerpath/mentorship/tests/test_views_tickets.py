""" "I can't get in touch": every branch, and who may use it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from peerpath.mentorship.models import (
    EndReason,
    MentorProfile,
    Mentorship,
    MentorshipStatus,
    Message,
    StaffTicket,
)
from peerpath.mentorship.tests.helpers import active_pair, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def test_cant_reach_offers_every_branch_and_hides_the_mentor_only_one(people, login):
    m = active_pair(people)
    mentee_page = text(login(people["listener"]).get(reverse("mentorship:cant_reach", args=[m.pk])))
    for branch in ("outreach", "staff", "rematch", "leave"):
        assert f'action="/mentorships/{m.pk}/cant-get-in-touch/{branch}/"' in mentee_page
    assert "no-rematch" not in mentee_page
    assert "I&#x27;m glad we&#x27;ve been matched" in mentee_page
    mentor_page = text(login(people["mentor"]).get(reverse("mentorship:cant_reach", args=[m.pk])))
    assert f'action="/mentorships/{m.pk}/cant-get-in-touch/no-rematch/"' in mentor_page
    assert len(set(re.findall(r'id="([^"]+)"', mentor_page))) == len(
        re.findall(r'id="([^"]+)"', mentor_page)
    ), "element ids must be unique"


def test_branch_leave(people, login):
    m = active_pair(people)
    response = login(people["listener"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "leave"]), {"note": "Too busy"}
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.status, m.end_reason, m.end_note) == ("ended", EndReason.LEFT_PROGRAM, "Too busy")


def test_branch_outreach_sends_the_template(people, login):
    m = active_pair(people)
    response = login(people["listener"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "outreach"])
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.sender == people["listener"]
    assert "mo-mentor" in message.body


def test_branch_staff_opens_a_ticket(people, login):
    m = active_pair(people)
    c = login(people["listener"])
    empty = c.post(reverse("mentorship:cant_reach_action", args=[m.pk, "staff"]), {"body": " "})
    assert empty.status_code == 400
    assert "Please write a message for staff" in text(empty)
    assert StaffTicket.objects.count() == 0
    response = c.post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "staff"]), {"body": "No reply"}
    )
    assert response.status_code == 302
    ticket = StaffTicket.objects.get()
    assert (ticket.opened_by, ticket.mentorship_id, ticket.body) == (
        people["listener"],
        m.pk,
        "No reply",
    )


def test_branch_rematch_ends_and_never_rematches(people, login):
    m = active_pair(people)
    response = login(people["listener"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "rematch"]), {"note": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mentorship:space", args=[m.pk])
    m.refresh_from_db()
    assert (m.status, m.end_reason) == ("ended", EndReason.REMATCH)
    again = login(people["listener"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "rematch"])
    )
    assert again.status_code == 409


def test_branch_no_rematch_is_for_mentors_only(people, login):
    m = active_pair(people)
    refused = login(people["listener"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "no-rematch"])
    )
    assert refused.status_code == 403
    assert "Only the mentor" in text(refused)
    assert Mentorship.objects.get(pk=m.pk).status == MentorshipStatus.ACTIVE
    response = login(people["mentor"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "no-rematch"])
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.status, m.end_reason) == ("ended", EndReason.MENTOR_NO_REMATCH)
    assert MentorProfile.objects.get(pk=people["mentor"].pk).capacity == 1


def test_cant_reach_refuses_outsiders_and_unknown_branches(people, login):
    m = active_pair(people)
    outsider = login(people["listener2"])
    for branch in ("leave", "rematch", "staff", "outreach"):
        assert (
            outsider.post(
                reverse("mentorship:cant_reach_action", args=[m.pk, branch]), {"body": "x"}
            ).status_code
            == 404
        )
    assert outsider.get(reverse("mentorship:cant_reach", args=[m.pk])).status_code == 404
    party = login(people["listener"])
    assert party.post(f"/mentorships/{m.pk}/cant-get-in-touch/explode/").status_code == 404
    assert Mentorship.objects.get(pk=m.pk).status == MentorshipStatus.ACTIVE
    assert StaffTicket.objects.count() == 0
