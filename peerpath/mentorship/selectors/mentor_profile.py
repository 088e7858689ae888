"""Reads for the mentor's settings page."""

from __future__ import annotations

from peerpath.accounts.models import User
from peerpath.mentorship.models import (
    MentorProfile,
)


def mentor_profile_of(user: User) -> MentorProfile | None:
    return MentorProfile.objects.filter(pk=user.pk).prefetch_related("specialties").first()
