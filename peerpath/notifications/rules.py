"""Pure time rules: quiet hours and the digest hour, in the person's own time zone.

No Django, no I/O: every function takes ``now`` (an aware UTC instant) so tests can travel
in time, and the delivery job evaluates thousands of people with them per batch.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

MIDNIGHT = dt.time(0, 0)


def in_quiet_hours(local: dt.time, start: dt.time | None, end: dt.time | None) -> bool:
    """Whether the local wall-clock time falls in [start, end). A start after the end
    (22:00-07:00) crosses midnight; no start, no end or start == end: never quiet."""
    if start is None or end is None or start == end:
        return False
    local = local.replace(tzinfo=None, fold=0)
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_until(
    now: dt.datetime, zone: ZoneInfo, start: dt.time | None, end: dt.time | None
) -> dt.datetime | None:
    """The UTC instant quiet hours end, when ``now`` is inside them; otherwise None.

    The end is the next local ``end`` wall-clock time after now (today's, or tomorrow's
    once past it). Around a DST change the wall-clock time is resolved by zoneinfo; an end
    that would not lie in the future is pushed a day on, so a held mail is never stuck.
    """
    local = now.astimezone(zone)
    if end is None or not in_quiet_hours(local.time(), start, end):
        return None
    day = local.date()
    for _ in range(3):
        candidate = dt.datetime.combine(day, end, tzinfo=zone).astimezone(dt.UTC)
        if candidate > now:
            return candidate
        day += dt.timedelta(days=1)
    return now + dt.timedelta(hours=1)  # pragma: no cover - unreachable for real zones


def digest_due(
    now: dt.datetime, zone: ZoneInfo, digest_hour: int, last_digest_at: dt.datetime | None
) -> bool:
    """A daily digest is due once the local clock has reached ``digest_hour`` on a local day
    that has not had one yet (so a late job still sends it, and never twice a day)."""
    local = now.astimezone(zone)
    if local.hour < digest_hour:
        return False
    return last_digest_at is None or last_digest_at.astimezone(zone).date() < local.date()


def zone_of(name: str) -> ZoneInfo:
    """The person's zone; UTC for a name the platform no longer knows."""
    try:
        return _zone(name)
    except (KeyError, ValueError):
        return _zone("UTC")


_ZONES: dict[str, ZoneInfo] = {}


def _zone(name: str) -> ZoneInfo:
    zone = _ZONES.get(name)
    if zone is None:
        zone = _ZONES[name] = ZoneInfo(name)
    return zone
