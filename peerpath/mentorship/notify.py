"""Telling people what happened in mentoring, through the one notification service.

In-app notices and e-mail (after commit, honouring each person's preferences and quiet
hours) come from ``peerpath.notifications.services``. Nothing private (chat content) ever
goes into one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from peerpath.accounts.models import User
from peerpath.notifications import services as notifications

MENTORING_URL = "/mentorships/"


def notify(users: Iterable[User], subject: str, body: str, *, url: str = MENTORING_URL) -> None:
    notifications.notify(users, "mentorship", subject, body, url=url, source="mentorship")


# A proposal from matching that ends before it starts (the mentor declines, it expires, or
# the mentee asks for someone else): each side hears of it once, from these, with a link to
# what they can do next.

NEXT_ROUND = (
    "We'll include you in the next matching round, or you can choose a mentor yourself in "
    "the directory now."
)


def tell_mentee_proposal_ended(mentee: User, why: str) -> None:
    """``why`` is what happened ("Sam can't take you on right now."); the rest is what next."""
    notify(
        [mentee],
        "Your proposed mentor",
        f"{why} {NEXT_ROUND}",
        url=reverse("mentorship:directory"),
    )


def tell_mentor_proposal_ended(mentor: User, why: str) -> None:
    notify(
        [mentor],
        "A proposed mentee",
        f"{why} Nothing else to do: your place stays free for the next match.",
        url=reverse("mentorship:hub"),
    )


def staff_members() -> list[User]:
    return list(User.objects.staff())


def notify_staff(subject: str, body: str, *, url: str = "") -> None:
    notifications.notify(staff_members(), "staff", subject, body, url=url, source="mentorship")


# Staff never open a pair's space (``/mentorships/<id>/`` is the two's only, 404 for anyone
# else): their links go to the staff view of the pair, the flag or the ticket in the admin.


def staff_pair_url(mentorship_id: int) -> str:
    """The staff view of a pair: its state, conversation log and check-ins (never the chat)."""
    return reverse("admin:mentorship_mentorship_change", args=[mentorship_id])


def staff_flag_url(flag_id: int) -> str:
    return reverse("admin:mentorship_flag_change", args=[flag_id])


def staff_ticket_url(ticket_id: int) -> str:
    return reverse("admin:mentorship_staffticket_change", args=[ticket_id])
