"""Refusals a service raises and every entry point (view, consumer, API) turns into a clear
message with a 4xx status; never a 500, and nothing written (services are atomic)."""

from __future__ import annotations

from peerpath.core.decisions import Decision


class Refused(Exception):
    """The request was understood and refused; ``message`` is for the person who asked."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    @classmethod
    def unless(cls, decision: Decision, *, status: int | None = None) -> None:
        if not decision:
            raise cls(decision.reason, status=status)


class Invalid(Refused):
    """Input that did not validate; ``fields``: the messages per field, for a caller that
    shows them next to its fields (a page's script asking for JSON)."""

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class NotFound(Refused):
    """Missing, or not for this person's eyes: both look the same."""

    status = 404


class Forbidden(Refused):
    status = 403


class Conflict(Refused):
    """Lost a race or the state moved on (e.g. the last slot was just taken)."""

    status = 409


class RateLimited(Refused):
    status = 429
