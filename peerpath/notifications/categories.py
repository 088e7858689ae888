"""The kinds of things peerpath tells people, as data.

Every notification names one category; preferences (per category and channel) default to
the category's ``email_default`` / ``in_app_default`` until the person overrides them. A
category with ``can_unsubscribe=False`` (account and security notices) always e-mails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Category:
    slug: str
    label: str
    description: str
    email_default: bool
    in_app_default: bool
    can_unsubscribe: bool = True


def _index(*categories: Category) -> dict[str, Category]:
    return {c.slug: c for c in categories}


CATEGORIES: Final[dict[str, Category]] = _index(
    Category(
        "welcome",
        "Welcome",
        "Getting started after you join.",
        email_default=True,
        in_app_default=True,
    ),
    Category(
        "mentorship",
        "Mentoring",
        "Mentor requests, matches and news about your mentoring pair.",
        email_default=True,
        in_app_default=True,
    ),
    Category(
        "checkins",
        "Check-in reminders",
        "Reminders to check in with your mentor, log conversations and follow up flags.",
        email_default=True,
        in_app_default=True,
    ),
    Category(
        "celebrations",
        "Celebrations",
        "Milestones worth celebrating.",
        email_default=False,
        in_app_default=True,
    ),
    Category(
        "training",
        "Training and deadlines",
        "Trainings and the deadlines of your roles' obligations.",
        email_default=True,
        in_app_default=True,
    ),
    Category(
        "events",
        "Events",
        "Sessions and community events.",
        email_default=False,
        in_app_default=True,
    ),
    Category(
        "progression",
        "Your path",
        "Roles, badges, certificates and buddies.",
        email_default=True,
        in_app_default=True,
    ),
    Category(
        "rooms",
        "Rooms",
        "News from the group support rooms.",
        email_default=False,
        in_app_default=True,
    ),
    Category(
        "staff",
        "Staff alerts",
        "Alerts for program staff: tickets, urgent flags.",
        email_default=True,
        in_app_default=True,
    ),
    Category(
        "announcements",
        "Announcements",
        "Messages from the people who run the program.",
        email_default=True,
        in_app_default=True,
    ),
    Category(
        "safety",
        "Safeguarding alerts",
        "Someone in a space you look after may be in danger. These cannot be switched off.",
        email_default=False,
        in_app_default=True,
        can_unsubscribe=False,
    ),
    Category(
        "account",
        "Account and security",
        "Notices about your account's security. These cannot be switched off.",
        email_default=True,
        in_app_default=True,
        can_unsubscribe=False,
    ),
)


def get_category(slug: str) -> Category:
    """The category named ``slug``; ValueError for an unknown one."""
    try:
        return CATEGORIES[slug]
    except KeyError:
        raise ValueError(f"Unknown notification category {slug!r}.") from None
