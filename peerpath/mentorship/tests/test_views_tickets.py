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
from peerpath.mentorship.tests.factories import make_mentorship
from peerpath.mentorship.tests.helpers import active_pair, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

CONFIRMED = {"confirm": "on"}


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
        reverse("mentorship:cant_reach_action", args=[m.pk, "leave"]),
        {"note": "Too busy", "confirm": "on"},
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
        reverse("mentorship:cant_reach_action", args=[m.pk, "rematch"]),
        {"note": "", "confirm": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mentorship:space", args=[m.pk])
    m.refresh_from_db()
    assert (m.status, m.end_reason) == ("ended", EndReason.REMATCH)
    again = login(people["listener"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "rematch"]), CONFIRMED
    )
    assert again.status_code == 409


def test_branch_no_rematch_is_for_mentors_only(people, login):
    m = active_pair(people)
    refused = login(people["listener"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "no-rematch"]), CONFIRMED
    )
    assert refused.status_code == 403
    assert "Only the mentor" in text(refused)
    assert Mentorship.objects.get(pk=m.pk).status == MentorshipStatus.ACTIVE
    response = login(people["mentor"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "no-rematch"]), CONFIRMED
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


def test_each_side_reads_its_own_words(people, login):
    """Issue 19: mentors read "you'll not be matched again" (meaning: with this mentee), a
    "remove me" text promising a mentor "until you choose a mentor yourself", and tips on
    "How to reach out to your mentor"."""
    m = active_pair(people)
    url = reverse("mentorship:cant_reach", args=[m.pk])
    mentor_page = text(login(people["mentor"]).get(url))
    mentee_page = text(login(people["listener"]).get(url))
    assert "until you choose a mentor yourself" in mentee_page
    assert "until you choose a mentor yourself" not in mentor_page
    assert "your mentoring is paused" in mentor_page
    assert "How to reach out to your mentor" in mentee_page
    assert "How to reach out to your mentor" not in mentor_page
    assert "Your first chat with a new mentee" in mentor_page
    # unmatching for good names who won't be matched again
    response = login(people["mentor"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "no-rematch"]),
        CONFIRMED,
        follow=True,
    )
    body = text(response)
    assert "you&#x27;ll not be matched again" not in body
    assert "You won&#x27;t be matched with lee-listener again" in body


def test_a_mentor_leaving_reads_how_to_come_back(people, login):
    m = active_pair(people)
    response = login(people["mentor"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "leave"]), CONFIRMED, follow=True
    )
    body = text(response)
    assert "raise your capacity in your mentor settings" in body
    assert "from the mentor directory" not in body
    assert MentorProfile.objects.get(pk=people["mentor"].pk).capacity == 0


@pytest.mark.parametrize(
    ("branch", "who", "box"),
    [
        ("rematch", "listener", "Yes, end my mentorship with mo-mentor"),
        ("no-rematch", "mentor", "Yes, end my mentorship with lee-listener for good"),
        ("leave", "listener", "Yes, remove me from the mentoring program"),
    ],
)
def test_ending_needs_the_ticked_box_and_nothing_ends_without_it(people, login, branch, who, box):
    """Issue 19: no confirmation before irreversible actions. The confirmation is a required
    box in the form itself, so it works without JavaScript."""
    m = active_pair(people)
    c = login(people[who])
    page = text(c.get(reverse("mentorship:cant_reach", args=[m.pk])))
    assert box in page
    response = c.post(
        reverse("mentorship:cant_reach_action", args=[m.pk, branch]), {"note": "Kept note"}
    )
    assert response.status_code == 400
    body = text(response)
    assert "Tick the box to confirm: this can&#x27;t be undone." in body
    assert "Kept note" in body  # what was typed is still there
    assert Mentorship.objects.get(pk=m.pk).status == MentorshipStatus.ACTIVE
    assert MentorProfile.objects.get(pk=people["mentor"].pk).capacity == 2


@pytest.mark.parametrize(
    ("who", "reads"),
    [
        (
            "listener",
            "You asked for another match instead of mo-mentor. We&#x27;ll include you in the "
            "next matching round",
        ),
        ("mentor", "You declined the proposed match with lee-listener. Your place stays free."),
    ],
)
def test_turning_down_a_proposal_says_what_happens_next(people, login, who, reads):
    """Issue 19: a mentee who turned down a proposed mentor read "This mentorship has
    ended", for a mentorship that never started, and nothing about what comes next."""
    m = make_mentorship(people["mentor"], people["listener"], status=MentorshipStatus.PROPOSED)
    client = login(people[who])
    response = client.post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "rematch"]), CONFIRMED, follow=True
    )
    assert response.status_code == 200
    assert reads in text(response)
    assert "This mentorship has ended" not in text(response)
