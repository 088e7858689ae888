"""Who may do what in training. Pure functions over the objects and facts passed in (no
queries), shared by views, services and tests.

Safeguarding: a cohort is of one age band. A trainee sees and joins only cohorts of their own
band; a cohort of the other band answers exactly like a missing one (404). Facilitators are
program staff (any cohort: staff act in moderated spaces), or people holding a leadership
role (Ambassador or Moderator) appointed to that cohort and of its band.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.roles import Role
from peerpath.core.decisions import Decision
from peerpath.training.models import Audience, Cohort, Post, Program

NO_SUCH_COHORT = "No such cohort."
NO_SUCH_POST = "No such post."
LEADERSHIP_ROLES: tuple[Role, ...] = (Role.AMBASSADOR, Role.MODERATOR)


def band_of(user: Any, at: dt.datetime | None = None) -> str | None:
    """``"teen"`` or ``"adult"``; ``None`` for visitors (and the under-13s who cannot exist)."""
    if not account_policies.is_signed_in(user):
        return None
    band = account_policies.age_band_of(user, at or timezone.now())
    if band is None or band is AgeBand.CHILD:
        return None
    return band.value


def program_fits_band(program: Program, band: str | None) -> bool:
    if band is None:
        return False
    if program.audience == Audience.TEENS:
        return band == "teen"
    if program.audience == Audience.ADULTS:
        return band == "adult"
    return True


def holds_leadership_role(user: Any) -> bool:
    return account_policies.is_signed_in(user) and any(
        user.has_role(role) for role in LEADERSHIP_ROLES
    )


def can_see_program(user: Any, program: Program, at: dt.datetime | None = None) -> Decision:
    if not account_policies.is_signed_in(user):
        return Decision.deny("Please log in.")
    if account_policies.is_staff_member(user):
        return Decision.allow()
    if not program.is_active or not program_fits_band(program, band_of(user, at)):
        return Decision.deny("No such program.")
    return Decision.allow()


def can_see_cohort(user: Any, cohort: Cohort, at: dt.datetime | None = None) -> Decision:
    """Staff see every cohort; everyone else only cohorts of their own band (else: missing)."""
    if not account_policies.is_signed_in(user):
        return Decision.deny("Please log in.")
    if account_policies.is_staff_member(user):
        return Decision.allow()
    if band_of(user, at) != cohort.band:
        return Decision.deny(NO_SUCH_COHORT)
    return Decision.allow()


def is_open(cohort: Cohort, at: dt.datetime) -> bool:
    return cohort.opens_at <= at and (cohort.closes_at is None or at < cohort.closes_at)


def can_join_cohort(
    user: Any, cohort: Cohort, *, already_enrolled: bool, at: dt.datetime | None = None
) -> Decision:
    """A trainee joins an open cohort of their own band, once per program."""
    at = at or timezone.now()
    usable = account_policies.can_use_community(user, at)
    if not usable:
        return usable
    if band_of(user, at) != cohort.band:
        return Decision.deny(NO_SUCH_COHORT)  # even staff: a trainee sits with their own band
    if not cohort.program.is_active or not program_fits_band(cohort.program, cohort.band):
        return Decision.deny("This program is not taking trainees.")
    if already_enrolled:
        return Decision.deny("You are already in a cohort of this program.")
    if not is_open(cohort, at):
        return Decision.deny("This cohort is not open to join right now.")
    return Decision.allow()


def can_facilitate(
    user: Any, cohort: Cohort, *, facilitator_ids: Collection[int], at: dt.datetime | None = None
) -> Decision:
    """Staff facilitate any cohort; a leader (Ambassador, Moderator) the cohorts of their own
    band they are appointed to."""
    at = at or timezone.now()
    usable = account_policies.can_use_community(user, at)
    if not usable:
        return usable
    if account_policies.is_staff_member(user):
        return Decision.allow()
    if band_of(user, at) != cohort.band:
        return Decision.deny(NO_SUCH_COHORT)
    if user.pk not in facilitator_ids:
        return Decision.deny("Only this cohort's facilitators can do that.")
    if not holds_leadership_role(user):
        return Decision.deny("Facilitating needs a leadership role (Ambassador or Moderator).")
    return Decision.allow()


def may_be_facilitator(user: Any, band: str) -> Decision:
    """Whether ``user`` may be appointed to facilitate a cohort of ``band`` (admin, demo)."""
    if account_policies.is_staff_member(user):
        return Decision.allow()
    if not holds_leadership_role(user):
        return Decision.deny(f"{user} holds no leadership role (Ambassador or Moderator).")
    if band_of(user) != band:
        return Decision.deny(f"{user} is not of this cohort's age band.")
    return Decision.allow()


@dataclass(frozen=True, slots=True)
class StepFacts:
    """What is known about one discussion for one trainee (``selectors.progress``)."""

    position: int
    title: str
    complete: bool


def step_lock(steps: Sequence[StepFacts], position: int) -> Decision:
    """A discussion unlocks when every earlier one is complete."""
    for step in steps:
        if step.position >= position:
            break
        if not step.complete:
            return Decision.deny(f"Complete {step.position:02d} “{step.title}” first.")
    return Decision.allow()


def can_reply_to(author: Any, parent: Post) -> Decision:
    if parent.parent_id is not None:
        return Decision.deny("Reply to a fellow trainee's answer, not to a reply.")
    if parent.author_id == author.pk:
        return Decision.deny(
            "You can't reply to your own answer: the activity is to reply to fellow trainees."
        )
    if parent.rejected_at is not None:
        return Decision.deny("This answer was marked as not meeting the activity.")
    return Decision.allow()


def can_reject(
    user: Any, post: Post, *, facilitator_ids: Collection[int], at: dt.datetime | None = None
) -> Decision:
    decision = can_facilitate(user, post.cohort, facilitator_ids=facilitator_ids, at=at)
    if not decision:
        return decision
    if post.rejected_at is not None:
        return Decision.deny("This post is already marked as not meeting the activity.")
    return Decision.allow()
