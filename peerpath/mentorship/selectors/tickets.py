"""Reads for "I can't get in touch": the tips shown with the ready-made outreach message."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When

from peerpath.accounts.models import User
from peerpath.mentorship.models import Mentorship
from peerpath.resources import selectors as resource_selectors
from peerpath.resources.models import Resource, ResourceTopic

TIPS = 3


def _tagged(topic: str) -> Q:
    return Q(topics__contains=f",{topic},")


def reaching_out_resources(user: User, mentorship: Mentorship) -> list[Resource]:
    """Tips for the person's side of the pair: a mentee gets the library's "reaching out to
    a mentor" guides; a mentor gets first messages and quiet mentees, never a guide written
    for mentees (the library's ``reaching-out`` tag is "Reaching out to a mentor")."""
    if mentorship.role_of(user.pk) != "mentor":
        return resource_selectors.for_reaching_out(limit=TIPS, teen=user.is_teen)
    rows = (
        Resource.objects.published()
        .for_band(teen=user.is_teen)
        .filter(_tagged(ResourceTopic.FIRST_MESSAGE) | _tagged(ResourceTopic.GHOSTING))
        .exclude(_tagged(ResourceTopic.REACHING_OUT))
    )
    mentoring_first = Case(
        When(_tagged(ResourceTopic.MENTORING), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return list(rows.order_by(mentoring_first, "title")[:TIPS])
