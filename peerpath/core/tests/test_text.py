"""The one text cleaner (``core.text``) and the one id bound (``core.ids``): pure, no database."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerpath.core.errors import Refused
from peerpath.core.ids import MAX_DB_ID, is_db_id, parse_db_id
from peerpath.core.text import (
    UnsafeText,
    clean_client_id,
    clean_text,
    sanitize,
    strip_unsafe,
)

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: What stored text may never contain (besides NUL and surrogates, which are refused).
UNSAFE = re.compile("[\x01-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


# --- sanitize ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "multiline", "expected"),
    [
        ("plain words", False, "plain words"),
        ("evil\u202etxt.exe", False, "eviltxt.exe"),
        ("".join(f"a{c}" for c in BIDI), True, "a" * len(BIDI)),
        ("bell\x07 and del\x7f and c1\x85\x9b", True, "bell and del and c1"),
        ("line 1\r\nline 2\rline 3\u2028line 4\u2029", True, "line 1\nline 2\nline 3\nline 4\n"),
        ("col\tumn\nrow", True, "col\tumn\nrow"),
        ("col\tumn\r\nrow", False, "col umn row"),
        ("e\u0301te\u0301", True, "\u00e9t\u00e9"),  # NFC: one code point per accented letter
        ("zero\u200bwidth and emoji \U0001f469\u200d\U0001f4bb", True, None),  # kept as is
        ("\u200f\u200e marks", True, None),  # directional marks do not reorder: kept
    ],
)
def test_sanitize(raw: str, multiline: bool, expected: str | None) -> None:
    assert sanitize(raw, multiline=multiline) == (raw if expected is None else expected)


@pytest.mark.parametrize("raw", ["a\x00b", "\x00", "ok\ud800", "\udfff"])
def test_nul_and_lone_surrogates_are_refused(raw: str) -> None:
    with pytest.raises(UnsafeText):
        sanitize(raw)


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_sanitized_text_is_safe_nfc_and_stable(raw: str) -> None:
    try:
        once = sanitize(raw)
    except UnsafeText:
        assert "\x00" in raw or re.search("[\ud800-\udfff]", raw)
        return
    assert not UNSAFE.search(once)
    assert "\r" not in once
    assert unicodedata.is_normalized("NFC", once)
    assert sanitize(once) == once
    single = sanitize(raw, multiline=False)
    assert "\n" not in single
    assert "\t" not in single


@given(st.text())
@settings(max_examples=200, deadline=None)
def test_strip_unsafe_never_raises(raw: str) -> None:
    out = strip_unsafe(raw)
    assert "\x00" not in out
    assert not UNSAFE.search(out)


# --- clean_text -------------------------------------------------------------------------------


def test_clean_text_counts_the_length_after_cleaning() -> None:
    assert clean_text(" " + "a\u202e" * 5 + " ", what="title", max_chars=5) == "aaaaa"
    with pytest.raises(Refused, match="too long"):
        clean_text("a" * 6, what="title", max_chars=5)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("a\x00b", "The note contains a NUL character"),
        ("a\ud800", "The note contains characters that are not valid text"),
        ("\u202e\u2066 \x07", "Please write a note."),  # nothing left once cleaned
        (42, "The note must be text."),
    ],
)
def test_clean_text_refusals_name_the_field(raw: object, message: str) -> None:
    with pytest.raises(Refused) as caught:
        clean_text(raw, what="note", max_chars=100)
    assert caught.value.status == 400
    assert message in caught.value.message


def test_single_line_text() -> None:
    assert clean_text("two\nlines", what="title", max_chars=20, multiline=False) == "two lines"


# --- client ids -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  c-1 ", "c-1"),
        ("3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b", "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"),
        ("x" * 64, "x" * 64),
    ],
)
def test_client_ids_kept(raw: str | None, expected: str) -> None:
    assert clean_client_id(raw) == expected


@pytest.mark.parametrize("raw", ["a\x00", "a b", "é", "a\u202e", "x" * 65, 7, ["x"], "\ud800"])
def test_client_ids_refused(raw: object) -> None:
    with pytest.raises(Refused, match="client_id"):
        clean_client_id(raw)


# --- ids --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        (" 42 ", 42),
        ("0", 0),
        (7, 7),
        (str(MAX_DB_ID), MAX_DB_ID),
        (str(MAX_DB_ID + 1), None),
        ("99999999999999999999", None),
        ("9" * 5000, None),  # never reaches int(): Python refuses > 4300 digits with ValueError
        ("-1", None),
        (-1, None),
        ("+1", None),
        ("1e3", None),
        ("1.0", None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("٣", None),  # Arabic-Indic three: int() would accept it
        ("", None),
        (True, None),
        (None, None),
        (1.0, None),
        (MAX_DB_ID + 1, None),
    ],
)
def test_parse_db_id(raw: object, expected: int | None) -> None:
    assert parse_db_id(raw) == expected


def test_is_db_id() -> None:
    assert is_db_id(0)
    assert is_db_id(MAX_DB_ID)
    assert not is_db_id(MAX_DB_ID + 1)
    assert not is_db_id(True)
    assert not is_db_id("1")
