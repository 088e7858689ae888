"""Setup helpers for progression tests: people with a past, activity at chosen times, the
path pages' people and requests, buddies, and the structural checks of a PDF."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.services import record_activities_bulk
from peerpath.progression.models import Achievement, Application, Award, AwardSource, BuddyPair
from peerpath.progression.services.applications import apply_for_role
from peerpath.progression.services.awards import grant_award


def make_person(
    *,
    teen: bool = False,
    listener: bool = True,
    days_ago: float = 0,
    at: dt.datetime | None = None,
    **kwargs: Any,
) -> User:
    """A person who joined (and, for listeners, became one) ``days_ago`` before ``at``."""
    user: User = UserFactory.create(teen=teen, listener=listener, **kwargs)
    joined = (at or timezone.now()) - dt.timedelta(days=days_ago)
    User.objects.filter(pk=user.pk).update(
        date_joined=joined, listener_since=joined if listener else None
    )
    user.refresh_from_db()
    return user


def add_events(
    user: User, kind: ActivityKind | str, n: int, *, at: dt.datetime | None = None
) -> None:
    when = at or timezone.now() - dt.timedelta(hours=1)
    record_activities_bulk(
        ActivityEvent(user=user, kind=ActivityKind(kind), occurred_at=when) for _ in range(n)
    )


def achievement(slug: str) -> Achievement:
    return Achievement.objects.get(slug=slug)


def award_of(user: User, slug: str) -> Award | None:
    return Award.objects.filter(user=user, achievement__slug=slug).first()


def state_of(user: User, slug: str) -> str | None:
    award = award_of(user, slug)
    return award.state if award else None


# --- the path pages ---------------------------------------------------------------------


PATH = "/path/"
REVIEWS = "/path/reviews/"
MODERATOR_APPLY = "/path/apply/chatroom-moderator/"
STATEMENT = "I have hosted the evening room for a month and want to keep it kind."
XSS = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
CSRF_RE = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')


def masked(content: bytes) -> bytes:
    return CSRF_RE.sub(rb"\1", content)


def text(response: Any) -> str:
    return str(response.content.decode())


def item_html(response: Any, slug: str) -> str:
    """The HTML of one role or milestone on /path/."""
    body = text(response)
    start = body.index(f'id="item-{slug}"')
    end = body.find('<li class="path-item', start)
    return body[start : end if end != -1 else len(body)]


def events(user: User, kind: str, n: int, *, days_ago: float = 1) -> None:
    at = timezone.now() - dt.timedelta(days=days_ago)
    record_activities_bulk(
        ActivityEvent(user=user, kind=kind, occurred_at=at - dt.timedelta(minutes=i))
        for i in range(n)
    )


def grant(user: User, slug: str, *, days_ago: float = 0, track: str = "") -> Award:
    """Grant by staff, ``days_ago`` days ago."""
    return grant_award(
        user=user,
        achievement=achievement(slug),
        source=AwardSource.STAFF,
        reasons="test",
        at=timezone.now() - dt.timedelta(days=days_ago),
        track=track,
    )


def make_moderator_eligible(user: User) -> User:
    """Room Supporter for 40 days, 20 group chats and 3 positive reviews."""
    grant(user, "room-supporter", days_ago=40)
    events(user, ActivityKind.GROUP_CHAT, 20)
    events(user, ActivityKind.REVIEW_POSITIVE, 3)
    return user


def listener(username: str, *, teen: bool = False) -> User:
    user: User = UserFactory.create(username=username, listener=True, teen=teen)
    return user


def staff_user(username: str = "sam-staff") -> User:
    user: User = UserFactory.create(username=username, roles=[Role.STAFF])
    return user


def apply_now(user: User, slug: str = "chatroom-moderator", **kwargs: Any) -> Application:
    return apply_for_role(
        user=user, achievement=achievement(slug), statement=STATEMENT, **kwargs
    ).application


# --- buddies ---------------------------------------------------------------------------


TRACK_II = "Track II: quality of the group chats"
BUDDIES_URL = "/path/buddies/"


def leader(
    name: str,
    *,
    teen: bool = False,
    slug: str = "chatroom-moderator",
    days: float = 100,
    track: str = "",
    **kwargs: Any,
) -> User:
    user: User = UserFactory.create(username=name, teen=teen, listener=True, **kwargs)
    grant(user, slug, days_ago=days, track=track)
    return user


def newcomer(
    name: str, *, teen: bool = False, slug: str = "room-supporter", days: float = 2, **kwargs: Any
) -> User:
    user: User = UserFactory.create(username=name, teen=teen, listener=True, **kwargs)
    grant(user, slug, days_ago=days)
    return user


def buddy_of(user: User) -> str | None:
    pair = BuddyPair.objects.filter(newcomer=user).select_related("buddy").first()
    return pair.buddy.username if pair else None


def fill(buddy: User, n: int) -> None:
    """Give ``buddy`` n active pairs with other (already paired) newcomers."""
    for i in range(n):
        other = newcomer(f"filler-{buddy.username}-{i}", teen=buddy.is_teen)
        BuddyPair.objects.create(
            newcomer=other,
            buddy=buddy,
            achievement=Achievement.objects.get(slug="room-supporter"),
            check_in_due=timezone.now() + dt.timedelta(days=14),
        )


# --- PDF checks ------------------------------------------------------------------------


def pdf_strings(pdf: bytes) -> list[str]:
    """Decode every literal string shown with ``Tj`` in the PDF, as a PDF reader would
    (balanced parentheses, backslash escapes, octal escapes), to Latin-1 text."""
    out: list[str] = []
    i = 0
    while (start := pdf.find(b"(", i)) != -1:
        depth, j, buf = 1, start + 1, bytearray()
        while depth:
            c = pdf[j]
            if c == 0x5C:  # backslash
                nxt = pdf[j + 1]
                if 0x30 <= nxt <= 0x37:
                    digits = re.match(rb"[0-7]{1,3}", pdf[j + 1 : j + 4])
                    assert digits is not None
                    buf.append(int(digits.group(), 8))
                    j += 1 + len(digits.group())
                    continue
                escapes = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
                buf.append(escapes.get(nxt, nxt))
                j += 2
                continue
            if c == 0x28:
                depth += 1
            elif c == 0x29:
                depth -= 1
                if depth == 0:
                    break
            buf.append(c)
            j += 1
        if pdf[j + 1 : j + 4] == b" Tj":
            out.append(buf.decode("latin-1"))
        i = j + 1
    return out


def check_pdf_structure(pdf: bytes) -> None:
    """Header, trailer, startxref, every xref offset pointing at its ``N 0 obj``, and each
    stream's /Length exact."""
    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    m = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", pdf)
    assert m, "no startxref"
    xref_at = int(m.group(1))
    assert pdf[xref_at:].startswith(b"xref")
    lines = pdf[xref_at:].split(b"\n")
    first, count = (int(x) for x in lines[1].split())
    assert first == 0
    entries = lines[2 : 2 + count]
    assert entries[0] == b"0000000000 65535 f "
    for number, entry in enumerate(entries[1:], start=1):
        assert len(entry) + 1 == 20, "xref entries are exactly 20 bytes"
        offset, gen, kind = entry.split()
        assert (gen, kind) == (b"00000", b"n")
        assert pdf[int(offset) :].startswith(b"%d 0 obj" % number), f"object {number}"
    assert re.search(rb"/Size %d\b" % count, pdf)
    for sm in re.finditer(rb"/Length (\d+) >>\nstream\n", pdf):
        length = int(sm.group(1))
        assert pdf[sm.end() + length :].startswith(b"\nendstream")
