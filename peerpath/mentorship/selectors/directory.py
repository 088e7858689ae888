"""The mentor directory: who may be listed, mentor cards (presentation cached, visibility
fresh), filters, pages, "Suggested for you" (scores from ``selectors.matching``) and a
mentor's own page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import DEFAULT_DB_ALIAS
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import Block, Language, Profile, Topic, User, UserQuerySet
from peerpath.accounts.selectors import is_blocked_between
from peerpath.core.errors import NotFound
from peerpath.mentorship import policies
from peerpath.mentorship.availability import overlap_hours, utc_mask
from peerpath.mentorship.models import (
    CURRENT_STATUSES,
    NO_REMATCH_REASONS,
    MentorProfile,
    Mentorship,
)
from peerpath.mentorship.selectors import common, matching

PER_PAGE = 12


@dataclass
class MentorCard:
    user: User
    profile: Profile
    mentor: MentorProfile
    load: int
    overlap: int | None = None
    specialties: list[Topic] = field(default_factory=list)
    languages: list[Language] = field(default_factory=list)

    @property
    def state(self) -> str:
        return policies.capacity_state(self.mentor.capacity, self.load)

    @property
    def remaining(self) -> int:
        return max(self.mentor.capacity - self.load, 0)

    @property
    def state_label(self) -> str:
        if self.state == "accepting":
            return f"Accepting {self.remaining} more"
        return "Full" if self.state == "full" else "Paused"

    @property
    def last_active(self) -> dt.datetime | None:
        seen = [t for t in (self.mentor.last_active_at, self.user.last_login) if t]
        return max(seen) if seen else None


def mentors_visible_to(viewer: User, at: dt.datetime | None = None) -> QuerySet[User]:
    """Mentors ``viewer`` may see: mentor role, a mentor profile, not suspended, same band
    (staff see all), never anyone either side blocked."""
    at = at or timezone.now()
    qs: UserQuerySet = common.mentors(at).exclude(pk=viewer.pk)
    if not account_policies.is_staff_member(viewer):
        band = viewer.age_band_at(at)
        if band is AgeBand.CHILD:
            return qs.none()
        qs = qs.in_age_band(band, at).exclude(
            Exists(  # one anti-join for both directions: half the planning of two
                Block.objects.filter(
                    Q(blocker_id=viewer.pk, blocked_id=OuterRef("pk"))
                    | Q(blocker_id=OuterRef("pk"), blocked_id=viewer.pk)
                )
            )
        )
    return qs


def _with_card_data(qs: QuerySet[User]) -> QuerySet[User]:
    """Whole rows for one mentor's own page (read fresh: the page is a single mentor)."""
    return (
        qs.select_related("profile", "mentor_profile")
        .prefetch_related(
            Prefetch("mentor_profile__specialties", queryset=Topic.objects.order_by("position")),
            Prefetch("profile__languages", queryset=Language.objects.order_by("name")),
        )
        .annotate(
            current_load=Count(
                "mentorships_as_mentor",
                filter=Q(mentorships_as_mentor__status__in=CURRENT_STATUSES),
                distinct=True,
            )
        )
    )


def _viewer_mask(viewer: User, at: dt.datetime) -> int:
    """The viewer's weekly availability in UTC (0 without a profile)."""
    profile = Profile.objects.filter(pk=viewer.pk).only("availability").first()
    return utc_mask(profile.availability, viewer.timezone, at) if profile else 0


def _card(user: Any, viewer_mask: int | None, at: dt.datetime) -> MentorCard:
    overlap = None
    if viewer_mask is not None:
        overlap = overlap_hours(viewer_mask, utc_mask(user.profile.availability, user.timezone, at))
    return MentorCard(
        user=user,
        profile=user.profile,
        mentor=user.mentor_profile,
        load=user.current_load,
        overlap=overlap,
        specialties=list(user.mentor_profile.specialties.all()),
        languages=list(user.profile.languages.all()),
    )


