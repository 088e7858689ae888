"""Screening of feedback comments: the feedback is always saved; its author sees help on
the next page; the alert goes to the staff queue (the listener reads comments anonymously
and is no responder for their author)."""

from __future__ import annotations

import pytest
from django.test import Client

from peerpath.core.errors import Refused
from peerpath.feedback import services
from peerpath.feedback.tests.helpers import mentee_who_chatted
from peerpath.mentorship.tests.factories import make_mentor
from peerpath.safety.models import SafetyAlert

pytestmark = pytest.mark.django_db

CRISIS = "honestly i want to end my life tonight"
HELP = 'data-testid="crisis-help"'


def test_a_crisis_comment_is_saved_queued_and_answered_with_help() -> None:
    mentor = make_mentor(teen=True)
    author = mentee_who_chatted(mentor)

    given = services.give_feedback(author=author, listener=mentor, rating=2, comment=CRISIS)

    assert given.feedback.comment == CRISIS  # never blocked
    assert given.screening.resources
    alert = SafetyAlert.objects.get(source="feedback.Feedback", source_id=given.feedback.pk)
    assert (alert.channel, alert.writer, alert.writer_band) == ("feedback", author, "teen")
    assert alert.queued
    assert not alert.responders.exists()  # never the listener the comment is about
    assert mentor.username in alert.where


def test_ordinary_comments_and_refusals_raise_nothing() -> None:
    mentor = make_mentor()
    author = mentee_who_chatted(mentor)
    given = services.give_feedback(
        author=author, listener=mentor, rating=5, comment="You helped me through a sad week."
    )
    assert given.screening.alert is None
    with pytest.raises(Refused):
        services.give_feedback(author=author, listener=mentor, rating=9, comment=CRISIS)
    assert not SafetyAlert.objects.exists()


def test_the_next_page_shows_the_help(client: Client) -> None:
    mentor = make_mentor()
    client.force_login(mentee_who_chatted(mentor))

    response = client.post(
        f"/feedback/give/{mentor.username}/", {"rating": "4", "comment": CRISIS}, follow=True
    )

    assert response.status_code == 200
    assert HELP in response.content.decode()
    assert SafetyAlert.objects.filter(source="feedback.Feedback").count() == 1


def test_bad_input_is_400_without_help_or_alert(client: Client) -> None:
    mentor = make_mentor()
    client.force_login(mentee_who_chatted(mentor))
    response = client.post(f"/feedback/give/{mentor.username}/", {"rating": "9", "comment": CRISIS})
    assert response.status_code == 400
    assert HELP not in response.content.decode()
    assert not SafetyAlert.objects.exists()
