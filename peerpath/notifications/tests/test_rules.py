"""Quiet hours and the digest hour as pure functions of (now, zone, settings)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from peerpath.notifications import rules

T = dt.time.fromisoformat
UTC = dt.UTC
TOKYO = ZoneInfo("Asia/Tokyo")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    ("local", "start", "end", "quiet"),
    [
        ("21:59", "22:00", "07:00", False),
        ("22:00", "22:00", "07:00", True),
        ("00:00", "22:00", "07:00", True),
        ("06:59", "22:00", "07:00", True),
        ("07:00", "22:00", "07:00", False),
        ("12:00", "22:00", "07:00", False),
        ("13:00", "13:00", "14:00", True),
        ("14:00", "13:00", "14:00", False),
        ("12:59", "13:00", "14:00", False),
        ("03:00", "05:00", "05:00", False),  # same start and end: no quiet hours
    ],
)
def test_in_quiet_hours(local: str, start: str, end: str, quiet: bool) -> None:
    assert rules.in_quiet_hours(T(local), T(start), T(end)) is quiet


def test_no_quiet_hours_without_both_ends() -> None:
    assert not rules.in_quiet_hours(T("23:00"), None, T("07:00"))
    assert not rules.in_quiet_hours(T("23:00"), T("22:00"), None)


def test_quiet_until_in_tokyo_and_los_angeles_at_the_same_instant() -> None:
    # 14:00 UTC on 15 January 2030 is 23:00 in Tokyo and 06:00 in Los Angeles (PST).
    now = dt.datetime(2030, 1, 15, 14, 0, tzinfo=UTC)
    # Tokyo: quiet until 07:00 local on the 16th = 22:00 UTC on the 15th
    assert rules.quiet_until(now, TOKYO, T("22:00"), T("07:00")) == dt.datetime(
        2030, 1, 15, 22, 0, tzinfo=UTC
    )
    # Los Angeles: quiet until 07:00 local the same morning = 15:00 UTC
    assert rules.quiet_until(now, LOS_ANGELES, T("22:00"), T("07:00")) == dt.datetime(
        2030, 1, 15, 15, 0, tzinfo=UTC
    )
    # Los Angeles in July (PDT): 14:00 UTC is 07:00 local, quiet hours are over
    summer = dt.datetime(2030, 7, 15, 14, 0, tzinfo=UTC)
    assert rules.quiet_until(summer, LOS_ANGELES, T("22:00"), T("07:00")) is None


def test_quiet_until_across_a_dst_change() -> None:
    # Los Angeles springs forward at 02:00 on 10 March 2030: quiet 01:00-03:00 at 01:30
    # local (09:30 UTC, PST) ends at 03:00 PDT = 10:00 UTC.
    now = dt.datetime(2030, 3, 10, 9, 30, tzinfo=UTC)
    assert rules.quiet_until(now, LOS_ANGELES, T("01:00"), T("03:00")) == dt.datetime(
        2030, 3, 10, 10, 0, tzinfo=UTC
    )


def test_digest_is_due_once_per_local_day_from_its_hour() -> None:
    # 23:00 UTC on 15 January is 08:00 on the 16th in Tokyo.
    before = dt.datetime(2030, 1, 15, 22, 59, tzinfo=UTC)
    at = dt.datetime(2030, 1, 15, 23, 0, tzinfo=UTC)
    assert not rules.digest_due(before, TOKYO, 8, None)
    assert rules.digest_due(at, TOKYO, 8, None)
    assert not rules.digest_due(at + dt.timedelta(hours=5), TOKYO, 8, at)
    assert rules.digest_due(at + dt.timedelta(days=1), TOKYO, 8, at)
    # yesterday's digest at 23:00 local does not block today's
    assert rules.digest_due(at, TOKYO, 8, dt.datetime(2030, 1, 15, 14, 0, tzinfo=UTC))


def test_unknown_zone_falls_back_to_utc() -> None:
    assert rules.zone_of("Mars/Olympus_Mons") == ZoneInfo("UTC")
    assert rules.zone_of("Asia/Tokyo") == TOKYO
