"""What the signed-in dashboard shows about mentoring."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts import services as account_services
from peerpath.mentorship.services import chat, requests
from peerpath.mentorship.tests.helpers import active_pair, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def test_dashboard_connects_listeners_and_shows_mentors_what_waits(people, login):
    listener_home = text(login(people["listener"]).get("/"))
    assert "Connect with a mentor" in listener_home
    assert 'href="/mentors/"' in listener_home
    member_home = text(login(people["member"]).get("/"))
    assert "Connect with a mentor" not in member_home
    requests.request_mentors(mentee=people["listener"], mentors=[people["mentor"]], goal="Grow")
    mentor_home = text(login(people["mentor"]).get("/"))
    assert "1 request waiting for your answer" in mentor_home


def test_dashboard_links_the_current_mentorship_with_its_unread_count(people, login):
    m = active_pair(people)
    chat.post_message(sender=people["mentor"], mentorship_id=m.pk, body="Hi")
    chat.post_message(sender=people["mentor"], mentorship_id=m.pk, body="Are you there?")
    body = text(login(people["listener"]).get("/"))
    assert reverse("mentorship:space", args=[m.pk]) in body
    assert "2 unread" in body
    assert "Connect with a mentor" not in body.split('id="mentoring"')[1].split("</section>")[0]


def test_suspended_people_see_their_dashboard_without_mentoring(people, login):
    listener = people["listener"]
    account_services.suspend_user(
        actor=people["staff"],
        user=listener,
        until=timezone.now() + dt.timedelta(days=1),
        reason="Rude",
    )
    c = login(listener)
    assert c.get("/").status_code == 200
    assert c.get(reverse("mentorship:directory")).status_code == 403


def test_no_suggestions_for_someone_who_has_a_mentor(people, login):
    active_pair(people)
    body = text(login(people["listener"]).get(reverse("mentorship:directory")))
    assert "Suggested for you" not in body
    assert "You already have a mentor" in body
