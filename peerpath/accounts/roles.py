"""Staff-granted roles, held as Django groups. Ladder roles (issue: progression) are data."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    STAFF = "Staff"
    AMBASSADOR = "Ambassador"
    MODERATOR = "Moderator"
    MENTOR = "Mentor"


STAFF_GRANTED_ROLES: tuple[Role, ...] = tuple(Role)
