"""Factories that build users the way the product does: through accounts.services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import factory
from django.utils import timezone

from peerpath.accounts import services
from peerpath.accounts.models import AccountType, Language, User
from peerpath.accounts.roles import LADDER_ROLES, Role
from peerpath.progression.models import AwardSource
from peerpath.progression.selectors.awards import achievements_by_group
from peerpath.progression.services.awards import grant_award

PASSWORD = "correct-horse-battery"


def years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.now().date()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:
        born = today.replace(year=today.year - years, day=28)
    return born - dt.timedelta(days=days)


class UserFactory(factory.Factory):  # type: ignore[misc]
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = PASSWORD
    date_of_birth = factory.LazyFunction(lambda: years_ago(30, days=40))
    tz_name = "Europe/London"
    account_type = AccountType.MEMBER

    class Params:
        teen = factory.Trait(date_of_birth=factory.LazyFunction(lambda: years_ago(15, days=40)))
        listener = factory.Trait(account_type=AccountType.LISTENER)

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        roles = kwargs.pop("roles", ())
        english = Language.objects.filter(code="en")
        user = services.create_account(languages=english, **kwargs)
        for role in roles:
            if role in LADDER_ROLES:  # held with its dated award, as the ladder gives it
                grant_award(
                    user=user,
                    achievement=achievements_by_group()[role],
                    source=AwardSource.STAFF,
                    reasons="Given by a test.",
                )
            else:
                services.grant_role(user=user, role=role)
        return user

    @classmethod
    def _build(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        raise NotImplementedError("build users through create(): the service derives fields")


@dataclass
class World:
    teen_member: User
    adult_member: User
    teen_listener: User
    adult_listener: User
    mentor: User
    moderator: User
    ambassador: User
    staff: User
    suspended: User
    teen_peer: User
    adult_peer: User

    def by_role(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


class WorldBuilder:
    """One named user per role in the authorization matrix."""

    def build(self) -> World:
        make = UserFactory.create
        suspended = make(username="w-suspended")
        services.suspend_user(
            actor=make(username="w-admin", roles=[Role.STAFF]),
            user=suspended,
            until=timezone.now() + dt.timedelta(days=3),
            reason="Repeated rudeness in rooms.",
        )
        return World(
            teen_member=make(username="w-teen-member", teen=True),
            adult_member=make(username="w-adult-member"),
            teen_listener=make(username="w-teen-listener", teen=True, listener=True),
            adult_listener=make(username="w-adult-listener", listener=True),
            mentor=make(username="w-mentor", listener=True, roles=[Role.MENTOR]),
            moderator=make(username="w-moderator", listener=True, roles=[Role.MODERATOR]),
            ambassador=make(username="w-ambassador", listener=True, roles=[Role.AMBASSADOR]),
            staff=make(username="w-staff", roles=[Role.STAFF]),
            suspended=suspended,
            teen_peer=make(username="w-teen-peer", teen=True, listener=True),
            adult_peer=make(username="w-adult-peer", listener=True),
        )
