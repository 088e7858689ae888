"""URL converters shared by every app's URLconf (registered once, on import)."""

from __future__ import annotations

from django.urls import register_converter


class IdConverter:
    """A database id: 1 to 18 digits, so absurd numbers are a plain 404 and never reach a
    query (where they would overflow a 64-bit integer)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
