"""Who may do what in mentoring. Pure functions over objects and facts the caller loaded
(selectors), so views, consumers, the API, the matching job and tests share one answer.

Safeguarding: a mentor is only ever shown to, requested by, matched with or chatting with a
mentee of the same age band (``accounts.policies.can_contact_privately``). Anything refused
across bands must look exactly like a missing mentor (views answer 404).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.models import AccountType
from peerpath.accounts.roles import Role
from peerpath.core.decisions import Decision
from peerpath.mentorship.models import (
    EndReason,
    Mentorship,
    MentorshipStatus,
    RequestTarget,
    TargetStatus,
)

NOT_FOUND = "No such mentor."

# What a party may choose when ending; the others are system or staff outcomes.
PARTY_END_REASONS = (
    EndReason.LEFT_PROGRAM,
    EndReason.REMATCH,
    EndReason.MENTOR_NO_REMATCH,
    EndReason.COMPLETED,
)


def may_mentor(user: Any, at: dt.datetime | None = None) -> Decision:
    """Mentoring is granted by staff (the Mentor role); the progression ladder adds badges."""
    if not account_policies.is_signed_in(user):
        return Decision.deny("Please log in.")
    if not account_policies.can_use_community(user, at):
        return Decision.deny("This account is suspended.")
    if not user.has_role(Role.MENTOR):
        return Decision.deny("Mentoring is open to people staff have made mentors.")
    return Decision.allow()


def may_be_mentored(user: Any, at: dt.datetime | None = None) -> Decision:
    """Mentoring is for listeners (the people who support members)."""
    decision = account_policies.can_use_community(user, at)
    if not decision:
        return decision
    if user.account_type != AccountType.LISTENER:
        return Decision.deny("Mentoring is for listeners. Switch to a listener account first.")
    return Decision.allow()


def can_see_mentor(viewer: Any, mentor: Any, at: dt.datetime | None = None) -> Decision:
    """Directory cards and mentor pages: same band only (staff see everyone)."""
    if not account_policies.is_signed_in(viewer):
        return Decision.deny("Please log in.")
    if not mentor.is_active or not may_mentor(mentor, at):
        return Decision.deny(NOT_FOUND)
    if account_policies.is_staff_member(viewer) or viewer.pk == mentor.pk:
        return Decision.allow()
    if not account_policies.can_use_community(viewer, at):
        return Decision.deny("Your account is suspended.")
    if not account_policies.same_age_band(viewer, mentor, at):
        return Decision.deny(NOT_FOUND)
    return Decision.allow()


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What a request check needs to know, loaded by ``selectors.requests.request_facts``."""

    capacity: int
    load: int
    blocked: bool  # a block either way: answered like a missing mentor
    open_request_to_mentor: bool
    open_requests: int
    max_open_requests: int
    has_current_mentorship: bool
    opted_out: bool = False
    ended_without_rematch: bool = False


def capacity_state(capacity: int, load: int) -> str:
    if capacity == 0:
        return "paused"
    if load >= capacity:
        return "full"
    return "accepting"


def can_request_mentor(
    mentee: Any, mentor: Any, facts: RequestFacts, at: dt.datetime | None = None
) -> Decision:
    decision = may_be_mentored(mentee, at)
    if not decision:
        return decision
    if mentee.pk == mentor.pk:
        return Decision.deny("You cannot mentor yourself.")
    seen = can_see_mentor(mentee, mentor, at)
    if not seen:
        return Decision.deny(NOT_FOUND)
    if not account_policies.can_contact_privately(mentee, mentor, at):
        return Decision.deny(NOT_FOUND)
    if facts.blocked:
        return Decision.deny(NOT_FOUND)
    if facts.has_current_mentorship:
        return Decision.deny(
            "You already have a mentor. Use “I can't get in touch” on your mentorship to change."
        )
    if facts.ended_without_rematch:
        return Decision.deny(
            f"You and {mentor.profile.shown_name} already ended a mentorship or a proposal, "
            "so you won't be paired again. Please choose another mentor."
        )
    state = capacity_state(facts.capacity, facts.load)
    if state == "paused":
        return Decision.deny(f"{mentor.profile.shown_name} has paused mentoring for now.")
    if state == "full":
        return Decision.deny(f"{mentor.profile.shown_name} is full right now. Try another mentor.")
    if facts.open_request_to_mentor:
        return Decision.deny(
            f"You already have a request waiting with {mentor.profile.shown_name}."
        )
    if facts.open_requests >= facts.max_open_requests:
        return Decision.deny(
            f"You have {facts.open_requests} requests waiting already "
            f"(the limit is {facts.max_open_requests}). Wait for an answer or withdraw one."
        )
    return Decision.allow()


