"""Sessions: validation, screened titles, hosting time credited from the record, and the
upkeep ending forgotten sessions."""

from __future__ import annotations

import datetime as dt

import pytest

from peerpath.accounts.models import User
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.core.errors import Conflict, Forbidden, Refused
from peerpath.rooms.models import HostingQuota, RoomCategory, SessionKind
from peerpath.rooms.selectors.sessions import credited_minutes, hosting_by_month
from peerpath.rooms.services import sessions
from peerpath.rooms.tests.helpers import NOW, alert_for, make_room, member, moderator, responder_ids
from peerpath.safety.models import Channel

pytestmark = pytest.mark.django_db


def test_a_sessions_title_and_description_are_screened() -> None:
    room = make_room()
    writer, other = moderator(), moderator()
    start = NOW + dt.timedelta(hours=1)
    scheduled = sessions.schedule_session(
        actor=writer,
        room_id=room.pk,
        kind=SessionKind.SUPPORT_SESSION,
        title="Evening support",
        description="Tonight I will end my life, come say goodbye",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        now=NOW,
    )
    alert = alert_for(scheduled.session)
    assert alert.channel == Channel.ROOM
    assert responder_ids(alert) == {other.pk}  # never the writer
    assert "end my life" in alert.excerpt


def test_sessions_are_validated() -> None:
    room = make_room(category=RoomCategory.SHARING_CIRCLE, host_required=True)
    host = moderator()
    start = NOW + dt.timedelta(hours=1)

    def schedule(
        begins: dt.datetime, hours: float, *, actor: User = host, host_id: int | None = None
    ) -> None:
        sessions.schedule_session(
            actor=actor,
            room_id=room.pk,
            kind=SessionKind.SHARING_CIRCLE,
            title="Circle",
            starts_at=begins,
            ends_at=begins + dt.timedelta(hours=hours),
            host_id=host_id,
            now=NOW,
        )

    with pytest.raises(Refused):
        schedule(start, 0)  # ends as it starts
    with pytest.raises(Refused):
        schedule(NOW - dt.timedelta(hours=2), 1)  # in the past
    with pytest.raises(Refused):
        schedule(start, 5)  # too long
    schedule(start, 1)
    with pytest.raises(Conflict):
        schedule(start + dt.timedelta(minutes=30), 1)
    with pytest.raises(Forbidden):
        schedule(start + dt.timedelta(hours=3), 1, actor=member())
    teen = member(teen=True)
    with pytest.raises(Refused, match="age band"):
        schedule(start + dt.timedelta(hours=3), 1, host_id=teen.pk)
    with pytest.raises(Refused):
        sessions.schedule_session(
            actor=host,
            room_id=room.pk,
            kind="rave",
            title="x",
            starts_at=start + dt.timedelta(hours=5),
            ends_at=start + dt.timedelta(hours=6),
            now=NOW,
        )
    assert room.sessions.count() == 1


def test_hosting_time_is_credited_from_the_session_record() -> None:
    room = make_room(category=RoomCategory.SHARING_CIRCLE, host_required=True)
    host = moderator()
    HostingQuota.objects.create(role_slug="chatroom-moderator", minutes_per_month=120)
    start = NOW + dt.timedelta(hours=1)
    s = sessions.schedule_session(
        actor=host,
        room_id=room.pk,
        kind=SessionKind.SHARING_CIRCLE,
        title="Circle",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        now=NOW,
    ).session
    with pytest.raises(Refused):
        sessions.start_session(actor=host, session_id=s.pk, now=NOW)  # too early
    with pytest.raises(Forbidden):
        sessions.start_session(actor=member(), session_id=s.pk, now=start)
    sessions.start_session(actor=host, session_id=s.pk, now=start + dt.timedelta(minutes=5))
    done = sessions.end_session(actor=host, session_id=s.pk, now=start + dt.timedelta(minutes=50))
    assert credited_minutes(done) == 45
    assert ActivityEvent.objects.filter(user=host, kind=ActivityKind.SESSION_HOSTED).count() == 1
    rows = hosting_by_month(now=start + dt.timedelta(hours=2))
    assert [(r.host.pk, r.sessions, r.minutes) for r in rows] == [(host.pk, 1, 45)]


def test_forgotten_sessions_end_30_minutes_after_schedule() -> None:
    room = make_room()
    host = moderator()
    start = NOW + dt.timedelta(hours=1)
    s = sessions.schedule_session(
        actor=host,
        room_id=room.pk,
        kind=SessionKind.SKILLS_DISCUSSION,
        title="Skills",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        now=NOW,
    ).session
    sessions.start_session(actor=host, session_id=s.pk, now=start)
    assert sessions.end_overdue_sessions(now=start + dt.timedelta(hours=2)) == 1
    s.refresh_from_db()
    assert s.ended_at == start + dt.timedelta(minutes=90)
    assert credited_minutes(s) == 90
