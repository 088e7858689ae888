"""Property tests for age bands: 29 February, date-line zones, DST, the 13th and 18th."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from peerpath.accounts.ageband import (
    ADULT_AGE,
    MIN_AGE,
    AgeBand,
    age_band,
    age_on,
    anniversary,
    available_timezones,
    is_valid_timezone,
    turns_age_at,
)

UTC = dt.UTC
EDGE_ZONES = [
    "Pacific/Kiritimati",  # UTC+14, first to see a date
    "Pacific/Pago_Pago",  # UTC-11
    "Etc/GMT+12",  # UTC-12, last to see a date
    "Pacific/Apia",  # skipped 30 Dec 2011 entirely
    "America/Santiago",  # DST changes at midnight
    "America/Havana",  # DST changes at midnight
    "Asia/Kathmandu",  # +05:45
    "Europe/London",
    "UTC",
]
zones = st.sampled_from(EDGE_ZONES) | st.sampled_from(sorted(available_timezones()))
births = st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2030, 12, 31))
instants = st.datetimes(
    min_value=dt.datetime(1990, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=dt.datetime(2060, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def test_leap_day_birthday_is_first_of_march_in_common_years():
    born = dt.date(2008, 2, 29)
    assert anniversary(born, 18) == dt.date(2026, 3, 1)
    assert anniversary(born, 16) == dt.date(2024, 2, 29)
    assert age_on(born, dt.date(2026, 2, 28)) == 17
    assert age_on(born, dt.date(2026, 3, 1)) == 18


def test_thirteenth_and_eighteenth_birthdays_at_local_midnight():
    tz = zoneinfo.ZoneInfo("Europe/Paris")
    born = dt.date(2010, 6, 15)
    just_before_13 = dt.datetime(2023, 6, 14, 23, 59, 59, tzinfo=tz)
    at_13 = dt.datetime(2023, 6, 15, 0, 0, tzinfo=tz)
    assert age_band(born, tz, just_before_13) is AgeBand.CHILD
    assert age_band(born, tz, at_13) is AgeBand.TEEN
    assert age_band(born, tz, dt.datetime(2028, 6, 14, 23, 59, tzinfo=tz)) is AgeBand.TEEN
    assert age_band(born, tz, dt.datetime(2028, 6, 15, 0, 0, tzinfo=tz)) is AgeBand.ADULT


def test_date_line_same_instant_different_bands():
    born = dt.date(2008, 7, 1)
    instant = dt.datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
    # Already 1 July in Kiritimati (UTC+14): adult there, still teen at UTC-12.
    assert age_band(born, zoneinfo.ZoneInfo("Pacific/Kiritimati"), instant) is AgeBand.ADULT
    assert age_band(born, zoneinfo.ZoneInfo("Etc/GMT+12"), instant) is AgeBand.TEEN


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="aware"):
        age_band(dt.date(2000, 1, 1), zoneinfo.ZoneInfo("UTC"), dt.datetime(2020, 1, 1))  # noqa: DTZ001


def test_timezone_validation():
    assert is_valid_timezone("Europe/London")
    assert is_valid_timezone("UTC")
    assert not is_valid_timezone("Mars/Olympus_Mons")
    assert not is_valid_timezone("../../etc/passwd")
    assert not is_valid_timezone("")


@settings(max_examples=300, deadline=None)
@given(born=births, tz_name=zones, at=instants)
def test_band_agrees_with_threshold_instants(born, tz_name, at):
    """The band from the local date equals the band from the stored UTC thresholds."""
    tz = zoneinfo.ZoneInfo(tz_name)
    band = age_band(born, tz, at)
    teen_from = turns_age_at(born, MIN_AGE, tz)
    adult_from = turns_age_at(born, ADULT_AGE, tz)
    if at >= adult_from:
        assert band is AgeBand.ADULT
    elif at >= teen_from:
        assert band is AgeBand.TEEN
    else:
        assert band is AgeBand.CHILD


@settings(max_examples=200, deadline=None)
@given(born=births, tz_name=zones, years=st.sampled_from([MIN_AGE, ADULT_AGE]))
def test_threshold_instant_is_exact(born, tz_name, years):
    """One microsecond before the birthday instant the age is lower; at it, reached."""
    tz = zoneinfo.ZoneInfo(tz_name)
    at = turns_age_at(born, years, tz)
    assume(dt.datetime(1901, 1, 1, tzinfo=UTC) < at < dt.datetime(2090, 1, 1, tzinfo=UTC))
    before = at - dt.timedelta(microseconds=1)
    assert age_on(born, at.astimezone(tz).date()) == years
    assert age_on(born, before.astimezone(tz).date()) == years - 1


@settings(max_examples=200, deadline=None)
@given(born=births, tz_name=zones, a=instants, b=instants)
def test_band_never_goes_backwards(born, tz_name, a, b):
    tz = zoneinfo.ZoneInfo(tz_name)
    order = [AgeBand.CHILD, AgeBand.TEEN, AgeBand.ADULT]
    early, late = sorted([a, b])
    assert order.index(age_band(born, tz, early)) <= order.index(age_band(born, tz, late))


@given(born=births, on=st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2090, 1, 1)))
def test_age_on_matches_naive_definition(born, on):
    """Completed years: the number of anniversaries that have come by ``on``."""
    assume(on >= born)
    expected = sum(1 for y in range(1, on.year - born.year + 1) if anniversary(born, y) <= on)
    assert age_on(born, on) == expected
