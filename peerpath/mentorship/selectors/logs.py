"""Reads for the pair's log: conversations and check-ins."""

from __future__ import annotations

from peerpath.mentorship.models import (
    CheckIn,
    Conversation,
    Mentorship,
)


def conversations_of(mentorship: Mentorship, limit: int = 50) -> list[Conversation]:
    return list(
        mentorship.conversations.select_related("logged_by__profile").order_by("-day", "-id")[
            :limit
        ]
    )


def check_ins_of(mentorship: Mentorship, limit: int = 20) -> list[CheckIn]:
    return list(
        mentorship.check_ins.select_related("author__profile").order_by("-created_at", "-id")[
            :limit
        ]
    )
