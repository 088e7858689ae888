"""Helpers several mentoring services share: the mentor's row lock and activity stamp, the
party check of the logs and flags, the end-note screening and the conversation record.
"""

from __future__ import annotations

import datetime as dt

from peerpath.accounts.models import User
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import Ref, record_activity
from peerpath.core.errors import Conflict, NotFound
from peerpath.mentorship import policies, screening
from peerpath.mentorship.models import (
    Conversation,
    MentorProfile,
    Mentorship,
)
from peerpath.mentorship.screening import Screening


def touch_mentor(user_id: int, at: dt.datetime) -> None:
    MentorProfile.objects.filter(pk=user_id).update(last_active_at=at)


def lock_mentor(mentor_id: int) -> MentorProfile:
    profile = MentorProfile.objects.select_for_update().filter(pk=mentor_id).first()
    if profile is None:
        raise NotFound(policies.NOT_FOUND)
    return profile


def lock_user(user_id: int) -> User:
    user: User = User.objects.select_for_update().get(pk=user_id)
    return user


def party_mentorship(user: User, mentorship_id: int, *, active: bool = True) -> Mentorship:
    m = Mentorship.objects.select_related("mentor", "mentee").filter(pk=mentorship_id).first()
    if m is None or not policies.is_party(user, m):
        raise NotFound("No such mentorship.")
    if active:
        decision = policies.can_log(user, m)
        if not decision:
            raise Conflict(decision.reason)
    return m


def screen_end_note(m: Mentorship, writer: User, now: dt.datetime) -> Screening:
    """An end note (the other person reads it; the pair is over): the safeguarding team."""
    return screening.screen(writer=writer, source=m, field="end_note", at=now)


def record_conversation(m: Mentorship, conversation: Conversation, at: dt.datetime) -> None:
    ref = Ref("mentorship.conversation", conversation.pk)
    for user in (m.mentor, m.mentee):
        record_activity(user=user, kind=ActivityKind.MENTOR_CONVERSATION, occurred_at=at, ref=ref)
