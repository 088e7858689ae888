"""Reads for mentoring: the directory, requests, mentorships, chat history, matching pools."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import Block, Language, Profile, Topic, User
from peerpath.accounts.roles import Role
from peerpath.accounts.selectors import is_blocked_between
from peerpath.mentorship import policies
from peerpath.mentorship.availability import overlap_hours, utc_mask
from peerpath.mentorship.models import (
    CURRENT_STATUSES,
    NO_REMATCH_REASONS,
    OPEN_TARGET_STATUSES,
    MenteeProfile,
    MentorProfile,
    MentorRequest,
    Mentorship,
    MentorshipSettings,
    MentorshipStatus,
    Message,
    RequestStatus,
    RequestTarget,
    TargetStatus,
)

PER_PAGE = 12


def community_settings() -> MentorshipSettings:
    return MentorshipSettings.load()


def mentor_load(mentor_id: int) -> int:
    """Current mentees: active mentorships plus proposals waiting for the mentor."""
    return Mentorship.objects.filter(mentor_id=mentor_id, status__in=CURRENT_STATUSES).count()


def is_excluded_pair(mentee_id: int, mentor_id: int) -> bool:
    """Never rematch a pair that ended with a no-rematch reason, or where either blocked."""
    ended = Mentorship.objects.filter(
        mentee_id=mentee_id, mentor_id=mentor_id, end_reason__in=NO_REMATCH_REASONS
    ).exists()
    return ended or is_blocked_between(mentee_id, mentor_id)


def request_facts(
    mentee: User, mentor: User, cfg: MentorshipSettings | None = None
) -> policies.RequestFacts:
    cfg = cfg or community_settings()
    profile = MentorProfile.objects.filter(pk=mentor.pk).first()
    return policies.RequestFacts(
        capacity=profile.capacity if profile else 0,
        load=mentor_load(mentor.pk),
        blocked=is_excluded_pair(mentee.pk, mentor.pk),
        open_request_to_mentor=RequestTarget.objects.filter(
            mentee_id=mentee.pk, mentor_id=mentor.pk, status__in=OPEN_TARGET_STATUSES
        ).exists(),
        open_requests=MentorRequest.objects.filter(
            mentee_id=mentee.pk, status=RequestStatus.OPEN
        ).count(),
        max_open_requests=cfg.max_open_requests,
        has_current_mentorship=Mentorship.objects.filter(
            mentee_id=mentee.pk, status__in=CURRENT_STATUSES
        ).exists(),
        opted_out=MenteeProfile.objects.filter(pk=mentee.pk, opted_out_at__isnull=False).exists(),
    )


# --- the directory ------------------------------------------------------------------------


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
    qs: QuerySet[User] = (
        User.objects.filter(
            is_active=True, groups__name=Role.MENTOR.value, mentor_profile__isnull=False
        )
        .not_suspended(at)
        .exclude(pk=viewer.pk)
    )
    if not account_policies.is_staff_member(viewer):
        band = viewer.age_band_at(at)
        if band is AgeBand.CHILD:
            return qs.none()
        qs = qs & User.objects.in_age_band(band, at)
        qs = qs.exclude(
            Exists(Block.objects.filter(blocker_id=viewer.pk, blocked_id=OuterRef("pk")))
        ).exclude(Exists(Block.objects.filter(blocker_id=OuterRef("pk"), blocked_id=viewer.pk)))
    return qs


def _with_card_data(qs: QuerySet[User]) -> QuerySet[User]:
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


@dataclass(frozen=True)
class DirectoryFilters:
    q: str = ""
    topic: str = ""
    language: str = ""
    accepting: bool = False
    overlap: bool = False


def mentor_directory(
    *, viewer: User, filters: DirectoryFilters, page: int = 1, per_page: int = PER_PAGE
) -> tuple[Page[Any], list[MentorCard]]:
    """One page of mentor cards for ``viewer``. Accepting mentors first, then by last activity.
    With ``overlap``, only mentors sharing at least one weekly hour with the viewer, most
    overlap first (computed on 168-bit masks in Python: ~20 ms for 10,000 mentors)."""
    at = timezone.now()
    qs = mentors_visible_to(viewer, at)
    if filters.topic:
        qs = qs.filter(mentor_profile__specialties__slug=filters.topic)
    if filters.language:
        qs = qs.filter(profile__languages__code=filters.language)
    if filters.q:
        term = filters.q.strip()[:100]
        qs = qs.filter(
            Q(username__icontains=term)
            | Q(profile__display_name__icontains=term)
            | Q(mentor_profile__approach__icontains=term)
            | Q(mentor_profile__specialties__name__icontains=term)
        )
    qs = qs.distinct().annotate(
        current_load=Count(
            "mentorships_as_mentor",
            filter=Q(mentorships_as_mentor__status__in=CURRENT_STATUSES),
            distinct=True,
        )
    )
    if filters.accepting:
        qs = qs.filter(mentor_profile__capacity__gt=0).filter(
            mentor_profile__capacity__gt=F("current_load")
        )
    viewer_mask = _viewer_mask(viewer, at)
    if filters.overlap:
        rows = qs.values_list("pk", "profile__availability", "timezone")
        scored = [
            (overlap_hours(viewer_mask, utc_mask(avail or "", tz, at)), pk)
            for pk, avail, tz in rows
        ]
        ordered_ids = [pk for hours, pk in sorted(scored, key=lambda t: (-t[0], t[1])) if hours]
        paginator: Paginator[Any] = Paginator(ordered_ids, per_page)
        page_obj = paginator.get_page(page)
        by_id = {u.pk: u for u in _with_card_data(User.objects.filter(pk__in=page_obj.object_list))}
        users = [by_id[pk] for pk in page_obj.object_list if pk in by_id]
    else:
        ordered = qs.order_by(
            _accepting_first(), "-mentor_profile__last_active_at", "username"
        ).values_list("pk", flat=True)
        paginator = Paginator(ordered, per_page)
        page_obj = paginator.get_page(page)
        ids = list(page_obj.object_list)
        by_id = {u.pk: u for u in _with_card_data(User.objects.filter(pk__in=ids))}
        users = [by_id[pk] for pk in ids if pk in by_id]
    return page_obj, [_card(u, viewer_mask, at) for u in users]


def _accepting_first() -> Case:
    return Case(
        When(mentor_profile__capacity__gt=F("current_load"), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def mentor_cards(*, viewer: User, ids: list[int]) -> list[MentorCard]:
    """Cards for the given mentor ids that ``viewer`` may see, in the given order."""
    at = timezone.now()
    visible = mentors_visible_to(viewer, at).filter(pk__in=ids).values_list("pk", flat=True)
    by_id = {u.pk: u for u in _with_card_data(User.objects.filter(pk__in=list(visible)))}
    mask = _viewer_mask(viewer, at)
    return [_card(by_id[pk], mask, at) for pk in ids if pk in by_id]


def mentor_card_for_viewer(*, viewer: User, username: str) -> MentorCard:
    """A mentor's page, or Http404 exactly like a missing mentor when ``viewer`` may not
    see them (other age band, blocked, not a mentor)."""
    at = timezone.now()
    user = _with_card_data(User.objects.filter(username__iexact=username)).first()
    if user is None or not hasattr(user, "mentor_profile"):
        raise Http404(policies.NOT_FOUND)
    if not policies.can_see_mentor(viewer, user, at):
        raise Http404(policies.NOT_FOUND)
    if not account_policies.is_staff_member(viewer) and is_blocked_between(viewer.pk, user.pk):
        raise Http404(policies.NOT_FOUND)
    mask = _viewer_mask(viewer, at)
    return _card(user, mask, at)


# --- requests -----------------------------------------------------------------------------


def requests_of_mentee(mentee: User) -> QuerySet[MentorRequest]:
    return (
        MentorRequest.objects.filter(mentee=mentee)
        .prefetch_related(
            Prefetch("targets", queryset=RequestTarget.objects.select_related("mentor"))
        )
        .order_by("-created_at")
    )


def pending_requests_for_mentor(mentor: User) -> QuerySet[RequestTarget]:
    return (
        RequestTarget.objects.filter(mentor=mentor, status=TargetStatus.PENDING)
        .select_related("request", "mentee", "mentee__profile")
        .order_by("expires_at")
    )


def proposals_for_mentor(mentor: User) -> QuerySet[Mentorship]:
    return (
        Mentorship.objects.filter(mentor=mentor, status=MentorshipStatus.PROPOSED)
        .select_related("mentee", "mentee__profile")
        .order_by("proposal_expires_at")
    )


# --- mentorships and chat -----------------------------------------------------------------


def mentorships_of(user: User) -> list[Mentorship]:
    """The user's mentorships (current first), each with ``unread`` set, in two queries."""
    items = list(
        Mentorship.objects.involving(user.pk)
        .select_related("mentor", "mentee", "mentor__profile", "mentee__profile")
        .order_by(_current_first(), "-created_at")[:50]
    )
    counts = unread_counts(user, items)
    for m in items:
        m.unread = counts.get(m.pk, 0)  # type: ignore[attr-defined]
    return items


