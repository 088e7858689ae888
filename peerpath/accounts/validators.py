from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from peerpath.accounts.ageband import is_valid_timezone

HOURS_PER_WEEK = 168
PSEUDONYM_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


@deconstructible
class PseudonymValidator:
    message = (
        "Use 3–30 letters, digits, dots, dashes or underscores, starting and ending with a "
        "letter or digit. Please don't use your real name."
    )
    code = "invalid_username"

    def __call__(self, value: str) -> None:
        if not (3 <= len(value) <= 30) or not PSEUDONYM_RE.match(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PseudonymValidator)

    def __hash__(self) -> int:
        return hash(type(self))


def validate_timezone(value: str) -> None:
    if not is_valid_timezone(value):
        raise ValidationError(
            "%(value)s is not a time zone we know. Pick one such as Europe/London.",
            code="invalid_timezone",
            params={"value": value[:64]},
        )


def validate_availability(value: str) -> None:
    if len(value) != HOURS_PER_WEEK or set(value) - {"0", "1"}:
        raise ValidationError(
            "Weekly availability must mark each of the 168 hours of the week.",
            code="invalid_availability",
        )
