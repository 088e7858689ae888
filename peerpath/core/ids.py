"""What counts as a database id in anything a client sends (URL, query string, form, API,
socket frame): the one home of the bound, so an absurd number is a plain "no such thing"
and never reaches a query (SQLite raises ``OverflowError`` past 64 bits; PostgreSQL would
compare it as a numeric)."""

from __future__ import annotations

from typing import TypeGuard

#: The largest id a (64-bit, signed) database key can hold, on SQLite and PostgreSQL alike.
MAX_DB_ID = 2**63 - 1
#: Digits in the largest id: a longer run of digits is refused before ``int()`` reads it.
MAX_DB_ID_DIGITS = len(str(MAX_DB_ID))


def is_db_id(value: object) -> TypeGuard[int]:
    """A non-negative integer that fits a database id (JSON ``true`` is not an id)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_DB_ID


def parse_db_id(value: object) -> int | None:
    """The id written in ``value`` (an int, or a string of ASCII digits with optional
    surrounding spaces), or None when it is not one: negative, too large, ``"²"`` or ``"٣"``
    (which ``str.isdigit`` accepts), ``"1e3"``, ``True``..."""
    if is_db_id(value):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_DB_ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_DB_ID else None
