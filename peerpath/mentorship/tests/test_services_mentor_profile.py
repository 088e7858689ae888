"""Saving a mentor's settings."""

from __future__ import annotations

from typing import Any

import pytest

from peerpath.accounts.models import Topic
from peerpath.core.errors import Refused
from peerpath.mentorship.models import (
    MentorProfile,
)
from peerpath.mentorship.services import (
    mentor_profile,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor

pytestmark = pytest.mark.django_db


def test_save_mentor_profile_validates_and_needs_the_role():
    mentor = make_mentor()
    topics = list(Topic.objects.all()[:2])
    p = mentor_profile.save_mentor_profile(
        user=mentor,
        capacity=4,
        specialties=topics,
        track_listeners=True,
        track_group_i=True,
        track_group_ii=False,
        approach="Patient, practical.",
        availability="1" * 168,
    ).obj
    assert p.capacity == 4
    assert set(p.specialties.all()) == set(topics)
    mentor.profile.refresh_from_db()
    assert mentor.profile.availability == "1" * 168
    kwargs: dict[str, Any] = {
        "specialties": [],
        "track_listeners": True,
        "track_group_i": False,
        "track_group_ii": False,
        "approach": "",
    }
    with pytest.raises(Refused, match="between 0"):
        mentor_profile.save_mentor_profile(user=mentor, capacity=21, **kwargs)
    with pytest.raises(Refused, match="track"):
        mentor_profile.save_mentor_profile(
            user=mentor,
            capacity=1,
            specialties=[],
            track_listeners=False,
            track_group_i=False,
            track_group_ii=False,
            approach="",
        )
    with pytest.raises(Refused, match="availability"):
        mentor_profile.save_mentor_profile(
            user=mentor, capacity=1, availability="2" * 168, **kwargs
        )
    with pytest.raises(Refused) as caught:
        mentor_profile.save_mentor_profile(user=make_listener(), capacity=1, **kwargs)
    assert caught.value.status == 403
    assert MentorProfile.objects.get(pk=mentor.pk).capacity == 4
