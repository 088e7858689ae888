"""Reads several mentoring features share: the community's settings, a mentor's load,
pairs that must never be matched again, and whether two people share a language.
"""

from __future__ import annotations

import datetime as dt

from peerpath.accounts.models import Profile, User, UserQuerySet
from peerpath.accounts.roles import Role
from peerpath.accounts.selectors import is_blocked_between
from peerpath.mentorship.models import (
    CURRENT_STATUSES,
    NO_REMATCH_REASONS,
    Mentorship,
    MentorshipSettings,
)


def mentors(at: dt.datetime) -> UserQuerySet:
    """Who may mentor at ``at``: the Mentor role, a mentor profile, active and not suspended.
    The one home of "the mentors": the directory and the matching pool narrow it."""
    qs: UserQuerySet = (
        User.objects.with_role(Role.MENTOR)
        .filter(is_active=True, mentor_profile__isnull=False)
        .not_suspended(at)
    )
    return qs


def community_settings() -> MentorshipSettings:
    return MentorshipSettings.load()


def mentor_load(mentor_id: int) -> int:
    """Current mentees: active mentorships plus proposals waiting for the mentor."""
    return Mentorship.objects.filter(mentor_id=mentor_id, status__in=CURRENT_STATUSES).count()


def ended_without_rematch(mentee_id: int, mentor_id: int) -> bool:
    """The pair had a mentorship or proposal that ended with a no-rematch reason."""
    return Mentorship.objects.filter(
        mentee_id=mentee_id, mentor_id=mentor_id, end_reason__in=NO_REMATCH_REASONS
    ).exists()


def is_excluded_pair(mentee_id: int, mentor_id: int) -> bool:
    """Never rematch a pair that ended with a no-rematch reason, or where either blocked."""
    return ended_without_rematch(mentee_id, mentor_id) or is_blocked_between(mentee_id, mentor_id)


def share_a_language(mentee_id: int, mentor_id: int) -> bool:
    """Whether their profiles have a language in common: the matching engine's hard
    constraint (``peerpath.matching.constraints.share_a_language``), re-read when a run's
    pairs are published."""
    spoken = Profile.languages.through.objects.filter(profile_id=mentor_id).values("language_id")
    return Profile.languages.through.objects.filter(
        profile_id=mentee_id, language_id__in=spoken
    ).exists()
