"""Helpers of the mentoring tests: page text, escaping, the usual active pair, and the
service tests' row counts."""

from __future__ import annotations

import re
from typing import Any

from peerpath.accounts.models import User
from peerpath.mentorship.models import MentorRequest, Mentorship, Message, RequestTarget
from peerpath.mentorship.tests.factories import make_mentorship

CSRF_RE = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')
XSS = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
GOAL = "I'd like to get better at supporting people with anxiety."


def masked(content: bytes) -> bytes:
    return CSRF_RE.sub(rb"\1", content)


def text(response: Any) -> str:
    return str(response.content.decode())


def results(response: Any) -> str:
    """The directory's results only (the "suggested for you" box lists mentors too)."""
    return text(response).split('id="directory-results"', 1)[1]


def active_pair(people: dict[str, User]) -> Mentorship:
    return make_mentorship(people["mentor"], people["listener"], goal="Find my footing")


def counts() -> tuple[int, int, int, int]:
    return (
        MentorRequest.objects.count(),
        RequestTarget.objects.count(),
        Mentorship.objects.count(),
        Message.objects.count(),
    )
