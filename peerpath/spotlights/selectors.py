"""Reads: spotlights a viewer may see, the mentor of the month, the request call to action."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from peerpath.accounts.models import User
from peerpath.accounts.policies import is_staff_member
from peerpath.core.decisions import Decision
from peerpath.spotlights import policies
from peerpath.spotlights.models import Spotlight, SpotlightKind, SpotlightStatus


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def published_for(viewer: User) -> list[Spotlight]:
    """Published spotlights of the viewer's band (staff: both), newest first."""
    rows = Spotlight.objects.published().select_related("mentor")
    if not is_staff_member(viewer):
        rows = rows.filter(band=policies.band_of(viewer))
    return list(rows.order_by("-published_at", "-pk"))


def mentors_of_month(viewer: User, *, today: dt.date) -> list[Spotlight]:
    """This month's published mentor of the month for the viewer's band (staff: each band)."""
    rows = Spotlight.objects.published().filter(
        kind=SpotlightKind.MENTOR_OF_MONTH, month=first_of_month(today)
    )
    if not is_staff_member(viewer):
        rows = rows.filter(band=policies.band_of(viewer))
    return list(rows.select_related("mentor").order_by("band"))


def drafts_for(viewer: User) -> list[Spotlight]:
    """Drafts the viewer can work on: staff all, a mentor their own."""
    rows = Spotlight.objects.filter(status=SpotlightStatus.DRAFT).select_related("mentor")
    if not is_staff_member(viewer):
        rows = rows.filter(Q(mentor=viewer) | Q(drafted_by=viewer))
    return list(rows.order_by("-created_at"))


def spotlight_for(viewer: User, spotlight_id: int) -> Spotlight | None:
    spotlight = (
        Spotlight.objects.select_related("mentor", "drafted_by", "published_by")
        .filter(pk=spotlight_id)
        .first()
    )
    if spotlight is None or not policies.can_see_spotlight(viewer, spotlight):
        return None
    return spotlight


def request_decision(viewer: User, mentor: User) -> Decision:
    """Whether the viewer may ask this mentor to mentor them (the mentorship app's rule)."""
    from peerpath.mentorship import policies as mentorship_policies
    from peerpath.mentorship.selectors.requests import request_facts

    if viewer.pk == mentor.pk:
        return Decision.deny("This is your own spotlight.")
    return mentorship_policies.can_request_mentor(viewer, mentor, request_facts(viewer, mentor))