def can_answer_request(user: Any, target: RequestTarget) -> Decision:
    if not account_policies.is_signed_in(user) or target.mentor_id != user.pk:
        return Decision.deny("No such request.")
    if target.status != TargetStatus.PENDING:
        return Decision.deny("This request has already been answered or has moved on.")
    return Decision.allow()


def is_party(user: Any, mentorship: Mentorship) -> bool:
    return account_policies.is_signed_in(user) and user.pk in (
        mentorship.mentor_id,
        mentorship.mentee_id,
    )


def can_view_mentorship(
    user: Any, mentorship: Mentorship, at: dt.datetime | None = None
) -> Decision:
    """The space is the two parties' only: nobody else, staff included, reads it."""
    if not is_party(user, mentorship):
        return Decision.deny("No such mentorship.")
    return Decision.allow()


def can_chat(user: Any, mentorship: Mentorship, at: dt.datetime | None = None) -> Decision:
    """Live chat: a party, the mentorship active, both still allowed to talk privately."""
    at = at or timezone.now()
    if not is_party(user, mentorship):
        return Decision.deny("No such mentorship.")
    if mentorship.status != MentorshipStatus.ACTIVE:
        return Decision.deny("This mentorship is not active.")
    other = mentorship.mentee if user.pk == mentorship.mentor_id else mentorship.mentor
    return account_policies.can_contact_privately(user, other, at)


def can_answer_proposal(user: Any, mentorship: Mentorship) -> Decision:
    if not account_policies.is_signed_in(user) or mentorship.mentor_id != user.pk:
        return Decision.deny("No such proposal.")
    if mentorship.status != MentorshipStatus.PROPOSED:
        return Decision.deny("This proposal has already been answered.")
    return Decision.allow()


def can_end(user: Any, mentorship: Mentorship, reason: EndReason) -> Decision:
    if not is_party(user, mentorship):
        return Decision.deny("No such mentorship.")
    if mentorship.status not in (MentorshipStatus.ACTIVE, MentorshipStatus.PROPOSED):
        return Decision.deny("This mentorship has already ended.")
    if reason == EndReason.MENTOR_NO_REMATCH and user.pk != mentorship.mentor_id:
        return Decision.deny("Only the mentor can choose this.")
    if reason not in (
        EndReason.LEFT_PROGRAM,
        EndReason.REMATCH,
        EndReason.MENTOR_NO_REMATCH,
        EndReason.COMPLETED,
    ):
        return Decision.deny("This is not something you can choose.")
    return Decision.allow()


def can_log(user: Any, mentorship: Mentorship) -> Decision:
    """Conversations, check-ins and flags: the parties of an active mentorship."""
    if not is_party(user, mentorship):
        return Decision.deny("No such mentorship.")
    if mentorship.status != MentorshipStatus.ACTIVE:
        return Decision.deny("This mentorship is not active.")
    return Decision.allow()


def loggable_days(
    mentorship: Mentorship, tz: dt.tzinfo, at: dt.datetime | None = None
) -> tuple[dt.date, dt.date]:
    """The first and last day a conversation of this mentorship can be logged for, in the
    logger's time zone: from the day it started (or was created) to today."""
    at = at or timezone.now()
    started = mentorship.started_at or mentorship.created_at
    return started.astimezone(tz).date(), timezone.localdate(at, timezone=tz)


def can_log_day(
    mentorship: Mentorship, day: dt.date, tz: dt.tzinfo, at: dt.datetime | None = None
) -> Decision:
    first, last = loggable_days(mentorship, tz, at)
    if day > last:
        return Decision.deny("A conversation can't be logged for a future date.")
    if day < first:
        return Decision.deny(
            f"That day is before this mentorship began ({first.day} {first:%B %Y}). "
            "Choose a day from then on."
        )
    return Decision.allow()


def can_run_matching(user: Any) -> Decision:
    if not account_policies.is_staff_member(user):
        return Decision.deny("Only staff can run matching.")
    return Decision.allow()
