"""Writes for accounts. Keyword-only, typed, atomic, validated before saving."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ParamSpec

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts import policies, role_groups
from peerpath.accounts.ageband import ADULT_AGE, MIN_AGE, AgeBand, age_band, turns_age_at
from peerpath.accounts.models import AccountType, Block, Language, Profile, Topic, User
from peerpath.accounts.roles import LADDER_ROLES, Role
from peerpath.accounts.validators import validate_timezone
from peerpath.core.errors import Refused
from peerpath.safety import services as safety
from peerpath.safety.models import Channel

P = ParamSpec("P")
MAX_AGE_YEARS = 120
UNDER_13_MESSAGE = (
    "Thank you for wanting to join. peerpath is for people aged 13 and over, so we can't "
    "create an account for you yet. If you need someone to talk to now, please reach out to "
    "a trusted adult or a local helpline. Nothing you entered has been saved."
)


def check_birth_details(*, date_of_birth: dt.date, tz_name: str, at: dt.datetime) -> AgeBand:
    """Validate a date of birth in a time zone; return the band at ``at``.

    Raises ValidationError (keyed by field) for unknown zones, future or implausible dates
    and people under 13.
    """
    try:
        validate_timezone(tz_name)
    except ValidationError as exc:
        raise ValidationError({"timezone": exc.messages}) from exc
    tz = zoneinfo.ZoneInfo(tz_name)
    today = at.astimezone(tz).date()
    if date_of_birth > today:
        raise ValidationError({"date_of_birth": "Your date of birth can't be in the future."})
    if date_of_birth.year < today.year - MAX_AGE_YEARS:
        raise ValidationError({"date_of_birth": "Please check the year of your date of birth."})
    band = age_band(date_of_birth, tz, at)
    if band is AgeBand.CHILD:
        raise ValidationError({"date_of_birth": ValidationError(UNDER_13_MESSAGE, code="under_13")})
    return band


def apply_birth_details(user: User, *, date_of_birth: dt.date, tz_name: str) -> None:
    """Set date of birth, zone and the derived band thresholds on ``user`` (not saved).

    The one place ``teen_from`` / ``adult_from`` are computed; services and the admin call it.
    """
    tz = zoneinfo.ZoneInfo(tz_name)
    user.date_of_birth = date_of_birth
    user.timezone = tz_name
    user.teen_from = turns_age_at(date_of_birth, MIN_AGE, tz)
    user.adult_from = turns_age_at(date_of_birth, ADULT_AGE, tz)


@dataclass(frozen=True, slots=True)
class NewAccount:
    """A created account, and what screening its pseudonym and display name found (help
    for the new member to see on their first page)."""

    user: User
    screening: safety.Screening


@dataclass(frozen=True, slots=True)
class ProfileSaved:
    profile: Profile
    screening: safety.Screening


def profile_space(user: User) -> safety.Space:
    """Where profile texts are read. Nobody owns a profile but its person: a hit goes to the
    staff queue."""
    url = reverse("accounts:profile_detail", kwargs={"username": user.username})
    return safety.Space(channel=Channel.PROFILE, where=f"Profile of {user.username}", url=url)


def screen_profile(
    *, writer: User, profile: Profile, texts: Iterable[tuple[str, str]]
) -> safety.Screening:
    """Screen the profile texts ``writer`` changed (``(new, old)`` pairs): saving an unchanged
    bio again raises no second alert. The pages call it through ``update_profile``; a staff
    correction elsewhere (the admin) calls it directly, inside its transaction."""
    changed = [new for new, old in texts if new != old]
    return safety.screen(
        writer=writer, text=changed, space=profile_space(profile.user), source=profile
    )


@transaction.atomic
def open_account(
    *,
    username: str,
    email: str,
    password: str | None,
    date_of_birth: dt.date,
    tz_name: str,
    account_type: AccountType | str = AccountType.MEMBER,
    languages: Iterable[Language] = (),
    topics: Iterable[Topic] = (),
    display_name: str = "",
    user: User | None = None,
) -> NewAccount:
    """Create a user and their profile. Nothing is saved when anything is invalid.

    ``user`` lets the allauth adapter pass the instance it built; otherwise one is made.
    The pseudonym (and a display name) are screened once the account exists: others read
    them everywhere, and a crisis in them is answered with help on the first page.
    """
    now = timezone.now()
    check_birth_details(date_of_birth=date_of_birth, tz_name=tz_name, at=now)
    if policies.is_reserved_username(username):
        raise ValidationError({"username": "That pseudonym is reserved. Please pick another."})
    user = user or User()
    user.username = username.strip().lower()
    user.email = email.strip().lower()
    user.account_type = AccountType(account_type)
    user.listener_since = now if user.account_type == AccountType.LISTENER else None
    apply_birth_details(user, date_of_birth=date_of_birth, tz_name=tz_name)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    profile = Profile(user=user, display_name=display_name.strip())
    profile.full_clean()
    profile.save()
    profile.languages.set(list(languages))
    profile.topics.set(list(topics))
    space = profile_space(user)
    screening = safety.screen(writer=user, text=user.username, space=space, source=user, now=now)
    if not screening.flagged:
        screening = screen_profile(writer=user, profile=profile, texts=[(profile.display_name, "")])
    return NewAccount(user, screening)


def _user_only(open_: Callable[P, NewAccount]) -> Callable[P, User]:
    @functools.wraps(open_)
    def create(*args: P.args, **kwargs: P.kwargs) -> User:
        return open_(*args, **kwargs).user

    return create


# ``open_account`` for callers with nobody to show help to (demo data, factories, benches).
create_account = _user_only(open_account)


@transaction.atomic
def set_account_type(
    *, user: User, account_type: AccountType | str, at: dt.datetime | None = None
) -> User:
    """Switch between member and listener, keeping ``listener_since`` (the start of the
    current listener tenure) true. Switching to the type one already has changes nothing."""
    new_type = AccountType(account_type)
    if user.account_type == new_type:
        return user
    user.account_type = new_type
    user.listener_since = (at or timezone.now()) if new_type == AccountType.LISTENER else None
    user.save(update_fields=["account_type", "listener_since"])
    return user


@transaction.atomic
def switch_account_type(*, actor: User, account_type: AccountType | str) -> User:
    """A person switches their own account between member and listener (the account page),
    when ``policies.can_switch_account_type`` allows; the change is ``set_account_type``'s."""
    decision = policies.can_switch_account_type(actor, str(account_type))
    if not decision:
        raise Refused(decision.reason, status=409 if "already" in decision.reason else 403)
    return set_account_type(user=actor, account_type=account_type)


