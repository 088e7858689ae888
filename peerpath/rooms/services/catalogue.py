"""The seeded room catalogue: communities, 150+ rooms and hosting quotas, as data.

``load_catalogue`` runs on ``post_migrate`` (after the ladder, whose names room locks use),
so the catalogue exists after every ``migrate`` and every test flush. It creates what is
missing, brings rooms staff have not edited (``Room.edited`` false) in line with the file,
and never deletes. Communities and hosting quotas are only created: staff own them after.
Every lock is validated with the ladder's own parser before anything is written.

It runs after every test flush, so it is a handful of queries: reads of the vocabulary,
topics, communities, rooms and quotas, then at most one bulk insert or update per table.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone

from peerpath.accounts.models import Topic
from peerpath.accounts.taxonomy import LANGUAGES
from peerpath.progression import ladder, rules
from peerpath.rooms.models import (
    HostingQuota,
    Room,
    RoomAudience,
    RoomBand,
    RoomCategory,
    RoomCommunity,
)

CATALOGUE_FILE: Final = Path(__file__).resolve().parent.parent / "catalogue.toml"
LANGUAGE_CODES: Final = frozenset(code for code, _ in LANGUAGES)
MAX_SLOW_MODE_SECONDS: Final = 3600
MAX_SORT_ORDER: Final = 32_767
MAX_QUOTA_MINUTES: Final = 60 * 24 * 31
MAX_SLUG: Final = 80  # Room.slug

_REQUIRED: Final = ("slug", "name", "description", "category", "community", "band", "audience")
_ALLOWED: Final = frozenset(
    {
        *_REQUIRED,
        "topic",
        "language",
        "host_required",
        "slow_mode_seconds",
        "sort_order",
        "lock",
        "active",
    }
)
# Room fields the file decides (on creation and for rooms nobody has edited). ``is_active``,
# the window and the moderator lock are set on creation only: they belong to staff after.
_MANAGED: Final = (
    "name",
    "description",
    "category",
    "community_id",
    "band",
    "audience",
    "topic_id",
    "language",
    "host_required",
    "slow_mode_seconds",
    "sort_order",
    "lock_criteria",
)


class CatalogueError(ValueError):
    """The catalogue file has problems; the message lists each one with the room named."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("The room catalogue is invalid:\n- " + "\n- ".join(problems))


def read_catalogue(path: Path = CATALOGUE_FILE) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _whole(raw: Any, lo: int, hi: int) -> bool:
    return isinstance(raw, int) and not isinstance(raw, bool) and lo <= raw <= hi


def _slug_ok(raw: Any) -> bool:
    if not isinstance(raw, str) or not raw:
        return False
    try:
        validate_slug(raw)
    except ValidationError:
        return False
    return True


def validate_catalogue(
    data: Mapping[str, Any],
    *,
    vocab: rules.Vocabulary | None = None,
    topics: Collection[str] | None = None,
) -> list[str]:
    """Every problem of a parsed catalogue, as sentences naming the entry; empty when it can
    be loaded. ``vocab`` (the ladder's names) and ``topics`` (topic slugs) default to what
    the database holds."""
    if vocab is None:
        vocab = ladder.vocabulary()
    if topics is None:
        topics = set(Topic.objects.values_list("slug", flat=True))
    problems: list[str] = []
    if not _whole(data.get("version"), 1, 1_000_000):
        problems.append("version: give a whole number of at least 1.")

    bands: dict[str, str] = {}
    for i, community in enumerate(data.get("communities", [])):
        slug = community.get("slug")
        where = f"community {slug!r}" if slug else f"community #{i + 1}"
        if not _slug_ok(slug):
            problems.append(f"{where}: the slug must be letters, digits, - or _.")
            continue
        if slug in bands:
            problems.append(f"{where}: duplicate community slug.")
        if not isinstance(community.get("name"), str) or not community["name"].strip():
            problems.append(f"{where}: a name is required.")
        if community.get("band") not in RoomBand.values:
            problems.append(f"{where}: unknown band {community.get('band')!r}.")
        bands[slug] = community.get("band", "")

    seen_roles: set[str] = set()
    for i, quota in enumerate(data.get("hosting_quota", [])):
        role = quota.get("role_slug")
        where = f"hosting quota {role!r}" if role else f"hosting quota #{i + 1}"
        if role not in vocab.achievements:
            problems.append(f"{where}: unknown achievement {role!r}.")
        if role in seen_roles:
            problems.append(f"{where}: duplicate hosting quota.")
        seen_roles.add(str(role))
        if not _whole(quota.get("minutes_per_month"), 1, MAX_QUOTA_MINUTES):
            problems.append(f"{where}: minutes_per_month must be 1 to {MAX_QUOTA_MINUTES}.")

    slugs: set[str] = set()
    names: set[tuple[str, str]] = set()
    rooms = data.get("rooms", [])
    if not rooms:
        problems.append("rooms: the catalogue has no rooms.")
    for i, room in enumerate(rooms):
        slug = room.get("slug")
        where = f"room {slug!r}" if slug else f"room #{i + 1}"
        problems += [f"{where}: unknown field {key!r}." for key in sorted(set(room) - _ALLOWED)]
        missing = [key for key in _REQUIRED if key not in room]
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}.")
            continue
        if not _slug_ok(slug) or len(slug) > MAX_SLUG:
            problems.append(f"{where}: the slug must be up to {MAX_SLUG} letters, digits, - or _.")
        if slug in slugs:
            problems.append(f"{where}: duplicate room slug.")
        slugs.add(slug)
        name = room["name"]
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
            problems.append(f"{where}: the name must be 1 to 100 characters.")
        elif (room["band"], name.lower()) in names:
            problems.append(f"{where}: another {room['band']} room is called {name!r}.")
        else:
            names.add((room["band"], name.lower()))
        if not isinstance(room["description"], str) or not room["description"].strip():
            problems.append(f"{where}: a description is required.")
        category = room["category"]
        if category not in RoomCategory.values:
            problems.append(f"{where}: unknown category {category!r}.")
        if room["band"] not in RoomBand.values:
            problems.append(f"{where}: unknown band {room['band']!r}.")
        if room["audience"] not in RoomAudience.values:
            problems.append(f"{where}: unknown audience {room['audience']!r}.")
        community = room["community"]
        if community not in bands:
            problems.append(f"{where}: unknown community {community!r}.")
        elif bands[community] != room["band"]:
            problems.append(
                f"{where}: a {room['band']} room cannot be in the {bands[community]} "
                f"community {community!r}."
            )
        topic = room.get("topic")
        if topic is not None and topic not in topics:
            problems.append(f"{where}: unknown topic {topic!r}.")
        if room.get("language", "en") not in LANGUAGE_CODES:
            problems.append(f"{where}: unknown language {room.get('language')!r}.")
        host_required = room.get("host_required", False)
        if not isinstance(host_required, bool):
            problems.append(f"{where}: host_required must be true or false.")
        elif category == RoomCategory.SHARING_CIRCLE and not host_required:
            problems.append(f"{where}: a sharing circle needs host_required = true.")
        if not isinstance(room.get("active", True), bool):
            problems.append(f"{where}: active must be true or false.")
        if not _whole(room.get("slow_mode_seconds", 0), 0, MAX_SLOW_MODE_SECONDS):
            problems.append(f"{where}: slow_mode_seconds must be 0 to {MAX_SLOW_MODE_SECONDS}.")
        if not _whole(room.get("sort_order", 100), 0, MAX_SORT_ORDER):
            problems.append(f"{where}: sort_order must be 0 to {MAX_SORT_ORDER}.")
        lock = room.get("lock", {})
        if lock != {}:
            try:
                rules.parse(lock, vocab, where="lock")
            except rules.CriteriaError as exc:
                problems.append(f"{where}: {exc}")
    return problems


