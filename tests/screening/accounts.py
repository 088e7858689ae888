"""Screening writers for accounts: the pseudonym at sign-up, and the profile's texts."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from django.db.models import Model

from peerpath.accounts import services
from peerpath.accounts.models import Language, User
from peerpath.accounts.tests.factories import PASSWORD, UserFactory, years_ago

_seq = itertools.count(1)
PSEUDONYM_MAX = 30


def pseudonym(text: str) -> str:
    """The words of ``text`` joined the way a pseudonym allows ("i_want_to_..."), as many
    as fit."""
    name = ""
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        longer = f"{name}_{word}" if name else word
        if len(longer) > PSEUDONYM_MAX:
            break
        name = longer
    return name


def sign_up(text: str) -> Model:
    """What the sign-up form's adapter calls."""
    n = next(_seq)
    opened = services.open_account(
        username=pseudonym(text),
        email=f"signup{n}@example.org",
        password=PASSWORD,
        date_of_birth=years_ago(16),
        tz_name="Europe/London",
        languages=Language.objects.filter(code="en"),
    )
    return opened.user


def _edit_profile(user: User, *, display_name: str = "", bio: str = "") -> Model:
    """What the profile form's view calls."""
    profile = user.profile
    saved = services.update_profile(
        actor=user,
        user=user,
        display_name=display_name,
        bio=bio,
        topics=profile.topics.all(),
        languages=profile.languages.all(),
        availability=profile.availability,
        tz_name=user.timezone,
    )
    return saved.profile


WRITERS: dict[str, Callable[[str], Model]] = {
    "accounts.User.username": sign_up,
    "accounts.Profile.display_name": lambda text: _edit_profile(
        UserFactory.create(teen=True), display_name=text[:50]
    ),
    "accounts.Profile.bio": lambda text: _edit_profile(UserFactory.create(), bio=text),
}