@transaction.atomic
def set_birth_details(*, user: User, date_of_birth: dt.date, tz_name: str) -> User:
    """Change date of birth and/or time zone, keeping the derived band thresholds exact."""
    check_birth_details(date_of_birth=date_of_birth, tz_name=tz_name, at=timezone.now())
    apply_birth_details(user, date_of_birth=date_of_birth, tz_name=tz_name)
    user.full_clean(exclude=["password"])
    user.save(update_fields=["date_of_birth", "timezone", "teen_from", "adult_from"])
    return user


@transaction.atomic
def update_profile(
    *,
    actor: User,
    user: User,
    display_name: str,
    bio: str,
    topics: Iterable[Topic],
    languages: Iterable[Language],
    availability: str,
    tz_name: str,
) -> ProfileSaved:
    """Save a profile; a changed display name or bio is screened (help for the writer)."""
    decision = policies.can_edit_profile(actor, user)
    if not decision:
        raise PermissionError(decision.reason)
    profile = user.profile
    # What is stored, not the instance: a bound ModelForm has already set the new texts on it.
    before = Profile.objects.filter(pk=profile.pk).values_list("display_name", "bio").get()
    profile.display_name = display_name.strip()
    profile.bio = bio.strip()
    profile.availability = availability
    profile.full_clean()
    if tz_name != user.timezone:
        set_birth_details(user=user, date_of_birth=user.date_of_birth, tz_name=tz_name)
    profile.save()
    profile.topics.set(list(topics))
    profile.languages.set(list(languages))
    screening = screen_profile(
        writer=actor,
        profile=profile,
        texts=[(profile.display_name, before[0]), (profile.bio, before[1])],
    )
    return ProfileSaved(profile, screening)


def check_suspension_end(until: dt.datetime) -> None:
    """A suspension ends in the future (forms call it before saving; ``suspend_user`` too)."""
    if until <= timezone.now():
        raise ValidationError({"suspended_until": "A suspension must end in the future."})


@transaction.atomic
def suspend_user(*, actor: User, user: User, until: dt.datetime, reason: str) -> User:
    if not policies.is_staff_member(actor):
        raise PermissionError("Only staff can suspend accounts.")
    check_suspension_end(until)
    user.suspended_until = until
    user.suspension_reason = reason.strip()[:500]
    user.save(update_fields=["suspended_until", "suspension_reason"])
    return user


@transaction.atomic
def lift_suspension(*, actor: User, user: User) -> User:
    if not policies.is_staff_member(actor):
        raise PermissionError("Only staff can lift suspensions.")
    user.suspended_until = None
    user.suspension_reason = ""
    user.save(update_fields=["suspended_until", "suspension_reason"])
    return user


def ensure_role_groups() -> dict[Role, Group]:
    return {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}


class LadderRoleError(ValueError):
    """A ladder role (``roles.LADDER_ROLES``) was given or taken outside the ladder."""


@transaction.atomic
def set_role_members(
    *,
    role: Role | str,
    add: Iterable[User | int] = (),
    remove: Iterable[User | int] = (),
) -> None:
    """Give and take a staff-granted role (``Role``: Staff, Mentor, Safeguarding team…),
    set-based (``role_groups.write_members``): one person or many cost the same few queries.

    The ladder's roles (``roles.LADDER_ROLES``: Moderator, Ambassador) are refused with
    ``LadderRoleError``: each is held only with its dated ladder award, so it is given with
    ``progression.services.awards.grant_by_staff`` and taken with ``revoke_award``."""
    if role in LADDER_ROLES:
        raise LadderRoleError(
            f"{role} is a ladder role: give it with "
            "progression.services.awards.grant_by_staff and take it with revoke_award, so it "
            "is held as an award with its date (accounts.services refuses it)."
        )
    role_groups.write_members(role=role, add=add, remove=remove)


def grant_role(*, user: User, role: Role) -> None:
    set_role_members(role=role, add=[user])


def revoke_role(*, user: User, role: Role) -> None:
    set_role_members(role=role, remove=[user])


@transaction.atomic
def block_user(*, blocker: User, blocked: User) -> Block:
    """Idempotent. Blocking is mutual in effect: neither can request, match or chat."""
    if blocker.pk == blocked.pk:
        raise ValidationError("You cannot block yourself.")
    block, _ = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    return block


@transaction.atomic
def unblock_user(*, blocker: User, blocked: User) -> None:
    """Idempotent. Lifts ``blocker``'s block of ``blocked`` (a block the other way stays);
    the page is ``accounts:blocked``."""
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()
