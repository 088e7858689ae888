"""The seeded room catalogue: present after migrate, valid, idempotent, keeps staff edits."""

from __future__ import annotations

import copy
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpath.accounts.taxonomy import TOPICS
from peerpath.progression import ladder, rules
from peerpath.rooms.models import (
    HostingQuota,
    Room,
    RoomAudience,
    RoomBand,
    RoomCategory,
    RoomCommunity,
)
from peerpath.rooms.services.catalogue import (
    CATALOGUE_FILE,
    CatalogueError,
    load_catalogue,
    read_catalogue,
    validate_catalogue,
)

pytestmark = pytest.mark.django_db


def _write(tmp_path, data) -> Path:
    """A catalogue file from parsed data (TOML written by hand: tomllib only reads)."""

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return "{" + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + "}"

    lines = [f"version = {data['version']}"]
    for table in ("communities", "hosting_quota", "rooms"):
        for entry in data.get(table, []):
            lines.append(f"[[{table}]]")
            lines += [f"{k} = {value(v)}" for k, v in entry.items()]
    path: Path = tmp_path / "catalogue.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_shipped_file_has_no_problems():
    assert validate_catalogue(read_catalogue()) == []


def test_the_shipped_file_is_valid_against_the_seed_files_alone():
    """No database needed: the ladder seed's names and the fixed topic taxonomy."""
    seed = ladder.read_seed()
    vocab = ladder.vocabulary(
        achievements=[(a["slug"], a["name"]) for a in seed.achievements],
        trainings=[(t["slug"], t["name"]) for t in seed.trainings],
    )
    problems = validate_catalogue(
        read_catalogue(), vocab=vocab, topics={slug for slug, _ in TOPICS}
    )
    assert problems == []


def test_migrate_leaves_150_plus_rooms_in_every_category_and_both_bands():
    rooms = list(Room.objects.all())
    assert len(rooms) >= 150
    assert {r.category for r in rooms} == set(RoomCategory.values)
    assert {r.band for r in rooms} == set(RoomBand.values)
    assert {r.audience for r in rooms} == set(RoomAudience.values)
    by_category_band = Counter((r.category, r.band) for r in rooms)
    for category in RoomCategory.values:
        for band in RoomBand.values:
            assert by_category_band[(category, band)] >= 1, (category, band)
    assert len({r.language for r in rooms}) >= 5  # en plus the demo's languages
    assert RoomCommunity.objects.count() >= 4
    assert HostingQuota.objects.get(role_slug="sharing-circle-host").minutes_per_month == 120


def test_every_room_matches_its_communitys_band_and_circles_need_hosts():
    data = read_catalogue()
    bands = {c["slug"]: c["band"] for c in data["communities"]}
    for room in Room.objects.select_related("community"):
        assert bands[room.community.slug] == room.band, room.slug
        assert room.host_required == (room.category == RoomCategory.SHARING_CIRCLE), room.slug
    # Pop-ups wait for staff to open them with a window.
    pop_ups = Room.objects.filter(category=RoomCategory.POP_UP)
    assert pop_ups.exists()
    assert not pop_ups.filter(is_active=True).exists()
    assert not pop_ups.filter(opens_at__isnull=False).exists()


def test_member_support_rooms_cover_the_topics_for_adults_and_teens():
    support = Room.objects.filter(category=RoomCategory.MEMBER_SUPPORT, language="en")
    adult_topics = set(support.filter(band="adult").values_list("topic__slug", flat=True))
    teen_topics = set(support.filter(band="teen").values_list("topic__slug", flat=True))
    member_topics = {slug for slug, _ in TOPICS} - {"listening-skills"}
    assert member_topics <= adult_topics
    assert member_topics - {"parenting"} <= teen_topics


def test_the_named_listener_rooms_exist_locked_behind_verified_listener():
    adults = Room.objects.get(name="Listener Support Room")
    teens = Room.objects.get(name="Teen Listeners Room")
    assert (adults.band, adults.audience, adults.category) == ("adult", "listeners", "listener")
    assert (teens.band, teens.audience, teens.category) == ("teen", "listeners", "listener")
    assert adults.lock_criteria == teens.lock_criteria == {"held": "verified-listener"}


def test_every_lock_parses_with_the_ladders_vocabulary_and_leadership_rooms_need_roles():
    vocab = ladder.vocabulary()
    locks = dict(Room.objects.values_list("slug", "lock_criteria"))
    for slug, lock in locks.items():
        if lock:
            rules.parse(lock, vocab, where=f"room {slug}")  # raises on a bad one
    assert locks["room-supporter-lounge"] == {"held": "room-supporter"}
    assert locks["moderators-room"] == {"held": "chatroom-moderator"}
    assert locks["welcome-room"] == {}
    unlocked = Room.objects.filter(category=RoomCategory.MEMBER_SUPPORT, lock_criteria={})
    assert unlocked.count() > Room.objects.filter(category=RoomCategory.MEMBER_SUPPORT).count() / 2


