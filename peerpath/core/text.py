"""Free text people type (messages, descriptions, titles, ids of their own making): the one
cleaner every entry point uses before anything is stored.

The rules (``sanitize``), for form fields (``core.forms``), services (``clean_text``), socket
frames and API schemas alike:

- **Refused** with a clear message: NUL (databases choke on it: PostgreSQL refuses the query)
  and lone surrogates (not text at all: they cannot be encoded, and only arrive through
  hand-made JSON ``"\\ud800"``).
- **Removed**: every other control character (C0, DEL, C1), except newline and tab in
  multi-line text, and the bidirectional embeddings, overrides and isolates (U+202A to U+202E,
  U+2066 to U+2069), which reorder what a reader, a CSV viewer or a log shows ("Trojan Source").
  Removing rather than refusing: browsers and pasted text carry them by accident far more
  often than on purpose, and the text stays what the person meant.
- **Line breaks** become ``\\n`` (CRLF and lone CR from browsers, U+2028/U+2029); in
  single-line text every line break and tab becomes a space.
- **NFC**: canonically equivalent spellings (a precomposed "é" and "e" + combining accent)
  are stored the same, so search, uniqueness and length limits agree with what people see.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from peerpath.core.errors import Refused

#: Controls dropped everywhere: C0 except tab, newline and carriage return; DEL; C1.
_CONTROLS = "\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
#: Bidirectional embeddings and overrides (LRE RLE PDF LRO RLO) and isolates (LRI RLI FSI PDI).
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_DROP = re.compile(f"[{_CONTROLS}{BIDI_CONTROLS}]")
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029]")
_SINGLE_LINE_SPACE = re.compile("[\n\t]")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: A client-made id (e.g. a chat message's ``client_id``): visible ASCII only.
_CLIENT_ID = re.compile("[!-~]*")
CLIENT_ID_MAX_CHARS = 64

NUL_MESSAGE = "contains a NUL character (\\0), which is not allowed. Please remove it."
SURROGATE_MESSAGE = "contains characters that are not valid text (lone surrogates)."


class UnsafeText(ValueError):
    """Text that cannot be stored as given (NUL, lone surrogates); ``reason`` completes a
    sentence starting with the field's name ("The title contains ...")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sanitize(value: str, *, multiline: bool = True) -> str:
    """``value`` made safe to store and show (see the module docstring); not stripped, not
    length-checked. Raises ``UnsafeText`` for NUL and lone surrogates."""
    if "\x00" in value:
        raise UnsafeText(NUL_MESSAGE)
    if _SURROGATE.search(value):
        raise UnsafeText(SURROGATE_MESSAGE)
    if value.isascii() and value.isprintable():  # the common case: nothing to do
        return value
    text = _DROP.sub("", _LINE_BREAKS.sub("\n", value))
    if not multiline:
        text = _SINGLE_LINE_SPACE.sub(" ", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def strip_unsafe(value: str, *, multiline: bool = True) -> str:
    """For output (CSV cells, iCalendar text, log lines) of text that may predate the cleaner:
    what ``sanitize`` would store, with NUL and lone surrogates dropped instead of refused."""
    return sanitize(_SURROGATE.sub("", value.replace("\x00", "")), multiline=multiline)


def clean_text(
    value: Any, *, what: str, max_chars: int, required: bool = True, multiline: bool = True
) -> str:
    """Stripped, sanitized text, or ``Refused`` naming the problem (not text, NUL, empty, too
    long). The length is counted after cleaning, as it will be stored."""
    if value is not None and not isinstance(value, str):
        raise Refused(f"The {what} must be text.")
    try:
        text = sanitize(value or "", multiline=multiline).strip()
    except UnsafeText as exc:
        raise Refused(f"The {what} {exc.reason}") from exc
    if required and not text:
        raise Refused(f"Please write a {what}.")
    if len(text) > max_chars:
        raise Refused(
            f"The {what} is too long ({len(text):,} characters; the limit is {max_chars:,})."
        )
    return text


def clean_client_id(value: Any) -> str:
    """A client-made idempotency key (a UUID from the chat scripts): stripped, at most 64
    visible ASCII characters, or ``Refused``. Empty means "no key"."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Refused("client_id must be text.")
    key = value.strip()
    if len(key) > CLIENT_ID_MAX_CHARS or not _CLIENT_ID.fullmatch(key):
        raise Refused(
            f"client_id must be at most {CLIENT_ID_MAX_CHARS} letters, digits or punctuation "
            "(no spaces or control characters)."
        )
    return key
