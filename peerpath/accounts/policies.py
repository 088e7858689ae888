"""Who may do what with accounts. Pure functions over the objects: no queries beyond the
objects' own (cached) attributes, so views, consumers, the API and tests share them.

Safeguarding: teens (13-17) and adults never meet in a private space. Every later private
space (mentorship chat, direct messages, buddies) asks ``can_contact_privately``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import AccountType
from peerpath.accounts.roles import Role
from peerpath.core.decisions import Decision

DEMO_USERNAMES = frozenset(
    {
        "demo-member",
        "demo-teen-member",
        "demo-listener",
        "demo-teen-listener",
        "demo-mentor",
        "demo-teen-mentor",
        "demo-moderator",
        "demo-ambassador",
        "demo-staff",
    }
)


MEMBER, LISTENER = AccountType.MEMBER.value, AccountType.LISTENER.value


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def is_signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(
        getattr(user, "is_active", False)
    )


def is_staff_member(user: Any) -> bool:
    """Program staff: Django staff/superusers or holders of the Staff role."""
    if not is_signed_in(user):
        return False
    return bool(user.is_superuser or user.is_staff or user.has_role(Role.STAFF))


def is_ambassador(user: Any) -> bool:
    return is_signed_in(user) and user.has_role(Role.AMBASSADOR)


def is_suspended(user: Any, at: dt.datetime | None = None) -> bool:
    return is_signed_in(user) and bool(user.is_suspended_at(_now(at)))


def age_band_of(user: Any, at: dt.datetime | None = None) -> AgeBand | None:
    if not is_signed_in(user) and not getattr(user, "pk", None):
        return None
    band: AgeBand = user.age_band_at(_now(at))
    return band


def same_age_band(a: Any, b: Any, at: dt.datetime | None = None) -> bool:
    """True when both people are in the same band (teen/adult) at ``at``."""
    band_a, band_b = age_band_of(a, at), age_band_of(b, at)
    return band_a is not None and band_a is band_b and band_a is not AgeBand.CHILD


def can_contact_privately(a: Any, b: Any, at: dt.datetime | None = None) -> Decision:
    """May ``a`` and ``b`` share a private space (one-to-one chat, mentorship, buddy pair)?

    Never across age bands, whatever roles either holds: staff act in moderated spaces.
    """
    at = _now(at)
    if not is_signed_in(a) or not is_signed_in(b):
        return Decision.deny("Both people need active accounts.")
    if a.pk == b.pk:
        return Decision.deny("You cannot start a private conversation with yourself.")
    if a.is_suspended_at(at) or b.is_suspended_at(at):
        return Decision.deny("One of these accounts is suspended.")
    if not same_age_band(a, b, at):
        return Decision.deny("Teens and adults cannot talk privately on peerpath.")
    return Decision.allow()


def can_use_community(user: Any, at: dt.datetime | None = None) -> Decision:
    """Signed in and not suspended: the gate for every community feature."""
    if not is_signed_in(user):
        return Decision.deny("Please log in.")
    if user.is_suspended_at(_now(at)):
        until = timezone.localtime(user.suspended_until).strftime("%d %b %Y %H:%M")
        reason = f" Reason: {user.suspension_reason}" if user.suspension_reason else ""
        return Decision.deny(f"Your account is suspended until {until}.{reason}")
    return Decision.allow()


def can_view_profile(viewer: Any, subject: Any, at: dt.datetime | None = None) -> Decision:
    """Profiles are seen by signed-in people of the same age band, and by staff.

    A denied profile must look exactly like a missing one (views answer 404 for both).
    """
    if not is_signed_in(viewer):
        return Decision.deny("Please log in.")
    if not subject.is_active:
        return Decision.deny("No such person.")
    if viewer.pk == subject.pk or is_staff_member(viewer):
        return Decision.allow()
    if not can_use_community(viewer, at):
        return Decision.deny("Your account is suspended.")
    if not same_age_band(viewer, subject, at):
        return Decision.deny("No such person.")
    return Decision.allow()


def can_edit_profile(editor: Any, subject: Any) -> Decision:
    if not is_signed_in(editor):
        return Decision.deny("Please log in.")
    if editor.pk != subject.pk:
        return Decision.deny("You can only edit your own profile.")
    return Decision.allow()


def can_switch_account_type(user: Any, to: str, at: dt.datetime | None = None) -> Decision:
    """Anyone may switch their own account between member and listener, teens too (the
    sign-up rule: everyone 13+ chooses either); a mentor stays a listener (mentoring is
    listeners' work: staff end the Mentor role first)."""
    if not is_signed_in(user):
        return Decision.deny("Please log in.")
    if not can_use_community(user, at):
        return Decision.deny("This account is suspended.")
    if to not in (MEMBER, LISTENER):
        return Decision.deny("Choose member or listener.")
    if user.account_type == to:
        return Decision.deny(f"You already have a {to} account.")
    if to == MEMBER and user.has_role(Role.MENTOR):
        return Decision.deny(
            "Mentors have listener accounts. Ask staff to end your Mentor role first."
        )
    return Decision.allow()


def can_unblock(user: Any, block: Any) -> Decision:
    """Only the person who made a block may lift it; to anyone else it does not exist (the
    blocked person is never told of a block)."""
    if not is_signed_in(user):
        return Decision.deny("Please log in.")
    if block.blocker_id != user.pk:
        return Decision.deny("No such block.")
    return Decision.allow()


def is_reserved_username(username: str, *, debug: bool | None = None) -> bool:
    """Names nobody may register: system words, and the demo logins outside development."""
    debug = settings.DEBUG if debug is None else debug
    name = username.strip().lower()
    if name in settings.PEERPATH_RESERVED_USERNAMES:
        return True
    return not debug and (name in DEMO_USERNAMES or name.startswith("demo-"))
