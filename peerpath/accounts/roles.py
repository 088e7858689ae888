"""Staff-granted roles, held as Django groups. Ladder roles (issue: progression) are data."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    STAFF = "Staff"
    AMBASSADOR = "Ambassador"
    MODERATOR = "Moderator"
    MENTOR = "Mentor"
    # Staff who answer safeguarding alerts: told of every alert in a private space, and the
    # ones the escalation e-mail is for when no contact address is configured.
    SAFEGUARDING = "Safeguarding team"


STAFF_GRANTED_ROLES: tuple[Role, ...] = tuple(Role)
