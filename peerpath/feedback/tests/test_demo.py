from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.activity.models import ActivityEvent
from peerpath.feedback import selectors
from peerpath.feedback.demo import seed_feedback
from peerpath.feedback.models import Feedback
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.rooms.models import Participation, RoomSession, SessionKind
from peerpath.rooms.tests.helpers import make_room

pytestmark = pytest.mark.django_db


def test_demo_mentor_shows_an_aggregate_from_real_sessions_and_mentees(settings):
    settings.DEBUG = True  # demo names are reserved otherwise
    mentor = make_mentor(username="demo-mentor", capacity=3)
    listener = make_listener(username="demo-listener")
    mentee = make_mentorship(mentor, make_listener()).mentee
    room = make_room()
    now = timezone.now()
    session = RoomSession.objects.create(
        room=room,
        kind=SessionKind.SUPPORT_SESSION,
        title="Evening support",
        host=mentor,
        starts_at=now - dt.timedelta(days=2),
        ends_at=now - dt.timedelta(days=2) + dt.timedelta(hours=1),
        started_at=now - dt.timedelta(days=2),
        ended_at=now - dt.timedelta(days=2) + dt.timedelta(hours=1),
    )
    people = [make_listener() for _ in range(8)]
    for p in people:
        Participation.objects.create(
            user=p,
            room=room,
            session=session,
            day=session.starts_at.date(),
            created_at=session.starts_at,
        )
    sessions_before = RoomSession.objects.count()
    summary = seed_feedback(seed=7, anchor=now)
    assert summary.line().startswith("Feedback: ")
    assert Feedback.objects.filter(listener=mentor).count() == 7
    authors = set(Feedback.objects.filter(listener=mentor).values_list("author_id", flat=True))
    assert authors <= {p.pk for p in people} | {mentee.pk}
    assert selectors.aggregate_for(mentor).visible
    # Nobody ever took part in demo-listener's sessions: nothing to rate, nothing invented.
    assert not Feedback.objects.filter(listener=listener).exists()
    assert not selectors.aggregate_for(listener).visible
    assert RoomSession.objects.count() == sessions_before  # no rooms data made up
    assert ActivityEvent.objects.filter(user=mentor).exists()
    again = seed_feedback(seed=7, anchor=now)
    assert again.feedback == 0
