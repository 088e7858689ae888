"""Template tags of the progression app for other apps' pages.

``{% load progression_tags %}`` then ``{% badge_list user %}``: the person's roles,
milestones and badges (``selectors.awards.held_awards``, the one read of what someone
holds), named for their age band, each linked to its public certificate when it has a valid
one. The page that includes it decides who may see the person at all (the profile view
answers 404 across age bands).
"""

from __future__ import annotations

from typing import Any

from django import template

from peerpath.accounts.models import User
from peerpath.progression.selectors.awards import held_awards

register = template.Library()


@register.inclusion_tag("progression/_badge_list.html")
def badge_list(user: User) -> dict[str, Any]:
    return {"badges": held_awards(user)}
