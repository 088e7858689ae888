"""Screening writers for mentoring: each puts the text into its field through the service the
mentoring pages and the chat socket call. Teen pairs (a teen mentor and a teen mentee, plus a
staff member and an adult mentor who must never be told), so the coverage test also sees that
a teen's alert reaches only teen-band responders or staff.

``mentorship.StaffTicket.subject`` has no writer here: the service composes it ("Can't get in
touch (mentorship #n)"), nobody types it (it belongs in ``NOT_SCREENED``); the ticket's body
is screened together with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.mentorship.models import MenteeProfile, Mentorship, RequestTarget
from peerpath.mentorship.services import (
    chat,
    flags,
    lifecycle,
    logs,
    mentor_profile,
    requests,
    tickets,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship


@dataclass
class _Pair:
    mentor: User
    mentee: User
    m: Mentorship


def _people() -> tuple[User, User]:
    """A teen mentor and a teen listener, with staff and an adult mentor around."""
    UserFactory.create(roles=[Role.STAFF])
    make_mentor()  # an adult mentor: never a responder for a teen
    return make_mentor(teen=True), make_listener(teen=True)


def _pair() -> _Pair:
    mentor, mentee = _people()
    return _Pair(mentor, mentee, make_mentorship(mentor, mentee, goal="Feel calmer at school"))


def message(text: str) -> Model:
    p = _pair()
    return chat.post_message(sender=p.mentee, mentorship_id=p.m.pk, body=text).message


def mentorship_goal(text: str) -> Model:
    mentor, mentee = _people()
    sent = requests.request_mentors(mentee=mentee, mentors=[mentor], goal=text)
    accepted = requests.respond_to_request(
        mentor=mentor, target_id=sent.obj.targets.get().pk, accept=True
    )
    assert accepted.obj is not None
    return accepted.obj


def end_note(text: str) -> Model:
    p = _pair()
    return lifecycle.request_rematch(user=p.mentee, mentorship_id=p.m.pk, note=text).obj


def conversation_note(text: str) -> Model:
    p = _pair()
    return logs.log_conversation(
        user=p.mentee, mentorship_id=p.m.pk, kind="call", day=timezone.localdate(), note=text
    ).obj


def check_in_note(text: str) -> Model:
    p = _pair()
    return logs.check_in(user=p.mentee, mentorship_id=p.m.pk, rating=2, note=text).obj


def flag_note(text: str) -> Model:
    p = _pair()
    return flags.raise_flag(
        user=p.mentee, mentorship_id=p.m.pk, topic="wellbeing", priority="can_wait", note=text
    ).obj


def ticket_body(text: str) -> Model:
    p = _pair()
    return tickets.open_staff_ticket(user=p.mentee, body=text, mentorship_id=p.m.pk).obj


def request_goal(text: str) -> Model:
    mentor, mentee = _people()
    return requests.request_mentors(mentee=mentee, mentors=[mentor], goal=text).obj


def decline_reason(text: str) -> Model:
    mentor, mentee = _people()
    sent = requests.request_mentors(mentee=mentee, mentors=[mentor], goal="Make friends")
    target: RequestTarget = sent.obj.targets.get()
    requests.respond_to_request(mentor=mentor, target_id=target.pk, accept=False, reason=text)
    target.refresh_from_db()
    return target


def mentor_approach(text: str) -> Model:
    mentor, _ = _people()
    return mentor_profile.save_mentor_profile(
        user=mentor,
        capacity=2,
        specialties=[],
        track_listeners=True,
        track_group_i=False,
        track_group_ii=False,
        approach=text,
    ).obj


def mentee_goal(text: str) -> Model:
    mentor, mentee = _people()
    requests.request_mentors(mentee=mentee, mentors=[mentor], goal=text)
    return MenteeProfile.objects.get(user=mentee)


WRITERS: dict[str, Callable[[str], Model]] = {
    "mentorship.Message.body": message,
    "mentorship.Mentorship.goal": mentorship_goal,
    "mentorship.Mentorship.end_note": end_note,
    "mentorship.Conversation.note": conversation_note,
    "mentorship.CheckIn.note": check_in_note,
    "mentorship.Flag.note": flag_note,
    "mentorship.StaffTicket.body": ticket_body,
    "mentorship.MentorRequest.goal": request_goal,
    "mentorship.RequestTarget.decline_reason": decline_reason,
    "mentorship.MentorProfile.approach": mentor_approach,
    "mentorship.MenteeProfile.goal": mentee_goal,
}
