from __future__ import annotations

import datetime as dt

import pytest

from peerpath.mentorship.tests.factories import make_mentor
from peerpath.spotlights.demo import seed_spotlights
from peerpath.spotlights.models import Spotlight, SpotlightKind

pytestmark = pytest.mark.django_db


def test_seed_spotlights_publishes_a_mentor_of_the_month_per_band_and_three_interviews():
    demo = make_mentor()
    demo.username = "demo-mentor"  # reserved at sign-up when DEBUG is off: renamed directly
    demo.save(update_fields=["username"])
    for _ in range(3):
        make_mentor()
    make_mentor(teen=True)
    anchor = dt.datetime(2030, 6, 15, 12, tzinfo=dt.UTC)
    summary = seed_spotlights(seed=7, anchor=anchor)
    assert (summary.mentors_of_month, summary.interviews) == (2, 3)
    assert "2 mentors of the month, 3 interviews" in summary.line()
    tops = Spotlight.objects.filter(kind=SpotlightKind.MENTOR_OF_MONTH)
    assert sorted(tops.values_list("band", flat=True)) == ["adult", "teen"]
    assert Spotlight.objects.get(mentor=demo, kind=SpotlightKind.INTERVIEW).drafted_by == demo
    again = seed_spotlights(seed=7, anchor=anchor)
    assert (again.mentors_of_month, again.interviews) == (0, 0)
