"""The hub and a mentorship's space: who sees it, what each status shows, query counts,
and user text escaped on every mentoring page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerpath.mentorship.models import (
    MentorProfile,
)
from peerpath.mentorship.services import chat, lifecycle, logs, requests
from peerpath.mentorship.tests.factories import make_mentorship
from peerpath.mentorship.tests.helpers import ESCAPED, XSS, active_pair, masked, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

SPACE_QUERIES = 8  # + the header bell's unread count and the viewer's roles (Program link)


def test_hub_shows_requests_mentorships_and_for_mentors_what_waits(people, login):
    requests.request_mentors(mentee=people["listener"], mentors=[people["mentor"]], goal="Grow")
    listener_hub = text(login(people["listener"]).get(reverse("mentorship:hub")))
    assert "Your requests" in listener_hub
    assert "Withdraw this request" in listener_hub
    assert "Requests waiting for your answer" not in listener_hub
    mentor_hub = text(login(people["mentor"]).get(reverse("mentorship:hub")))
    assert "Requests waiting for your answer" in mentor_hub
    assert "Accept lee-listener" in mentor_hub
    assert "Grow" in mentor_hub


def test_the_space_of_an_active_mentorship(people, login):
    m = make_mentorship(
        people["mentor"],
        people["listener"],
        goal="Find my footing",
        explanation=["both speak English"],
    )
    chat.post_message(sender=people["mentor"], mentorship_id=m.pk, body="Welcome!")
    response = login(people["listener"]).get(reverse("mentorship:space", args=[m.pk]))
    assert response.status_code == 200
    body = text(response)
    assert 'id="chat"' in body
    assert f'data-ws-url="/ws/mentorships/{m.pk}/"' in body
    assert "Welcome!" in body
    assert 'id="chat-form"' in body
    assert "Find my footing" in body
    assert "both speak English" in body
    assert reverse("mentorship:cant_reach", args=[m.pk]) in body
    assert "I can't get in touch" in body
    assert f'action="/mentorships/{m.pk}/conversations/"' in body
    assert f'action="/mentorships/{m.pk}/check-ins/"' in body
    assert f'action="/mentorships/{m.pk}/flags/"' in body
    assert reverse("mentorship:directory") in body


def test_the_space_is_for_the_two_parties_only(people, login):
    m = active_pair(people)
    missing_id = 9_999_999
    for who in ("listener2", "staff", "mentor2", "teen_listener", "member"):
        c = login(people[who])
        hidden = c.get(reverse("mentorship:space", args=[m.pk]))
        missing = c.get(reverse("mentorship:space", args=[missing_id]))
        assert hidden.status_code == missing.status_code == 404, who
        assert masked(hidden.content) == masked(missing.content), who
    assert login(people["mentor"]).get(reverse("mentorship:space", args=[m.pk])).status_code == 200


def test_a_proposed_space_waits_for_the_mentor(people, login):
    m = make_mentorship(
        people["mentor"], people["listener"], status="proposed", explanation=["6 h overlapping"]
    )
    mentee_view = text(login(people["listener"]).get(reverse("mentorship:space", args=[m.pk])))
    assert "waiting for your mentor to accept" in mentee_view
    assert "6 h overlapping" in mentee_view
    assert 'id="chat"' not in mentee_view
    mentor_view = text(login(people["mentor"]).get(reverse("mentorship:space", args=[m.pk])))
    assert "Accept the match" in mentor_view


def test_an_ended_space_shows_a_summary_and_no_chat(people, login):
    m = active_pair(people)
    lifecycle.request_rematch(user=people["listener"], mentorship_id=m.pk, note="No answers")
    body = text(login(people["listener"]).get(reverse("mentorship:space", args=[m.pk])))
    assert "This mentorship has ended" in body
    assert "Asked for a new match" in body
    assert "No answers" in body
    assert 'id="chat-form"' not in body
    assert 'id="chat"' not in body


def test_space_query_count_is_flat(people, login):
    m = active_pair(people)
    c = login(people["listener"])
    url = reverse("mentorship:space", args=[m.pk])
    with CaptureQueriesContext(connection) as few:
        assert c.get(url).status_code == 200
    baseline = len(few.captured_queries)
    assert baseline <= SPACE_QUERIES, "\n".join(q["sql"][:200] for q in few.captured_queries)
    for i in range(5):
        chat.post_message(sender=people["mentor"], mentorship_id=m.pk, body=f"m{i}")
        chat.post_message(sender=people["listener"], mentorship_id=m.pk, body=f"r{i}")
        logs.check_in(user=people["listener"], mentorship_id=m.pk, rating=4, note=f"n{i}")
        logs.log_conversation(
            user=people["mentor"],
            mentorship_id=m.pk,
            kind="call",
            day=timezone.localdate(),
            note=f"call {i}",
        )
    with CaptureQueriesContext(connection) as more:
        response = c.get(url)
    assert "call 4" in text(response)
    assert "r4" in text(response)
    assert len(more.captured_queries) == baseline


def test_user_text_is_escaped_everywhere(people, login):
    listener = people["listener"]
    listener.profile.display_name = XSS
    listener.profile.save()
    mentor = people["mentor"]
    mentor.profile.display_name = XSS
    mentor.profile.save()
    MentorProfile.objects.filter(pk=mentor.pk).update(approach=XSS)
    requests.request_mentors(mentee=listener, mentors=[mentor], goal=XSS)
    pages = [
        login(listener).get(reverse("mentorship:directory")),
        login(listener).get(reverse("mentorship:mentor", args=["mo-mentor"])),
        login(mentor).get(reverse("mentorship:hub")),
    ]
    m = make_mentorship(people["mentor2"], people["listener2"], goal=XSS, explanation=[XSS])
    logs.check_in(user=people["listener2"], mentorship_id=m.pk, rating=3, note=XSS)
    chat.post_message(sender=people["listener2"], mentorship_id=m.pk, body=XSS)
    pages.append(login(people["mentor2"]).get(reverse("mentorship:space", args=[m.pk])))
    for response in pages:
        body = text(response)
        assert response.status_code == 200
        assert XSS not in body
        assert ESCAPED in body
