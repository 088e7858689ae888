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
from peerpath.progression.selectors.awards import held_awards
from peerpath.progression.services.awards import grant_award, revoke_award
from peerpath.progression.tests.helpers import check_pdf_structure, pdf_strings

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
    badges = held_awards(world.adult_peer)
    assert [b.slug for b in badges] == ["room-supporter"]
    assert badges[0].certificate_id == cert_of(Award.objects.get(user=world.adult_peer)).id
    no_cert = Achievement.objects.filter(certificate=False, active=True).first()
    assert no_cert is not None
    grant(world.adult_peer, no_cert.slug)
    by_slug = {b.slug: b for b in held_awards(world.adult_peer)}
    assert by_slug[no_cert.slug].certificate_id is None


def test_badge_list_query_cost(world: Any, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert held_awards(world.adult_peer) == []
    grant(world.adult_peer)
    with django_assert_num_queries(1):  # certificates come in the same query
        assert len(held_awards(world.adult_peer)) == 1


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