def _room_values(
    entry: Mapping[str, Any], communities: Mapping[str, int], topics: Mapping[str, int]
) -> dict[str, Any]:
    topic = entry.get("topic")
    return {
        "name": entry["name"],
        "description": entry["description"],
        "category": entry["category"],
        "community_id": communities[entry["community"]],
        "band": entry["band"],
        "audience": entry["audience"],
        "topic_id": topics[topic] if topic else None,
        "language": entry.get("language", "en"),
        "host_required": entry.get("host_required", False),
        "slow_mode_seconds": entry.get("slow_mode_seconds", 0),
        "sort_order": entry.get("sort_order", 100),
        "lock_criteria": dict(entry.get("lock", {})),
    }


def load_catalogue(path: Path = CATALOGUE_FILE) -> int:
    """Create missing communities, rooms and hosting quotas, update rooms nobody edited,
    delete nothing. Returns how many rooms were created or updated (0 when in step).

    Raises ``CatalogueError`` (naming each room) when the file is invalid, before writing.
    The ladder must be loaded first: locks name its achievements.
    """
    data = read_catalogue(path)
    topics = dict(Topic.objects.values_list("slug", "pk"))
    problems = validate_catalogue(data, vocab=ladder.vocabulary(), topics=topics)
    if problems:
        raise CatalogueError(problems)
    with transaction.atomic():
        communities = dict(RoomCommunity.objects.values_list("slug", "pk"))
        missing = [
            RoomCommunity(slug=c["slug"], name=c["name"], description=c.get("description", ""))
            for c in data.get("communities", [])
            if c["slug"] not in communities
        ]
        if missing:
            RoomCommunity.objects.bulk_create(missing)
            communities = dict(RoomCommunity.objects.values_list("slug", "pk"))

        existing = {room.slug: room for room in Room.objects.all()}
        now = timezone.now()
        created: list[Room] = []
        changed: list[Room] = []
        for entry in data["rooms"]:
            values = _room_values(entry, communities, topics)
            room = existing.get(entry["slug"])
            if room is None:
                created.append(
                    Room(slug=entry["slug"], is_active=entry.get("active", True), **values)
                )
            elif not room.edited and any(getattr(room, f) != v for f, v in values.items()):
                for field, value in values.items():
                    setattr(room, field, value)
                room.updated_at = now
                changed.append(room)
        if created:
            Room.objects.bulk_create(created)
        if changed:
            Room.objects.bulk_update(changed, [*_MANAGED, "updated_at"])

        have_quotas = set(HostingQuota.objects.values_list("role_slug", flat=True))
        new_quotas = [
            HostingQuota(role_slug=q["role_slug"], minutes_per_month=q["minutes_per_month"])
            for q in data.get("hosting_quota", [])
            if q["role_slug"] not in have_quotas
        ]
        if new_quotas:
            HostingQuota.objects.bulk_create(new_quotas)
    return len(created) + len(changed)
