from __future__ import annotations

import datetime as dt

import pytest

from peerpath.mentorship.selectors.common import mentor_load
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.spotlights.demo import ROOM_FOR, seed_spotlights
from peerpath.spotlights.models import Spotlight, SpotlightAnswer, SpotlightKind

pytestmark = pytest.mark.django_db


def test_seed_spotlights_publishes_a_mentor_of_the_month_per_band_and_three_interviews():
    demo = make_mentor()
    demo.username = "demo-mentor"  # reserved at sign-up when DEBUG is off: renamed directly
    demo.save(update_fields=["username"])
    for _ in range(3):
        make_mentor(capacity=3)
    full = make_mentor(capacity=1)
    make_mentorship(full, make_listener())
    make_mentor(teen=True, capacity=3)
    anchor = dt.datetime(2030, 6, 15, 12, tzinfo=dt.UTC)
    summary = seed_spotlights(seed=7, anchor=anchor)
    assert (summary.mentors_of_month, summary.interviews) == (2, 3)
    assert "2 mentors of the month, 3 interviews" in summary.line()
    tops = Spotlight.objects.filter(kind=SpotlightKind.MENTOR_OF_MONTH)
    assert sorted(tops.values_list("band", flat=True)) == ["adult", "teen"]
    assert Spotlight.objects.get(mentor=demo, kind=SpotlightKind.INTERVIEW).drafted_by == demo
    # The call to action works: a spotlighted mentor (demo-mentor aside) has room.
    for spotlight in Spotlight.objects.exclude(mentor=demo).select_related("mentor"):
        room = spotlight.mentor.mentor_profile.capacity - mentor_load(spotlight.mentor_id)
        assert room >= ROOM_FOR
    assert not Spotlight.objects.filter(mentor=full).exists()
    # Every interview has its own answers.
    answers = list(SpotlightAnswer.objects.values_list("answer", flat=True))
    assert len(answers) == len(set(answers)) == 5 * 3
    again = seed_spotlights(seed=7, anchor=anchor)
    assert (again.mentors_of_month, again.interviews) == (0, 0)
