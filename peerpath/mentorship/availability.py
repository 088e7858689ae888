"""Weekly availability as 168-bit integers in UTC, for overlap between two people.

``Profile.availability`` is 168 characters in the person's own zone, Monday 00:00 first.
Shifting by the zone's current UTC offset (rounded to the hour: half-hour zones lose at most
30 minutes) puts everyone on one clock; the overlap is the popcount of the AND.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache

HOURS = 168
FULL = (1 << HOURS) - 1


@lru_cache(maxsize=1024)
def utc_offset_hours(tz_name: str, at_hour: int) -> int:
    """Whole-hour UTC offset of ``tz_name`` at the UTC hour ``at_hour`` (hours since epoch)."""
    try:
        tz = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 0
    at = dt.datetime.fromtimestamp(at_hour * 3600, tz=dt.UTC)
    offset = at.astimezone(tz).utcoffset() or dt.timedelta(0)
    return round(offset.total_seconds() / 3600)


def utc_mask(availability: str, tz_name: str, at: dt.datetime) -> int:
    """Bit h set = available at UTC hour h of the week (Monday 00:00 UTC = bit 0)."""
    if len(availability) != HOURS:
        return 0
    try:
        local = int(availability[::-1], 2)
    except ValueError:
        return 0
    offset = utc_offset_hours(tz_name, int(at.timestamp()) // 3600)
    # local hour h is UTC hour h - offset
    shift = (-offset) % HOURS
    return ((local << shift) | (local >> (HOURS - shift))) & FULL


def overlap_hours(a: int, b: int) -> int:
    return (a & b).bit_count()
