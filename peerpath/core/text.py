"""Checking free text people type (messages, descriptions, titles) before it is stored."""

from __future__ import annotations

from typing import Any

from peerpath.core.errors import Refused


def clean_text(value: Any, *, what: str, max_chars: int, required: bool = True) -> str:
    """Stripped text, or ``Refused`` naming the problem (not text, empty, too long, NUL)."""
    if value is not None and not isinstance(value, str):
        raise Refused(f"The {what} must be text.")
    text = (value or "").strip()
    if required and not text:
        raise Refused(f"Please write a {what}.")
    if len(text) > max_chars:
        raise Refused(f"The {what} is too long ({len(text)} characters; the limit is {max_chars}).")
    if "\x00" in text:
        raise Refused(f"The {what} contains characters that are not allowed.")
    return text
