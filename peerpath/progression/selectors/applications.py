"""Reads of applications: the queue a reviewer may decide, and one application."""

from __future__ import annotations

from django.db.models import QuerySet

from peerpath.accounts.models import User
from peerpath.accounts.policies import is_staff_member
from peerpath.progression.models import Application, ApplicationStatus


def applications_to_review(reviewer: User) -> QuerySet[Application]:
    """Pending applications a reviewer may decide, oldest first."""
    qs = Application.objects.filter(status=ApplicationStatus.PENDING).select_related(
        "user", "achievement"
    )
    qs = qs.exclude(user=reviewer)
    if not is_staff_member(reviewer):
        band = reviewer.age_band
        qs = qs.filter(user__in=User.objects.in_age_band(band))
    return qs.order_by("created_at", "id")


def application_for(application_id: int) -> Application | None:
    return (
        Application.objects.select_related("user", "achievement").filter(pk=application_id).first()
    )
