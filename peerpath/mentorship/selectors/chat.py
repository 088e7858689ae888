"""Reads for the chat: unread counts, recent messages, the resync after a reconnect."""

from __future__ import annotations

from django.db.models import (
    Count,
    Q,
)

from peerpath.accounts.models import User
from peerpath.mentorship.models import (
    Mentorship,
    MentorshipStatus,
    Message,
)


def unread_counts(user: User, mentorships: list[Mentorship]) -> dict[int, int]:
    """{mentorship id: messages from the other side after the user's last read}, one query."""
    cond = Q()
    for m in mentorships:
        if m.status != MentorshipStatus.ACTIVE:
            continue
        last = m.mentor_last_read if user.pk == m.mentor_id else m.mentee_last_read
        cond |= Q(mentorship_id=m.pk, id__gt=last)
    if not cond:
        return {}
    rows = (
        Message.objects.filter(cond)
        .exclude(sender_id=user.pk)
        .values("mentorship_id")
        .annotate(n=Count("id"))
    )
    return {r["mentorship_id"]: r["n"] for r in rows}


def messages_after(mentorship_id: int, after_id: int = 0, limit: int = 200) -> list[Message]:
    """Messages with id > ``after_id`` in order (the resync after a reconnect)."""
    return list(
        Message.objects.filter(mentorship_id=mentorship_id, id__gt=after_id)
        .select_related("sender__profile")
        .order_by("id")[:limit]
    )


def recent_messages(mentorship_id: int, limit: int = 50) -> list[Message]:
    rows = list(
        Message.objects.filter(mentorship_id=mentorship_id)
        .select_related("sender__profile")
        .order_by("-id")[:limit]
    )
    rows.reverse()
    return rows