# Lists of mentor cards (the directory, "suggested for you", the dashboard's suggestion) split
# what a card shows in two:
# - who is listed, their live load and the versions of their profile rows: one query per
#   request (``mentors_visible_to``: band, suspension, blocks and role are always checked
#   fresh, never cached);
# - the card's presentation (name, languages, specialties, hours, tracks): kept in the shared
#   cache per mentor for ``CARD_CACHE_SECONDS`` under a key carrying both rows' ``updated_at``,
#   so editing a profile shows at once and everything else may lag by that. The model
#   instances built from it carry only those fields: anything else (age band, suspension...)
#   is deferred and read fresh from the database if ever asked for.
CARD_CACHE_SECONDS = 30


DB = DEFAULT_DB_ALIAS


def _in_model_order(model: type[Model], *names: str) -> tuple[str, ...]:
    """``names`` in the model's column order, as ``Model.from_db`` takes them."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in names)


_CARD_USER = _in_model_order(User, "id", "last_login", "username", "timezone")


_CARD_PROFILE = _in_model_order(Profile, "user_id", "display_name", "availability")


_CARD_MENTOR = _in_model_order(
    MentorProfile,
    "user_id",
    "capacity",
    "track_listeners",
    "track_group_i",
    "track_group_ii",
    "last_active_at",
)


_CARD_ROW = (
    *_CARD_USER,
    *(f"profile__{n}" for n in _CARD_PROFILE if n != "user_id"),
    *(f"mentor_profile__{n}" for n in _CARD_MENTOR if n != "user_id"),
)


# where each model's values sit in a cached row (the user id stands for the one-to-one keys)
_USER_AT = tuple(range(len(_CARD_USER)))


_PROFILE_AT = tuple(
    0 if n == "user_id" else _CARD_ROW.index(f"profile__{n}") for n in _CARD_PROFILE
)


_MENTOR_AT = tuple(
    0 if n == "user_id" else _CARD_ROW.index(f"mentor_profile__{n}") for n in _CARD_MENTOR
)


_LISTED = ("pk", "current_load", "profile__updated_at", "mentor_profile__updated_at")


CardBase = tuple[tuple[Any, ...], list[tuple[int, str, str]], list[tuple[int, str, str]]]


@dataclass(frozen=True, slots=True)
class Listed:
    """A mentor this request may show: id, live load and the version of their card."""

    pk: int
    load: int
    version: str


def _listed(row: tuple[Any, ...]) -> Listed:
    pk, load, profile_at, mentor_at = row[:4]
    stamps = (t.timestamp() if t else 0 for t in (profile_at, mentor_at))
    return Listed(pk=pk, load=load or 0, version="-".join(f"{t:.6f}" for t in stamps))


def _load() -> Coalesce:
    """A mentor's current mentees (active and proposed), as a correlated count."""
    current = (
        Mentorship.objects.filter(mentor_id=OuterRef("pk"), status__in=CURRENT_STATUSES)
        .order_by()
        .values("mentor_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(current, output_field=IntegerField()), Value(0))


def listed_mentors(
    viewer: User, ids: list[int], at: dt.datetime, *, to_mentor: bool = False
) -> dict[int, Listed]:
    """Which of ``ids`` ``viewer`` may see now (fresh: band, suspension, blocks), in one query;
    with ``to_mentor``, also never a mentor whose mentorship with the viewer ended with a
    no-rematch reason (suggestions)."""
    qs = mentors_visible_to(viewer, at).filter(pk__in=ids)
    if to_mentor:
        qs = qs.exclude(
            Exists(
                Mentorship.objects.filter(
                    mentee_id=viewer.pk, mentor_id=OuterRef("pk"), end_reason__in=NO_REMATCH_REASONS
                )
            )
        )
    rows = qs.annotate(current_load=_load()).values_list(*_LISTED)
    return {row[0]: _listed(row) for row in rows}


def _card_key(item: Listed) -> str:
    return f"mentorship:card:{item.pk}:{item.version}"


def _card_bases(items: list[Listed]) -> dict[int, CardBase]:
    """The cards' presentation data: the shared cache first, the rest in three queries."""
    if not items:
        return {}
    keys = {_card_key(i): i.pk for i in items}
    found: dict[str, CardBase] = cache.get_many(list(keys))
    bases = {keys[k]: v for k, v in found.items()}
    missing = [pk for pk in keys.values() if pk not in bases]
    if missing:
        specialties: dict[int, list[tuple[int, str, str]]] = {pk: [] for pk in missing}
        for owner, *topic in (
            MentorProfile.specialties.through.objects.filter(mentorprofile_id__in=missing)
            .order_by("topic__position", "topic__name")
            .values_list("mentorprofile_id", "topic_id", "topic__slug", "topic__name")
        ):
            specialties[owner].append(tuple(topic))  # type: ignore[arg-type]
        languages: dict[int, list[tuple[int, str, str]]] = {pk: [] for pk in missing}
        for owner, *language in (
            Profile.languages.through.objects.filter(profile_id__in=missing)
            .order_by("language__name")
            .values_list("profile_id", "language_id", "language__code", "language__name")
        ):
            languages[owner].append(tuple(language))  # type: ignore[arg-type]
        rows = User.objects.filter(
            pk__in=missing, profile__isnull=False, mentor_profile__isnull=False
        ).values_list(*_CARD_ROW)
        fresh = {row[0]: (tuple(row), specialties[row[0]], languages[row[0]]) for row in rows}
        bases.update(fresh)
        by_pk = {pk: k for k, pk in keys.items()}
        cache.set_many({by_pk[pk]: base for pk, base in fresh.items()}, CARD_CACHE_SECONDS)
    return bases


def _built(base: CardBase, item: Listed, viewer_mask: int | None, at: dt.datetime) -> MentorCard:
    row, specialties, languages = base
    user = User.from_db(DB, _CARD_USER, [row[i] for i in _USER_AT])
    profile = Profile.from_db(DB, _CARD_PROFILE, [row[i] for i in _PROFILE_AT])
    mentor = MentorProfile.from_db(DB, _CARD_MENTOR, [row[i] for i in _MENTOR_AT])
    profile.user = user
    mentor.user = user
    overlap = None
    if viewer_mask is not None:
        overlap = overlap_hours(viewer_mask, utc_mask(profile.availability, user.timezone, at))
    return MentorCard(
        user=user,
        profile=profile,
        mentor=mentor,
        load=item.load,
        overlap=overlap,
        specialties=[Topic.from_db(DB, ("id", "slug", "name"), t) for t in specialties],
        languages=[Language.from_db(DB, ("id", "code", "name"), lang) for lang in languages],
    )


def _cards(
    items: list[Listed], bases: dict[int, CardBase], viewer_mask: int | None, at: dt.datetime
) -> list[MentorCard]:
    return [_built(bases[i.pk], i, viewer_mask, at) for i in items if i.pk in bases]


@dataclass(frozen=True, slots=True)
class ViewerFacts:
    """What the directory needs of the viewer's own profile: weekly availability (local
    hours), mentoring goal, and the rows' version (for cached suggestions)."""

    availability: str = ""
    goal: str = ""
    version: str = "none"


def viewer_facts(viewer: User) -> ViewerFacts:
    """The viewer's ``ViewerFacts``, in one query."""
    row = (
        Profile.objects.filter(pk=viewer.pk)
        .values_list(
            "availability",
            "user__mentee_profile__goal",
            "updated_at",
            "user__mentee_profile__updated_at",
        )
        .first()
    )
    if row is None:
        return ViewerFacts()
    stamps = "-".join(f"{t.timestamp():.6f}" if t else "0" for t in row[2:])
    return ViewerFacts(availability=row[0] or "", goal=row[1] or "", version=stamps)


def _suggestions(
    viewer: User, top: int, at: dt.datetime, facts: ViewerFacts
) -> tuple[list[tuple[int, float, list[str]]], dict[int, Listed]]:
    """The best ``top`` suggestions the viewer may be shown now, and their listings."""
    scored = matching.suggestion_scores(
        viewer,
        top=top,
        now=at,
        availability=facts.availability,
        goal=facts.goal,
        version=facts.version,
    )
    if not scored:
        return [], {}
    visible = listed_mentors(viewer, [pk for pk, _, _ in scored], at, to_mentor=True)
    return [s for s in scored if s[0] in visible][:top], visible


MENUS_CACHE_SECONDS = 60


def directory_menus() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The directory's topic and language menus as (value, label) pairs, shared for a minute
    (a topic added meanwhile shows within it; a chosen value is always looked up)."""
    key = "mentorship:directory-menus"
    menus: tuple[list[tuple[str, str]], list[tuple[str, str]]] | None = cache.get(key)
    if menus is None:
        menus = (
            list(Topic.objects.order_by("position", "name").values_list("slug", "name")),
            list(Language.objects.order_by("name").values_list("code", "name")),
        )
        cache.set(key, menus, MENUS_CACHE_SECONDS)
    return menus


@dataclass(frozen=True)
class DirectoryFilters:
    q: str = ""
    topic: str = ""
    language: str = ""
    accepting: bool = False
    overlap: bool = False


def _directory_queryset(viewer: User, filters: DirectoryFilters, at: dt.datetime) -> QuerySet[User]:
    """The mentors ``viewer`` may see that match ``filters``, one row each (the filters on
    many-valued relations are ``EXISTS``, so no ``DISTINCT``), with their current load."""
    qs = mentors_visible_to(viewer, at)
    specialties = MentorProfile.specialties.through.objects.filter(mentorprofile_id=OuterRef("pk"))
    if filters.topic:
        qs = qs.filter(Exists(specialties.filter(topic__slug=filters.topic)))
    if filters.language:
        qs = qs.filter(
            Exists(
                Profile.languages.through.objects.filter(
                    profile_id=OuterRef("pk"), language__code=filters.language
                )
            )
        )
    if filters.q:
        term = filters.q.strip()[:100]
        qs = qs.filter(
            Q(username__icontains=term)
            | Q(profile__display_name__icontains=term)
            | Q(mentor_profile__approach__icontains=term)
            | Exists(specialties.filter(topic__name__icontains=term))
        )
    qs = qs.annotate(current_load=_load())
    if filters.accepting:
        qs = qs.filter(mentor_profile__capacity__gt=0).filter(
            mentor_profile__capacity__gt=F("current_load")
        )
    return qs


def _window_page(rows: QuerySet[Any, Any], number: int, per_page: int) -> Page[Any]:
    """One page of ``rows`` (whose last column is the total, a window count) in one query;
    a page past the end shows the last page, as ``Paginator.get_page`` does."""
    number = max(number, 1)
    got = list(rows[(number - 1) * per_page : number * per_page])
    total = got[0][-1] if got else rows.count()
    if not got and total:
        number = -(-total // per_page)
        got = list(rows[(number - 1) * per_page : number * per_page])
    paginator: Paginator[Any] = Paginator(range(total), per_page)
    return Page([_listed(r) for r in got], number, paginator)


def _directory_listing(
    viewer: User, filters: DirectoryFilters, page: int, per_page: int, at: dt.datetime, mask: int
) -> Page[Any]:
    """The page of ``Listed`` mentors: accepting first, then by last activity; with
    ``overlap``, only mentors sharing at least one weekly hour with the viewer, most overlap
    first (computed on 168-bit masks in Python: ~20 ms for 10,000 mentors)."""
    qs = _directory_queryset(viewer, filters, at)
    if filters.overlap:
        rows = qs.values_list(*_LISTED, "profile__availability", "timezone")
        scored = [
            (overlap_hours(mask, utc_mask(row[4] or "", row[5], at)), row[0], row) for row in rows
        ]
        kept = [row for hours, _, row in sorted(scored, key=lambda t: (-t[0], t[1])) if hours]
        paginator: Paginator[Any] = Paginator(kept, per_page)
        page_obj = paginator.get_page(page)
        return Page([_listed(r) for r in page_obj.object_list], page_obj.number, paginator)
    ordered = (
        qs.order_by(_accepting_first(), "-mentor_profile__last_active_at", "username")
        .annotate(total=Window(Count("pk")))
        .values_list(*_LISTED, "total")
    )
    return _window_page(ordered, page, per_page)


def mentor_directory(
    *, viewer: User, filters: DirectoryFilters, page: int = 1, per_page: int = PER_PAGE
) -> tuple[Page[Any], list[MentorCard]]:
    """One page of mentor cards for ``viewer`` (see ``_directory_listing`` for the order)."""
    page_obj, cards, _ = directory_page(
        viewer=viewer, filters=filters, page=page, per_page=per_page
    )
    return page_obj, cards


Suggestion = tuple[MentorCard, float, list[str]]


def directory_page(
    *,
    viewer: User,
    filters: DirectoryFilters,
    page: int = 1,
    per_page: int = PER_PAGE,
    suggest: int = 0,
) -> tuple[Page[Any], list[MentorCard], list[Suggestion]]:
    """The directory's page of cards and, with ``suggest``, the viewer's best ``suggest``
    suggestions ("suggested for you"): both blocks' cards are read together, once."""
    at = timezone.now()
    facts = viewer_facts(viewer)
    mask = utc_mask(facts.availability, viewer.timezone, at)
    page_obj = _directory_listing(viewer, filters, page, per_page, at, mask)
    listed: list[Listed] = list(page_obj.object_list)
    scored, visible = _suggestions(viewer, suggest, at, facts) if suggest else ([], {})
    on_page = {i.pk for i in listed}
    bases = _card_bases(listed + [v for pk, v in visible.items() if pk not in on_page])
    suggestions = [
        (_built(bases[pk], visible[pk], mask, at), score, reasons)
        for pk, score, reasons in scored
        if pk in bases
    ]
    return page_obj, _cards(listed, bases, mask, at), suggestions


def suggested_mentors(viewer: User, top: int = 5) -> list[Suggestion]:
    """“Suggested for you”: the best-scoring mentors for a listener without a mentor, as
    (MentorCard, score 0-100, explanation); who is shown is checked fresh. Empty for people
    who cannot be mentored."""
    at = timezone.now()
    facts = viewer_facts(viewer)
    scored, visible = _suggestions(viewer, top, at, facts)
    bases = _card_bases([visible[pk] for pk, _, _ in scored])
    mask = utc_mask(facts.availability, viewer.timezone, at)
    return [
        (_built(bases[pk], visible[pk], mask, at), score, reasons)
        for pk, score, reasons in scored
        if pk in bases
    ]


def _accepting_first() -> Case:
    return Case(
        When(mentor_profile__capacity__gt=F("current_load"), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def mentor_cards(*, viewer: User, ids: list[int]) -> list[MentorCard]:
    """Cards for the given mentor ids that ``viewer`` may see, in the given order."""
    at = timezone.now()
    visible = listed_mentors(viewer, ids, at)
    items = [visible[pk] for pk in ids if pk in visible]
    return _cards(items, _card_bases(items), _viewer_mask(viewer, at), at)


def mentor_card_for_viewer(*, viewer: User, username: str) -> MentorCard:
    """A mentor's page, or NotFound exactly like a missing mentor when ``viewer`` may not
    see them (other age band, blocked, not a mentor)."""
    at = timezone.now()
    user = _with_card_data(User.objects.by_pseudonym(username, active=False)).first()
    if user is None or not hasattr(user, "mentor_profile"):
        raise NotFound(policies.NOT_FOUND)
    if not policies.can_see_mentor(viewer, user, at):
        raise NotFound(policies.NOT_FOUND)
    if not account_policies.is_staff_member(viewer) and is_blocked_between(viewer.pk, user.pk):
        raise NotFound(policies.NOT_FOUND)
    mask = _viewer_mask(viewer, at)
    return _card(user, mask, at)
