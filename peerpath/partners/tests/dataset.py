"""A small fixed community whose table figures are computed by hand in the tests.

Every timestamp lies in the past (days before ``now``), so the rollup's watermark (``now``
minus a small overlap) is after all of it and a later change is the only thing a refresh sees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.mentorship.models import (
    CheckIn,
    Conversation,
    ConversationKind,
    EndReason,
    Flag,
    FlagPriority,
    Mentorship,
    MentorshipStatus,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.resources.models import FlagTopic

DAY = dt.timedelta(days=1)


@dataclass
class Dataset:
    now: dt.datetime
    today: dt.date
    staff: User
    adult_ambassador: User
    teen_ambassador: User
    mentors: dict[str, User]
    mentees: dict[str, User]
    pairs: dict[str, Mentorship]  # P1..P6 started; P7 a proposal (never a row)

    def ids(self, *names: str) -> list[int]:
        return [self.pairs[n].pk for n in names]


def _pair(mentor: User, mentee: User, *, started_days: int, status: str = "active") -> Mentorship:
    now = timezone.now()
    m = make_mentorship(mentor, mentee)
    started = now - started_days * DAY
    fields: dict[str, object] = {
        "started_at": started,
        "created_at": started,
        "updated_at": started,
    }
    if status == MentorshipStatus.ENDED:
        fields.update(
            status=MentorshipStatus.ENDED,
            ended_at=now - 50 * DAY,
            end_reason=EndReason.COMPLETED,
            updated_at=now - 50 * DAY,
        )
    Mentorship.objects.filter(pk=m.pk).update(**fields)
    m.refresh_from_db()
    return m


def _conversation(m: Mentorship, days_ago: int, kind: str = ConversationKind.CHAT) -> None:
    now = timezone.now()
    Conversation.objects.create(
        mentorship=m, kind=kind, day=(now - days_ago * DAY).date(), created_at=now - days_ago * DAY
    )


def _flag(m: Mentorship, by: User, days_ago: int, *, resolved: bool = False) -> None:
    now = timezone.now()
    flag = Flag.objects.create(
        mentorship=m, raised_by=by, topic=FlagTopic.WELLBEING, priority=FlagPriority.CAN_WAIT
    )
    at = now - days_ago * DAY
    Flag.objects.filter(pk=flag.pk).update(
        created_at=at, updated_at=at, resolved_at=at if resolved else None
    )


def _check_in(m: Mentorship, by: User, days_ago: int) -> None:
    CheckIn.objects.create(
        mentorship=m, author=by, rating=4, created_at=timezone.now() - days_ago * DAY
    )


def build() -> Dataset:
    now = timezone.now()
    staff = UserFactory.create(username="d-staff", roles=[Role.STAFF])
    adult_amb = UserFactory.create(username="d-amb-adult", listener=True, roles=[Role.AMBASSADOR])
    teen_amb = UserFactory.create(
        username="d-amb-teen", teen=True, listener=True, roles=[Role.AMBASSADOR]
    )
    mentors = {
        "am1": make_mentor(username="a-mentor-1", capacity=5),
        "am2": make_mentor(username="a-mentor-2", capacity=5),
        "tm1": make_mentor(username="t-mentor-1", teen=True, capacity=5),
    }
    mentees = {
        "ae1": make_listener(username="a-mentee-1"),
        "ae2": make_listener(username="a-mentee-2"),
        "ae3": make_listener(username="a-mentee-3"),
        "ae4": make_listener(username="a-mentee-4"),
        "ae5": make_listener(username="a-mentee-5"),
        "te1": make_listener(username="t-mentee-1", teen=True),
        "te2": make_listener(username="t-mentee-2", teen=True),
    }
    am1, am2, tm1 = mentors["am1"], mentors["am2"], mentors["tm1"]
    pairs = {
        "P1": _pair(am1, mentees["ae1"], started_days=40),
        "P2": _pair(am1, mentees["ae2"], started_days=10),
        "P3": _pair(am2, mentees["ae3"], started_days=60),
        "P4": _pair(am2, mentees["ae4"], started_days=100, status=MentorshipStatus.ENDED),
        "P5": _pair(tm1, mentees["te1"], started_days=5),
        "P6": _pair(tm1, mentees["te2"], started_days=30),
    }
    pairs["P7"] = make_mentorship(am1, mentees["ae5"], status=MentorshipStatus.PROPOSED)
    p = pairs
    for days in (35, 30, 20):
        _conversation(p["P1"], days)
    _flag(p["P1"], mentees["ae1"], 15)
    _flag(p["P1"], am1, 25, resolved=True)
    _check_in(p["P1"], mentees["ae1"], 30)
    _check_in(p["P1"], am1, 21)
    _conversation(p["P3"], 2)
    _check_in(p["P3"], mentees["ae3"], 3)
    _conversation(p["P4"], 90)
    _conversation(p["P4"], 80, ConversationKind.CALL)
    _conversation(p["P6"], 25)
    _conversation(p["P6"], 25, ConversationKind.CALL)
    _flag(p["P6"], tm1, 24)
    return Dataset(
        now=now,
        today=now.date(),
        staff=staff,
        adult_ambassador=adult_amb,
        teen_ambassador=teen_amb,
        mentors=mentors,
        mentees=mentees,
        pairs=pairs,
    )
