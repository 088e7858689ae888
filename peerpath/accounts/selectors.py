"""Reads for accounts."""

from __future__ import annotations

from django.db.models import Prefetch, Q

from peerpath.accounts import policies
from peerpath.accounts.models import Block, Profile, User
from peerpath.core.errors import NotFound


def profile_for_viewer(*, viewer: User, username: str) -> Profile:
    """The profile ``viewer`` may see, or NotFound: a forbidden profile and a missing one
    answer the same way."""
    subject = (
        User.objects.by_pseudonym(username, active=False)
        .select_related("profile")
        .prefetch_related(Prefetch("profile__topics"), Prefetch("profile__languages"))
        .first()
    )
    if subject is None or not policies.can_view_profile(viewer, subject):
        raise NotFound("No such person.")
    profile: Profile = subject.profile
    return profile


def own_profile(user: User) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.user = user  # already loaded: spare templates a second fetch
    return profile


def is_blocked_between(a_id: int, b_id: int) -> bool:
    """Has either person blocked the other? (one indexed query)"""
    return Block.objects.filter(
        Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)
    ).exists()


def blocks_made(user: User) -> list[Block]:
    """The people ``user`` has blocked, most recent first, with their profiles."""
    return list(
        Block.objects.filter(blocker=user)
        .select_related("blocked__profile")
        .order_by("-created_at", "-id")
    )


def block_to_lift(*, actor: User, block_id: int) -> Block:
    """A block ``actor`` may lift (their own), or NotFound: someone else's block and a
    missing one answer the same way."""
    block = Block.objects.select_related("blocked").filter(pk=block_id).first()
    if block is None or not policies.can_unblock(actor, block):
        raise NotFound("No such block.")
    return block
