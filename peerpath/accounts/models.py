from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from peerpath.accounts.ageband import AgeBand, age_band
from peerpath.accounts.roles import Role
from peerpath.accounts.validators import (
    HOURS_PER_WEEK,
    PseudonymValidator,
    validate_availability,
    validate_timezone,
)
from peerpath.core.models import BaseModel


class AccountType(models.TextChoices):
    MEMBER = "member", "Member"
    LISTENER = "listener", "Listener"


class Topic(models.Model):
    """A support topic from the community's fixed taxonomy (seeded by a data migration)."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "support topic"

    def __str__(self) -> str:
        return self.name


class Language(models.Model):
    code = models.CharField(max_length=12, unique=True, help_text="BCP 47 tag, e.g. en, pt-BR")
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserQuerySet(models.QuerySet["User"]):
    def in_age_band(self, band: AgeBand, at: dt.datetime | None = None) -> UserQuerySet:
        at = at or timezone.now()
        if band is AgeBand.ADULT:
            return self.filter(adult_from__lte=at)
        if band is AgeBand.TEEN:
            return self.filter(teen_from__lte=at, adult_from__gt=at)
        return self.filter(teen_from__gt=at)

    def teens(self, at: dt.datetime | None = None) -> UserQuerySet:
        return self.in_age_band(AgeBand.TEEN, at)

    def adults(self, at: dt.datetime | None = None) -> UserQuerySet:
        return self.in_age_band(AgeBand.ADULT, at)

    def listeners(self) -> UserQuerySet:
        return self.filter(account_type=AccountType.LISTENER)

    def members(self) -> UserQuerySet:
        return self.filter(account_type=AccountType.MEMBER)

    def by_pseudonym(self, name: str, *, active: bool = True) -> UserQuerySet:
        """The person with this pseudonym (case-insensitive, surrounding spaces ignored);
        ``active=False`` also finds deactivated accounts. Use ``.first()``."""
        qs = self.filter(username__iexact=str(name).strip())
        return qs.filter(is_active=True) if active else qs

    def with_role(self, role: Role) -> UserQuerySet:
        """Holders of a staff-granted role (a Django group)."""
        return self.filter(groups__name=role.value)

    def staff(self) -> UserQuerySet:
        """Active staff members: the same rule as ``accounts.policies.is_staff_member``."""
        return (
            self.filter(is_active=True)
            .filter(
                models.Q(is_staff=True)
                | models.Q(is_superuser=True)
                | models.Q(groups__name=Role.STAFF.value)
            )
            .distinct()
        )

    def not_suspended(self, at: dt.datetime | None = None) -> UserQuerySet:
        at = at or timezone.now()
        return self.filter(
            models.Q(suspended_until__isnull=True) | models.Q(suspended_until__lte=at)
        )


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    """Django's user manager with the age-band and role filters of UserQuerySet."""


class User(AbstractUser):
    """A pseudonymous account. No real name is ever asked for or stored."""

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]

    username = models.CharField(
        "pseudonym",
        max_length=30,
        unique=True,
        validators=[PseudonymValidator()],
        help_text="Shown to others. 3–30 letters, digits, dots, dashes or underscores.",
        error_messages={"unique": "That pseudonym is taken. Try another."},
    )
    email = models.EmailField(
        "email address", blank=True, help_text="Only for password resets; never shown."
    )
    date_of_birth = models.DateField()
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    account_type = models.CharField(
        max_length=16, choices=AccountType.choices, default=AccountType.MEMBER
    )
    # When the account last became a listener ("4+ weeks as a listener"); None for members.
    # Written only by accounts.services (create_account, set_account_type).
    listener_since = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    # Derived from date_of_birth + timezone (accounts.services.set_birth_details is the only
    # writer). Stored so that "every teen" or "every adult" is an exact, indexed query: a teen
    # becomes adult at adult_from without anyone acting.
    teen_from = models.DateTimeField(editable=False)
    adult_from = models.DateTimeField(editable=False, db_index=True)
    suspended_until = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=500, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    REQUIRED_FIELDS = ["email", "date_of_birth"]

    class Meta:
        verbose_name = "user"
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(adult_from__gt=models.F("teen_from")),
                name="accounts_user_adult_after_teen",
            ),
        ]
        # "Who crossed 4 weeks since joining since the last ladder run" is a range query.
        indexes = [models.Index(fields=["date_joined"], name="accounts_user_joined")]

    def __str__(self) -> str:
        return self.username

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def age_band_at(self, at: dt.datetime) -> AgeBand:
        return age_band(self.date_of_birth, self.tzinfo, at)

    @property
    def age_band(self) -> AgeBand:
        return self.age_band_at(timezone.now())

    @property
    def is_teen(self) -> bool:
        return self.age_band is AgeBand.TEEN

    @property
    def is_listener(self) -> bool:
        return self.account_type == AccountType.LISTENER

    def is_suspended_at(self, at: dt.datetime) -> bool:
        return self.suspended_until is not None and self.suspended_until > at

    @property
    def is_suspended(self) -> bool:
        return self.is_suspended_at(timezone.now())

    @property
    def role_names(self) -> frozenset[str]:
        """Names of staff-granted roles (groups); cached per instance."""
        cached: frozenset[str] | None = getattr(self, "_role_names", None)
        if cached is None:
            cached = (
                frozenset(self.groups.values_list("name", flat=True)) if self.pk else frozenset()
            )
            self._role_names = cached
        return cached

    def has_role(self, role: Role) -> bool:
        return role.value in self.role_names


def empty_availability() -> str:
    return "0" * HOURS_PER_WEEK


class Profile(BaseModel):
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    display_name = models.CharField(max_length=50, blank=True)
    bio = models.TextField(max_length=1000, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="profiles")
    languages = models.ManyToManyField(Language, blank=True, related_name="profiles")
    # One character per hour of the week in the user's own zone, Monday 00:00 first:
    # "1" = usually available. A flat string so matching can vectorize it (NumPy).
    availability = models.CharField(
        max_length=HOURS_PER_WEEK, default=empty_availability, validators=[validate_availability]
    )

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    @property
    def shown_name(self) -> str:
        return self.display_name or self.user.username

    def available_hours(self) -> list[int]:
        return [i for i, c in enumerate(self.availability) if c == "1"]


class Block(models.Model):
    """``blocker`` never wants contact with ``blocked``: no requests, matches or chat either
    way (the policies treat a block as mutual)."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="accounts_block_once"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="accounts_block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"
