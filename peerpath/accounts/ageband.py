"""Age bands, derived from date of birth in the person's own time zone. Pure functions.

A birthday begins at local midnight where the person lives. Someone born on 29 February
has their birthday on 1 March in common years: the later of the two candidate dates, so a
safeguarding threshold is never crossed early.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from enum import StrEnum

MIN_AGE = 13
ADULT_AGE = 18


class AgeBand(StrEnum):
    CHILD = "child"  # under 13: may not join
    TEEN = "teen"  # 13-17
    ADULT = "adult"  # 18+

    @property
    def label(self) -> str:
        return {"child": "Under 13", "teen": "Teen (13–17)", "adult": "Adult (18+)"}[self.value]


def anniversary(born: dt.date, years: int) -> dt.date:
    """The date someone born on ``born`` turns ``years`` (29 Feb -> 1 Mar in common years)."""
    year = born.year + years
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 3, 1)


def age_on(born: dt.date, on: dt.date) -> int:
    """Completed years of age on the local date ``on``."""
    years = on.year - born.year
    if on < anniversary(born, years):
        years -= 1
    return years


def local_date(at: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.date:
    if at.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return at.astimezone(tz).date()


def age_band(born: dt.date, tz: zoneinfo.ZoneInfo, at: dt.datetime) -> AgeBand:
    age = age_on(born, local_date(at, tz))
    if age >= ADULT_AGE:
        return AgeBand.ADULT
    if age >= MIN_AGE:
        return AgeBand.TEEN
    return AgeBand.CHILD


def start_of_local_day(day: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The first instant (UTC) of ``day`` in ``tz``.

    Where a DST change skips local midnight, fold=0 maps it to the instant the day really
    starts; where midnight repeats, fold=0 is its first occurrence.
    """
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)


def turns_age_at(born: dt.date, years: int, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The UTC instant at which someone born on ``born`` in ``tz`` reaches ``years``."""
    return start_of_local_day(anniversary(born, years), tz)


def is_valid_timezone(name: str) -> bool:
    if not name or name not in available_timezones():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


@functools.cache
def available_timezones() -> frozenset[str]:
    """IANA zone names offered to people (computed once: the tz database is fixed at run time)."""
    return frozenset(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC") - {
        "Factory"
    }