def _current_first() -> Case:
    return Case(
        When(status=MentorshipStatus.ACTIVE, then=Value(0)),
        When(status=MentorshipStatus.PROPOSED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def unread_counts(user: User, mentorships: list[Mentorship]) -> dict[int, int]:
    """{mentorship id: messages from the other side after the user's last read}, one query."""
    cond = Q()
    for m in mentorships:
        if m.status != MentorshipStatus.ACTIVE:
            continue
        last = m.mentor_last_read if user.pk == m.mentor_id else m.mentee_last_read
        cond |= Q(mentorship_id=m.pk, id__gt=last)
    if not cond:
        return {}
    rows = (
        Message.objects.filter(cond)
        .exclude(sender_id=user.pk)
        .values("mentorship_id")
        .annotate(n=Count("id"))
    )
    return {r["mentorship_id"]: r["n"] for r in rows}


def mentorship_for_party(user: User, mentorship_id: int) -> Mentorship:
    """The mentorship if ``user`` is one of the two people in it; otherwise Http404."""
    m = (
        Mentorship.objects.select_related("mentor", "mentee", "mentor__profile", "mentee__profile")
        .filter(pk=mentorship_id)
        .first()
    )
    if m is None or not policies.can_view_mentorship(user, m):
        raise Http404("No such mentorship.")
    return m


def messages_after(mentorship_id: int, after_id: int = 0, limit: int = 200) -> list[Message]:
    """Messages with id > ``after_id`` in order (the resync after a reconnect)."""
    return list(
        Message.objects.filter(mentorship_id=mentorship_id, id__gt=after_id)
        .select_related("sender")
        .order_by("id")[:limit]
    )


def recent_messages(mentorship_id: int, limit: int = 50) -> list[Message]:
    rows = list(
        Message.objects.filter(mentorship_id=mentorship_id)
        .select_related("sender")
        .order_by("-id")[:limit]
    )
    rows.reverse()
    return rows


def current_mentorship_of(user: User) -> Mentorship | None:
    return (
        Mentorship.objects.filter(mentee=user, status__in=CURRENT_STATUSES)
        .select_related("mentor")
        .first()
    )


# --- matching (arrays and runs live in pairing; re-exported as the app's one read API) ---
from peerpath.mentorship.pairing import (  # noqa: E402
    match_runs,
    run_proposals,
    suggested_mentors,
)

__all__ = ["match_runs", "run_proposals", "suggested_mentors"]
