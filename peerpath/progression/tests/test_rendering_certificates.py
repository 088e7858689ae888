"""Certificates as files, pure (no database): PDF strings and metrics, the deterministic
one-page PDF, the Open Badges credential, dates, and the criteria narrative."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from peerpath.progression.rendering import certificates as render
from peerpath.progression.tests.helpers import check_pdf_structure, pdf_strings

pytestmark = pytest.mark.django_db

# --- rendering.certificates, pure -----------------------------------------------------------------

WHEN = dt.datetime(2025, 3, 12, 9, 30, 15, 123456, tzinfo=dt.UTC)


def data(**overrides: Any) -> render.CertificateData:
    values: dict[str, Any] = {
        "certificate_id": "abcdefghijklmnopqrstuv",
        "holder_name": "Robin",
        "pseudonym": "robin-1",
        "achievement_slug": "room-supporter",
        "achievement_name": "Room Supporter",
        "achievement_kind": "role",
        "description": "Listens well.",
        "criteria_narrative": "Listens well.\n\nCriteria: At least 2 group chats.",
        "issued_at": WHEN,
        "verify_url": "https://example.org/certificates/abcdefghijklmnopqrstuv/",
        "site_url": "https://example.org/",
        "achievement_url": "https://example.org/path/#room-supporter",
    }
    values.update(overrides)
    return render.CertificateData(**values)


def test_pdf_string_escapes_delimiters_and_non_ascii():
    assert render.pdf_string("a(b)c\\d") == b"(a\\(b\\)c\\\\d)"
    assert render.pdf_string("é") == b"(\\351)"
    assert render.pdf_string("x\ny") == b"(x y)"
    assert render.pdf_string("☃\x00\x85") == b"(???)"
    assert render.pdf_string("") == b"()"


def test_latin1_keeps_latin1_and_replaces_the_rest():
    assert render.latin1("Zoë Ångström ß") == "Zoë Ångström ß"
    assert render.latin1("e\u0301") == "é"  # composed first
    assert render.latin1("😀 名 \u200b") == "? ? ?"
    assert render.latin1("\x07\x7f\x9f") == "???"


def test_text_width_uses_the_font_metrics():
    assert render.text_width("", "F1", 12) == 0
    assert render.text_width("i", "F1", 1000) == 222
    assert render.text_width("i", "F2", 1000) == 278
    assert render.text_width("é", "F1", 1000) == render.text_width("e", "F1", 1000)
    assert render.text_width("W" * 10, "F2", 10) == pytest.approx(94.4)


def test_render_pdf_is_deterministic_and_well_formed():
    one, two = render.render_pdf(data()), render.render_pdf(data())
    assert one == two
    check_pdf_structure(one)
    assert b"/CreationDate (D:20250312093015Z)" in one
    assert b"/URI (https://example.org/certificates/abcdefghijklmnopqrstuv/)" in one
    assert "Issued 12 March 2025" in pdf_strings(one)


def test_very_long_texts_shrink_to_fit_the_page():
    pdf = render.render_pdf(data(holder_name="W" * 200, achievement_name="M" * 80))
    check_pdf_structure(pdf)
    for m in re.finditer(rb"/(F\d) ([\d.]+) Tf ([\d.]+) [\d.]+ Td (\((?:\\.|[^\\)])*\)) Tj", pdf):
        x = float(m.group(3))
        assert x >= 0, m.group(0)[:60]


def test_revoked_pdf_wraps_a_long_reason():
    pdf = render.render_pdf(
        data(revoked_at=WHEN + dt.timedelta(days=30), revoked_reason="Because. " * 60)
    )
    check_pdf_structure(pdf)
    texts = pdf_strings(pdf)
    assert "REVOKED" in texts
    assert "Revoked on 11 April 2025" in texts
    reason_lines = [t for t in texts if "Because." in t]
    assert 1 < len(reason_lines) <= 2
    assert reason_lines[-1].endswith("...")


def test_credential_for_a_revoked_badge():
    doc = render.credential(
        data(
            achievement_kind="badge",
            revoked_at=dt.datetime(2025, 4, 1, tzinfo=dt.UTC),
            revoked_reason="Mistake.",
        )
    )
    assert doc["revoked"] is True
    assert doc["revokedAt"] == "2025-04-01T00:00:00Z"
    assert doc["revocationReason"] == "Mistake."
    assert doc["validFrom"] == "2025-03-12T09:30:15Z"
    assert doc["credentialSubject"]["achievement"]["achievementType"] == "Badge"
    json.dumps(doc)  # plain JSON values only


def test_dates_are_utc_and_locale_free():
    late = dt.datetime(2025, 3, 12, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert render.long_date(late) == "13 March 2025"
    assert render.iso_utc(late) == "2025-03-13T04:30:00Z"
    naive = dt.datetime(2025, 1, 2, 3, 4, 5)  # noqa: DTZ001 - naive input is read as UTC
    assert render.iso_utc(naive) == "2025-01-02T03:04:05Z"


def test_criteria_narrative_reads_every_kind_of_node():
    tree = {
        "all": [
            {"count": "group_chat", "min": 75, "teen_min": 50, "window_days": 90},
            {"tenure": "role:chatroom-moderator", "min_days": 56},
            {"at_least": 1, "of": [{"training": "global-mod"}, {"band": "teen"}]},
            {"not": {"held": "newbie"}},
            {"not": {"account": "member"}},
            {"count": "review_positive", "min": 1},
        ]
    }
    text = render.criteria_narrative(
        tree,
        achievement_names={"chatroom-moderator": "Chatroom Moderator", "newbie": "Newbie"},
        training_names={"global-mod": "Global Mod training"},
        event_labels={"review_positive": ("positive review", "positive reviews")},
    )
    assert text == (
        "At least 75 group chats (50 for teens) in the last 90 days, "
        "at least 56 days as Chatroom Moderator, "
        "at least 1 of: completing Global Mod training; in the teen community, "
        "not holding Newbie, not (a member account) and at least 1 positive review."
    )


@pytest.mark.parametrize("weird", [None, [], {}, {"all": "nope"}, {"mystery": 1}, "text", 42])
def test_criteria_narrative_never_raises(weird):
    assert isinstance(render.criteria_narrative(weird), str)


def test_criteria_narrative_stops_at_absurd_depth():
    tree: dict[str, Any] = {"count": "x", "min": 1}
    for _ in range(50):
        tree = {"not": tree}
    assert "other conditions" in render.criteria_narrative(tree)


def test_narrative_joins_description_and_criteria():
    assert render.narrative(" Helps. ", "At least 1 x.") == "Helps.\n\nCriteria: At least 1 x."
    assert render.narrative("", "") == ""
