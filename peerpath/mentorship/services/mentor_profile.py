"""Becoming a mentor: the mentor's own settings (capacity, specialties, tracks, "how I
mentor", weekly hours).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.models import Topic, User
from peerpath.accounts.validators import validate_availability
from peerpath.core.errors import Refused
from peerpath.core.text import clean_text
from peerpath.mentorship import policies, screening
from peerpath.mentorship.models import (
    MAX_CAPACITY,
    NOTE_MAX_CHARS,
    MentorProfile,
)
from peerpath.mentorship.screening import NOTHING, Written


@transaction.atomic
def save_mentor_profile(
    *,
    user: User,
    capacity: int,
    specialties: Sequence[Topic],
    track_listeners: bool,
    track_group_i: bool,
    track_group_ii: bool,
    approach: str,
    availability: str | None = None,
) -> Written[MentorProfile]:
    Refused.unless(policies.may_mentor(user), status=403)
    if not 0 <= capacity <= MAX_CAPACITY:
        raise Refused(f"Capacity must be between 0 (paused) and {MAX_CAPACITY}.")
    if not (track_listeners or track_group_i or track_group_ii):
        raise Refused("Choose at least one mentoring track.")
    profile, _ = MentorProfile.objects.select_for_update().get_or_create(user=user)
    before = profile.approach
    profile.capacity = capacity
    profile.track_listeners = track_listeners
    profile.track_group_i = track_group_i
    profile.track_group_ii = track_group_ii
    profile.approach = clean_text(
        approach, what="“how I mentor” text", max_chars=NOTE_MAX_CHARS, required=False
    )
    profile.last_active_at = timezone.now()
    profile.full_clean()
    profile.save()
    found = NOTHING
    if profile.approach != before:  # an unchanged text was screened when it was written
        found = screening.screen(
            writer=user,
            source=profile,
            field="approach",
            at=profile.last_active_at,
            url=reverse("mentorship:mentor", args=[user.username]),
        )
    profile.specialties.set(list(specialties))
    if availability is not None:
        try:
            validate_availability(availability)
        except ValidationError as exc:
            raise Refused("The availability grid was not understood.") from exc
        user.profile.availability = availability
        user.profile.save(update_fields=["availability", "updated_at"])
    return Written(profile, found)
