"""Reads: the library as a viewer of one age band sees it, search, and suggestions."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When

from peerpath.accounts.models import User
from peerpath.accounts.policies import is_staff_member
from peerpath.resources.models import Resource, ResourceQuerySet, ResourceTopic, tagged

SEARCH_MAX_CHARS = 100


def band_filter_of(viewer: User) -> bool | None:
    """``True`` for a teen, ``False`` for an adult, ``None`` for staff (everything)."""
    if is_staff_member(viewer):
        return None
    return bool(viewer.is_teen)


def visible_to(viewer: User) -> ResourceQuerySet:
    return Resource.objects.published().for_band(teen=band_filter_of(viewer))


def resource_for(viewer: User, slug: str) -> Resource | None:
    """A resource the viewer may read, or ``None`` (missing and other band look the same)."""
    return visible_to(viewer).filter(slug=slug).first()


def search(viewer: User, *, q: str = "", topic: str = "") -> list[Resource]:
    """Case-insensitive search over title, summary, body and topic tags; title hits first,
    then summary hits, then the rest, each alphabetically."""
    rows = visible_to(viewer)
    if topic:
        rows = rows.with_topic(topic)
    q = q.strip()
    if q:
        tags = [v for v, label in ResourceTopic.choices if q.lower() in str(label).lower()]
        match = (
            Q(title__icontains=q)
            | Q(summary__icontains=q)
            | Q(body__icontains=q)
            | Q(topics__icontains=q)
        )
        for tag in tags:
            match |= tagged(tag)
        rank = Case(
            When(title__icontains=q, then=Value(0)),
            When(summary__icontains=q, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return list(rows.filter(match).order_by(rank, "title"))
    return list(rows.order_by("title"))


def for_flag_topic(topic: str, *, limit: int = 3, teen: bool) -> list[Resource]:
    """Resources to suggest when a flag on ``topic`` is raised, for a teen or an adult."""
    rows = Resource.objects.published().for_band(teen=teen).with_flag_topic(topic)
    return list(rows.order_by("is_custom", "title")[:limit])


def for_reaching_out(*, limit: int = 3, teen: bool, mentor: bool = False) -> list[Resource]:
    """Tips for "I don't know how to reach out", for one side of a pair. A mentee gets the
    guides on reaching out to a mentor first, then first messages; a mentor gets first
    messages and quiet mentees, mentoring guides first, and never a guide written for mentees
    (the ``reaching-out`` tag is "Reaching out to a mentor")."""
    rows = Resource.objects.published().for_band(teen=teen)
    if mentor:
        rows = rows.filter(
            tagged(ResourceTopic.FIRST_MESSAGE) | tagged(ResourceTopic.GHOSTING)
        ).exclude(tagged(ResourceTopic.REACHING_OUT))
        first = ResourceTopic.MENTORING
    else:
        rows = rows.filter(tagged(ResourceTopic.REACHING_OUT) | tagged(ResourceTopic.FIRST_MESSAGE))
        first = ResourceTopic.REACHING_OUT
    rank = Case(When(tagged(first), then=Value(0)), default=Value(1), output_field=IntegerField())
    return list(rows.order_by(rank, "title")[:limit])
