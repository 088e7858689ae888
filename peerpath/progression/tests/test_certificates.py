"""Shareable certificates: the public verify page, the PDF, the Open Badges 3.0 credential,
and badges on profiles. Real awards through the services, real HTTP through the test client,
and the PDF checked structurally (header, trailer, every xref offset, decoded text)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts import services as account_services
from peerpath.accounts.models import User
from peerpath.progression.models import (
    Achievement,
    Award,
    AwardSource,
    AwardState,
    Certificate,
    certificate_ids,
)
from peerpath.progression.rendering import certificates as render
from peerpath.progression.services.awards import grant_award, revoke_award
from peerpath.progression.templatetags.progression_tags import profile_badges

pytestmark = pytest.mark.django_db

NOT_FOUND = "No certificate with this id"
XSS = "<script>alert(1)</script>"
ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"
PARENS = r"Ann (the \ best)) \n ("


# --- helpers --------------------------------------------------------------------------------


def grant(user: User, slug: str = "room-supporter", at: dt.datetime | None = None) -> Award:
    return grant_award(
        user=user,
        achievement=Achievement.objects.get(slug=slug),
        source=AwardSource.STAFF,
        reasons="Test grant.",
        at=at,
    )


def cert_of(award: Award) -> Certificate:
    return Certificate.objects.get(award=award)


def set_display_name(user: User, name: str) -> None:
    profile = user.profile
    account_services.update_profile(
        actor=user,
        user=user,
        display_name=name,
        bio=profile.bio,
        topics=profile.topics.all(),
        languages=profile.languages.all(),
        availability=profile.availability,
        tz_name=user.timezone,
    )


def urls(cert_id: str) -> dict[str, str]:
    return {
        "page": reverse("progression-certificate", args=[cert_id]),
        "pdf": reverse("progression-certificate-pdf", args=[cert_id]),
        "json": reverse("progression-certificate-credential", args=[cert_id]),
    }


CSRF_RE = re.compile(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')


def body(response: Any) -> str:
    return str(response.content.decode())


def masked(response: Any) -> str:
    return CSRF_RE.sub(r"\1", body(response))


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


@pytest.fixture
def anon() -> Client:
    return Client()


@pytest.fixture
def issued(world: Any) -> Certificate:
    """A valid Room Supporter certificate held by an adult with a display name."""
    set_display_name(world.adult_peer, "Robin Example")
    return cert_of(grant(world.adult_peer))


# --- ids ----------------------------------------------------------------------------------


@pytest.mark.django_db(False)
def test_certificate_ids_are_distinct_22_url_safe_characters() -> None:
    ids = certificate_ids(1000)
    assert len(set(ids)) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", i) for i in ids)
    assert len(certificate_ids()) == 1


# --- the verify page ------------------------------------------------------------------------


def test_verify_page_is_public_and_says_valid(anon: Client, world: Any, issued: Certificate):
    response = anon.get(urls(issued.id)["page"])
    assert response.status_code == 200
    page = body(response)
    assert "Room Supporter" in page
    assert "Robin Example" in page
    assert "@w-adult-peer" in page
    assert ">Valid<" in page
    assert "Revoked" not in page
    issued_on = issued.issued_at.astimezone(dt.UTC)
    assert f"{issued_on.day} {issued_on:%B} {issued_on.year}" in page
    assert urls(issued.id)["pdf"] in page
    assert urls(issued.id)["json"] in page
    assert f"http://testserver/certificates/{issued.id}/" in page  # the link to share
    assert "noindex" in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"]
    # Never an e-mail address, on any of the three.
    for url in urls(issued.id).values():
        assert world.adult_peer.email.encode() not in anon.get(url).content


def test_signed_in_people_see_it_too(world: Any, issued: Certificate):
    for user in (world.adult_peer, world.teen_member, world.staff):
        c = Client()
        c.force_login(user)
        assert c.get(urls(issued.id)["page"]).status_code == 200


def test_revoked_certificate_says_so_everywhere(anon: Client, world: Any, issued: Certificate):
    at = timezone.now().replace(year=2031, month=2, day=3, hour=12)
    revoke_award(award=issued.award, actor=world.staff, reason="Broke the code of conduct.", at=at)
    page = body(anon.get(urls(issued.id)["page"]))
    assert "Revoked on" in page
    assert "3 February 2031" in page
    assert "Broke the code of conduct." in page
    assert ">Valid<" not in page
    assert "Room Supporter" in page  # still says what it was

    doc = json.loads(anon.get(urls(issued.id)["json"]).content)
    assert doc["revoked"] is True
    assert doc["revocationReason"] == "Broke the code of conduct."
    assert doc["revokedAt"].startswith("2031-02-03T")

    response = anon.get(urls(issued.id)["pdf"])
    assert response.status_code == 200
    check_pdf_structure(response.content)
    texts = pdf_strings(response.content)
    assert "REVOKED" in texts
    assert "Revoked on 3 February 2031" in texts
    assert any("Broke the code of conduct." in t for t in texts)


@pytest.mark.parametrize(
    "bad_id",
    [
        "A" * 22,  # well formed, unknown
        "short",  # too short
        "x" * 33,  # too long
        "a" * 200,  # far too long
        "bad.id.with.dots",
        "<script>alert(1)<script>",
        "' OR 1=1 --xxxxxxxx",
        "%00%00%00%00%00%00",
    ],
)
def test_missing_or_malformed_ids_answer_the_same_404(anon: Client, issued: Certificate, bad_id):
    reference = anon.get(urls("A" * 22)["page"])
    for kind, url in urls(bad_id).items():
        response = anon.get(url)
        assert response.status_code == 404, (kind, bad_id)
        text = body(response)
        assert NOT_FOUND in text
        for secret in ("w-adult-peer", "Robin Example", "Room Supporter", issued.id):
            assert secret not in text
        if kind == "page":
            assert masked(response) == masked(
                reference
            )  # nothing distinguishes missing from malformed
        if kind == "json":
            assert response.json() == {"detail": f"{NOT_FOUND}."}


def test_malformed_ids_never_reach_the_database(anon: Client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert anon.get(urls("x" * 40)["page"]).status_code == 404
        assert anon.get(urls("no")["pdf"]).status_code == 404


def test_closed_account_certificate_is_not_found(anon: Client, world: Any, issued: Certificate):
    User.objects.filter(pk=world.adult_peer.pk).update(is_active=False)
    response = anon.get(urls(issued.id)["page"])
    assert response.status_code == 404
    assert "Robin Example" not in body(response)


def test_only_safe_methods(anon: Client, issued: Certificate):
    for url in urls(issued.id).values():
        assert anon.post(url).status_code == 405
        assert anon.head(url).status_code == 200


def test_hostile_display_names_are_escaped_and_keep_the_pdf_whole(anon: Client, world: Any):
    cert = cert_of(grant(world.adult_peer))
    for name in (XSS, PARENS, "Zoë ☃ 名前 (ok)"):
        set_display_name(world.adult_peer, name)
        page = body(anon.get(urls(cert.id)["page"]))
        assert XSS not in page
        if name == XSS:
            assert ESCAPED_XSS in page
        response = anon.get(urls(cert.id)["pdf"])
        check_pdf_structure(response.content)
        texts = pdf_strings(response.content)
        assert render.latin1(name.strip()) in texts, name
        doc = json.loads(anon.get(urls(cert.id)["json"]).content)
        assert name not in json.dumps(doc, ensure_ascii=False)  # display names stay out
    assert "Zo\xeb ? ?? (ok)" in pdf_strings(anon.get(urls(cert.id)["pdf"]).content)


# --- the PDF --------------------------------------------------------------------------------


def test_pdf_downloads_as_a_well_formed_file(anon: Client, issued: Certificate):
    response = anon.get(urls(issued.id)["pdf"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert issued.id in response["Content-Disposition"]
    pdf = response.content
    check_pdf_structure(pdf)
    assert pdf.endswith(b"%%EOF\n")
    assert b"/BaseFont /Helvetica " in pdf
    assert b"/BaseFont /Helvetica-Bold " in pdf
    texts = pdf_strings(pdf)
    assert "Robin Example" in texts
    assert "@w-adult-peer" in texts
    assert "Room Supporter" in texts
    assert f"http://testserver/certificates/{issued.id}/" in texts
    assert f"Certificate id {issued.id}" in texts
    assert not any("REVOKED" in t for t in texts)


# --- the credential -------------------------------------------------------------------------


def test_credential_is_open_badges_3(anon: Client, world: Any, issued: Certificate):
    response = anon.get(urls(issued.id)["json"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    doc = json.loads(response.content)
    assert doc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["id"] == f"http://testserver/certificates/{issued.id}/"
    assert doc["issuer"] == {"id": "http://testserver/", "type": ["Profile"], "name": "peerpath"}
    valid_from = dt.datetime.fromisoformat(doc["validFrom"].replace("Z", "+00:00"))
    assert abs(valid_from - issued.issued_at) < dt.timedelta(seconds=1)
    assert doc["name"] == "Room Supporter"
    assert doc["revoked"] is False
    assert "revocationReason" not in doc
    assert "proof" not in doc  # unsigned, by design
    subject = doc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityHash": "w-adult-peer",
            "identityType": "userName",
            "hashed": False,
        }
    ]
    achievement = subject["achievement"]
    assert achievement["id"] == "http://testserver/path/#room-supporter"
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == "Room Supporter"
    assert achievement["description"].startswith("Offers quality listening")
    narrative = achievement["criteria"]["narrative"]
    assert narrative.startswith("Offers quality listening")
    assert "Criteria: Either (a listener account" in narrative
    assert "not holding Newbie" in narrative
    assert "at least 2 group chats" in narrative
    text = response.content.decode()
    assert world.adult_peer.email not in text
    assert "Robin Example" not in text


# --- teens ------------------------------------------------------------------------------------


def test_teen_holder_gets_the_teen_name_and_only_the_pseudonym(anon: Client, world: Any):
    set_display_name(world.teen_peer, "Real Name Teen")
    cert = cert_of(grant(world.teen_peer, "group-support-mentor"))
    page = body(anon.get(urls(cert.id)["page"]))
    assert "Teen Star" in page
    assert "Group Support Mentor" not in page
    assert "w-teen-peer" in page
    assert "Real Name Teen" not in page
    texts = pdf_strings(anon.get(urls(cert.id)["pdf"]).content)
    assert "Teen Star" in texts
    assert "w-teen-peer" in texts
    assert not any("Real Name Teen" in t for t in texts)
    doc = json.loads(anon.get(urls(cert.id)["json"]).content)
    assert doc["name"] == "Teen Star"
    assert doc["credentialSubject"]["achievement"]["name"] == "Teen Star"


def test_adult_holder_gets_the_adult_name(anon: Client, world: Any):
    cert = cert_of(grant(world.adult_peer, "group-support-mentor"))
    page = body(anon.get(urls(cert.id)["page"]))
    assert "Group Support Mentor" in page
    assert "Teen Star" not in page


# --- badges on profiles -----------------------------------------------------------------------


def profile_page(viewer: User, subject: User) -> Any:
    c = Client()
    c.force_login(viewer)
    return c.get(reverse("accounts:profile_detail", args=[subject.username]))


def test_profile_lists_badges_with_certificate_links(world: Any, issued: Certificate):
    response = profile_page(world.adult_member, world.adult_peer)
    assert response.status_code == 200
    page = body(response)
    assert "Badges and roles" in page
    assert f'href="{urls(issued.id)["page"]}"' in page
    assert "Room Supporter" in page


def test_profile_without_badges_says_none(world: Any):
    page = body(profile_page(world.adult_member, world.adult_peer))
    assert "Badges and roles" in page
    assert "None yet." in page


def test_revoked_badges_leave_the_profile(world: Any, issued: Certificate):
    revoke_award(award=issued.award, actor=world.staff, reason="Test.")
    page = body(profile_page(world.adult_member, world.adult_peer))
    assert "Room Supporter" not in page
    assert issued.id not in page


def test_teen_badges_do_not_leak_across_the_profile_policy(world: Any):
    cert = cert_of(grant(world.teen_peer, "group-support-mentor"))
    denied = profile_page(world.adult_member, world.teen_peer)
    assert denied.status_code == 404
    assert "Teen Star" not in body(denied)
    assert cert.id not in body(denied)
    for viewer in (world.teen_member, world.staff):
        page = body(profile_page(viewer, world.teen_peer))
        assert "Teen Star" in page
        assert urls(cert.id)["page"] in page


def test_profile_badges_show_top_tier_and_link_only_certificates(world: Any):
    grant(world.adult_peer)
    badges = profile_badges(world.adult_peer)
    assert [b.slug for b in badges] == ["room-supporter"]
    assert badges[0].certificate_id == cert_of(Award.objects.get(user=world.adult_peer)).id
    no_cert = Achievement.objects.filter(certificate=False, active=True).first()
    assert no_cert is not None
    grant(world.adult_peer, no_cert.slug)
    by_slug = {b.slug: b for b in profile_badges(world.adult_peer)}
    assert by_slug[no_cert.slug].certificate_id is None


def test_badge_list_query_cost(world: Any, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert profile_badges(world.adult_peer) == []
    grant(world.adult_peer)
    with django_assert_num_queries(1):  # certificates come in the same query
        assert len(profile_badges(world.adult_peer)) == 1


# --- certificate_render, pure -----------------------------------------------------------------

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


def test_regrant_after_revocation_issues_a_valid_certificate(anon: Client, world: Any):
    award = grant(world.adult_peer)
    old = cert_of(award).id
    revoke_award(award=award, actor=world.staff, reason="Test.")
    award = grant(world.adult_peer)
    award.refresh_from_db()
    new = cert_of(award)
    assert new.valid
    assert anon.get(urls(new.id)["page"]).status_code == 200
    assert award.state == AwardState.ACTIVE
    if old != new.id:
        assert anon.get(urls(old)["page"]).status_code == 404
