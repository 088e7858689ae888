"""Content-Security-Policy and Permissions-Policy on real responses (issue 16, item 4).

The matrix walk (tests/test_authz_matrix.py) checks that every HTML answer carries both
headers; the browser suite (tests/e2e) fails on any violation. These tests pin the policy's
shape where the app adds to django-csp: the page's own WebSocket host and the 500 page's
nonce.
"""

from __future__ import annotations

import re

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path


def directives(header: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.django_db
def test_html_page_has_the_policy_and_the_older_headers(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    csp = directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]  # the nonce appears only where a page uses it
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_connect_src_names_the_pages_own_socket_host_and_scheme(client: Client) -> None:
    plain = directives(
        client.get("/accounts/login/", HTTP_HOST="localhost:8123")["Content-Security-Policy"]
    )
    assert plain["connect-src"] == ["'self'", "ws://localhost:8123"]
    secure = directives(client.get("/accounts/login/", secure=True)["Content-Security-Policy"])
    assert secure["connect-src"] == ["'self'", "wss://testserver"]


@pytest.mark.django_db
def test_a_refused_host_still_answers_400_with_a_policy(client: Client) -> None:
    response = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    csp = directives(response["Content-Security-Policy"])
    assert csp["connect-src"] == ["'self'"]


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("kaboom")


urlpatterns = [path("boom/", boom)]
handler500 = "peerpath.core.views.error_500"


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.django_db
def test_the_500_pages_inline_style_carries_the_headers_nonce() -> None:
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    style_src = directives(response["Content-Security-Policy"])["style-src"]
    nonces = [v for v in style_src if v.startswith("'nonce-")]
    assert len(nonces) == 1
    in_page = re.findall(r'<style nonce="([^"]+)">', response.content.decode())
    assert in_page == [nonces[0][len("'nonce-") : -1]]


@pytest.mark.django_db
def test_the_kept_header_is_django_csps_own_and_follows_settings_and_views(client: Client) -> None:
    """The middleware keeps each socket origin's header for the process; it must be exactly
    what django-csp builds, per origin, and never hide a per-view policy or a settings change."""
    from dataclasses import asdict

    from csp.decorators import csp_update
    from csp.utils import build_policy
    from django.test import RequestFactory

    from peerpath.core.middleware import ContentSecurityPolicyMiddleware

    first = client.get("/accounts/login/", secure=True)["Content-Security-Policy"]
    again = client.get("/accounts/login/", secure=True)["Content-Security-Policy"]
    other = client.get("/accounts/login/", HTTP_HOST="localhost:8123")["Content-Security-Policy"]
    assert first == again
    assert "wss://testserver" in first
    assert "ws://localhost:8123" in other
    middleware = ContentSecurityPolicyMiddleware(lambda r: HttpResponse())
    request = RequestFactory().get("/accounts/login/", secure=True)
    parts = middleware.get_policy_parts(request, HttpResponse())
    assert directives(first) == directives(build_policy(**asdict(parts)))

    @csp_update({"img-src": "https://images.example"})
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("<p>hi</p>")

    own = middleware.process_response(request, view(request))["Content-Security-Policy"]
    assert directives(own)["img-src"] == ["'self'", "data:", "https://images.example"]

    policy = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'none'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        changed = client.get("/accounts/login/", secure=True)["Content-Security-Policy"]
    assert directives(changed)["img-src"] == ["'none'"]
    assert client.get("/accounts/login/", secure=True)["Content-Security-Policy"] == first
