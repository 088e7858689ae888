"""What several mentoring pages share."""

from __future__ import annotations

from peerpath.accounts.models import User
from peerpath.core.errors import NotFound
from peerpath.mentorship import policies
from peerpath.mentorship.models import Mentorship

MAX_USERNAME_CHARS = 150


FLAG_RESOURCES_KEY = "mentorship.flag_resources_topic"


def check_username(username: str) -> str:
    """Names no account can have are simply missing (and never reach the database)."""
    if len(username) > MAX_USERNAME_CHARS or "\x00" in username:
        raise NotFound(policies.NOT_FOUND)
    return username


def other_party(user: User, m: Mentorship) -> User:
    return m.mentee if user.pk == m.mentor_id else m.mentor
