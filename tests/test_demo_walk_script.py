"""scripts/demo_walk.py's pure parts: which links it follows, how it groups pages and reads
numbers, and that its count table is well formed. (The walk itself needs a running demo.)"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "demo_walk.py"


@pytest.fixture(scope="module")
def walk() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_walk", SCRIPT)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["demo_walk"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/path/",
        "/path/mock-chats/",
        "/mentors/demo-mentor/",
        "/mentors/demo-mentor/request/",
        "/path/apply/chatroom-moderator/",
        "/rooms/welcome/",
        "/rooms/welcome/sessions/new/",
        "/events/12/",
        "/staff/mentorships/?conversations=0",
        "/notifications/?page=2",
        "/admin/nudges/nudgerule/",
        "/spotlights/3/edit/",
    ],
)
def test_pages_are_followed(walk: ModuleType, path: str) -> None:
    assert walk.followable(walk.BASE + path) == path


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/logout/",
        "/admin/logout/",
        "/notifications/unsubscribe/abc/",
        "/staff/mentorships/export.csv",
        "/events/12/event.ics",
        "/events/feed/tok.ics",
        "/events/12/cancel/",
        "/events/12/rsvp/",
        "/events/slots/4/volunteer/",
        "/notifications/read-all/",
        "/notifications/7/read/",
        "/safety/alerts/3/acknowledge/",
        "/rooms/welcome/pause/",
        "/training/posts/5/reply/",
        "/api/docs",
        "/admin/accounts/user/1/history/",
        "/admin/accounts/user/1/delete/",
    ],
)
def test_state_changes_and_downloads_are_skipped(walk: ModuleType, path: str) -> None:
    assert walk.followable(walk.BASE + path) is None


def test_other_origins_and_schemes_are_skipped(walk: ModuleType) -> None:
    assert walk.followable("https://meet.example.org/room") is None
    assert walk.followable("mailto:help@example.org") is None
    assert walk.followable(walk.BASE.replace("127.0.0.1", "localhost") + "/x/") is None


def test_shape_groups_pages_by_first_segment_depth_and_query_keys(walk: ModuleType) -> None:
    assert walk.shape_of("/mentors/a/") == walk.shape_of("/mentors/b/")
    assert walk.shape_of("/mentors/") != walk.shape_of("/mentors/a/")
    assert walk.shape_of("/mentors/?page=2") == walk.shape_of("/mentors/?page=3")
    assert walk.shape_of("/mentors/?page=2") != walk.shape_of("/mentors/?accepting=on")


@pytest.mark.parametrize(
    ("text", "pattern", "expected"),
    [
        ("Mock chat passed 1", r"(\d[\d,]*)", 1),
        ("🔔12", r"(\d[\d,]*)", 12),
        ("1,204 mentors found", r"(\d[\d,]*)", 1204),
        ("Nothing unread.", r"(\d[\d,]*)", None),
        ("AMA · Tue 3 Jun, 18:00 BST · 20 of 30 places taken", r"(\d+) of \d+ places taken", 20),
        ("Drop-in · Tue 3 Jun, 18:00 · 2 open", r"(\d+) open\s*$", 2),
        ("Safeguarding queue (2 waiting)", r"\((\d+) waiting\)", 2),
        ("Safeguarding queue", r"\((\d+) waiting\)", None),
    ],
)
def test_number_in(walk: ModuleType, text: str, pattern: str, expected: int | None) -> None:
    assert walk.number_in(text, pattern) == expected


def test_count_table_is_well_formed(walk: ModuleType) -> None:
    names = [rule.name for rule in walk.COUNTS]
    assert len(names) == len(set(names))
    for rule in walk.COUNTS:
        re.compile(rule.page)
        assert re.compile(rule.number).groups == 1, rule.name
        if rule.fallback:
            assert walk.followable(walk.BASE + rule.fallback) == rule.fallback


def test_a_count_needs_exactly_one_way_to_count(walk: ModuleType) -> None:
    with pytest.raises(ValueError, match="items or total"):
        walk.Count("both", page="^/$", holder="p", items="li", total="p")
    with pytest.raises(ValueError, match="items or total"):
        walk.Count("neither", page="^/$", holder="p")


def test_every_demo_login_walks_its_pages(walk: ModuleType) -> None:
    assert set(walk.LOGINS) == {
        "demo-member",
        "demo-teen-member",
        "demo-listener",
        "demo-teen-listener",
        "demo-mentor",
        "demo-teen-mentor",
        "demo-moderator",
        "demo-ambassador",
        "demo-staff",
    }
    for pages in walk.LOGINS.values():
        assert all(walk.followable(walk.BASE + p) == p for p in pages)
    assert {"/staff/", "/staff/safety/", "/nudges/", "/admin/"} <= set(walk.LOGINS["demo-staff"])
