"""Staff-granted roles, held as Django groups. Ladder roles (issue: progression) are data."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Role(StrEnum):
    STAFF = "Staff"
    AMBASSADOR = "Ambassador"
    MODERATOR = "Moderator"
    MENTOR = "Mentor"
    # Staff who answer safeguarding alerts: told of every alert in a private space, and the
    # ones the escalation e-mail is for when no contact address is configured.
    SAFEGUARDING = "Safeguarding team"


STAFF_GRANTED_ROLES: tuple[Role, ...] = tuple(Role)

# The roles the leadership ladder gives (the ``group_name`` of its Chatroom Moderator and
# Group Support Ambassador, progression/ladders/ladder.toml): declared here, once, so that
# accounts, which may not import progression, can tell them apart. Each is held only with
# its ladder award (dated, audited, with its certificate), so it is given and taken only
# through ``progression.services.awards`` (``grant_by_staff``, ``revoke_award``);
# ``accounts.services`` refuses them, and the ladder refuses a ``group_name`` not listed.
LADDER_ROLES: Final = frozenset({Role.MODERATOR, Role.AMBASSADOR})