def test_a_second_load_changes_nothing_in_a_bounded_number_of_queries():
    before = list(Room.objects.order_by("slug").values())
    with CaptureQueriesContext(connection) as queries:
        assert load_catalogue() == 0
    assert len(queries.captured_queries) <= 10
    assert list(Room.objects.order_by("slug").values()) == before


def test_a_fresh_load_is_a_handful_of_queries():
    Room.objects.all().delete()
    HostingQuota.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        assert load_catalogue() >= 150
    assert len(queries.captured_queries) <= 16
    assert load_catalogue() == 0


def test_an_unedited_room_follows_the_file_an_edited_one_is_left_alone():
    Room.objects.filter(slug="anxiety-support").update(name="Old name", slow_mode_seconds=20)
    Room.objects.filter(slug="depression-support").update(
        name="Staff's name", description="Staff wrote this.", lock_criteria={}, edited=True
    )
    assert load_catalogue() == 1
    fixed = Room.objects.get(slug="anxiety-support")
    assert (fixed.name, fixed.slow_mode_seconds) == ("Anxiety Support", 0)
    kept = Room.objects.get(slug="depression-support")
    assert (kept.name, kept.description, kept.edited) == ("Staff's name", "Staff wrote this.", True)


def test_staff_owned_fields_are_never_reset_and_nothing_is_deleted():
    Room.objects.filter(slug="self-care-check-in").update(is_active=True)
    Room.objects.filter(slug="general-support").update(locked_reason="Maintenance")
    extra = Room.objects.create(
        slug="staff-room",
        name="Staff's own room",
        category=RoomCategory.MEMBER_SUPPORT,
        community=RoomCommunity.objects.get(slug="adult-support"),
        band="adult",
        audience="members",
    )
    HostingQuota.objects.filter(role_slug="sharing-circle-host").update(minutes_per_month=90)
    assert load_catalogue() == 0
    assert Room.objects.get(slug="self-care-check-in").is_active
    assert Room.objects.get(slug="general-support").locked_reason == "Maintenance"
    assert Room.objects.filter(pk=extra.pk).exists()
    assert HostingQuota.objects.get(role_slug="sharing-circle-host").minutes_per_month == 90


def test_a_bad_lock_is_refused_with_the_room_named_and_nothing_written(tmp_path):
    data = read_catalogue()
    data["rooms"][5]["lock"] = {"held": "no-such-badge"}
    data["rooms"][5]["name"] = "Renamed in the file"
    bad_slug = data["rooms"][5]["slug"]
    with pytest.raises(CatalogueError, match=rf"room '{bad_slug}'.*no-such-badge"):
        load_catalogue(_write(tmp_path, data))
    assert Room.objects.get(slug=bad_slug).name != "Renamed in the file"


def test_a_lock_with_the_wrong_shape_is_refused(tmp_path):
    data = read_catalogue()
    data["rooms"][0]["lock"] = {"count": "group_chat"}  # no "min"
    with pytest.raises(CatalogueError, match=rf"room '{data['rooms'][0]['slug']}'"):
        load_catalogue(_write(tmp_path, data))


def test_validate_lists_every_kind_of_problem():
    data = copy.deepcopy(read_catalogue())
    rooms = data["rooms"]
    rooms[1]["slug"] = rooms[0]["slug"]
    rooms[2]["community"] = "nowhere"
    rooms[3]["topic"] = "astrology"
    rooms[4]["category"] = "lobby"
    rooms[5]["band"] = "kids"
    rooms[6]["audience"] = "robots"
    rooms[7]["lock"] = {"tenure": "account", "min_days": -1}
    rooms[8]["colour"] = "blue"
    rooms[9]["language"] = "xx"
    circle = next(r for r in rooms if r["category"] == "sharing_circle")
    circle["host_required"] = False
    teen = next(r for r in rooms if r["band"] == "teen")
    teen["community"] = "adult-support"
    data["hosting_quota"].append({"role_slug": "juggler", "minutes_per_month": 60})
    problems = "\n".join(validate_catalogue(data))
    for expected in (
        f"room '{rooms[0]['slug']}': duplicate room slug",
        "unknown community 'nowhere'",
        "unknown topic 'astrology'",
        "unknown category 'lobby'",
        "unknown band 'kids'",
        "unknown audience 'robots'",
        f"room '{rooms[7]['slug']}': lock.min_days: must be at least 0",
        "unknown field 'colour'",
        "unknown language 'xx'",
        f"room '{circle['slug']}': a sharing circle needs host_required",
        f"room '{teen['slug']}': a teen room cannot be in the adult community",
        "hosting quota 'juggler': unknown achievement",
    ):
        assert expected in problems


def test_the_file_parses_as_toml_with_a_version():
    data = tomllib.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data["version"], int)
    assert len(data["rooms"]) >= 150
