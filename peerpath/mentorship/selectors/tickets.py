"""Reads for "I can't get in touch": the tips shown with the ready-made outreach message."""

from __future__ import annotations

from peerpath.accounts.models import User
from peerpath.mentorship.models import Mentorship
from peerpath.resources import selectors as resource_selectors
from peerpath.resources.models import Resource

TIPS = 3


def reaching_out_resources(user: User, mentorship: Mentorship) -> list[Resource]:
    """Tips for the person's side of the pair (the library's query is its one home:
    ``resources.selectors.for_reaching_out``)."""
    return resource_selectors.for_reaching_out(
        limit=TIPS, teen=user.is_teen, mentor=mentorship.role_of(user.pk) == "mentor"
    )
