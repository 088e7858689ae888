"""The one home of a refusal's answer (``core.http``): the same ``Refused`` answers each kind
of caller as the module says, per view (``refusals``) or for any view (the middleware)."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from config import urls as site_urls
from peerpath.core.errors import Invalid, NotFound, Refused
from peerpath.core.http import refusals

JSON = {"Accept": "application/json"}
HTMX = {"HX-Request": "true"}


def _raise(request: HttpRequest, what: str) -> HttpResponse:
    if what == "missing":
        raise NotFound("No such thing.")
    if what == "invalid":
        raise Invalid("Say why.", fields={"reason": ["Say why."]})
    raise Refused("Somebody was quicker.", status=409)


def _own_page(request: HttpRequest, exc: Refused, **kwargs: Any) -> HttpResponse:
    return HttpResponse(f"own page: {exc.message} ({kwargs['what']})", status=exc.status)


plain = refusals(back=lambda request, what: f"/back/{what}/")(_raise)
by_name = refusals(back="home")(_raise)
in_place = refusals(back="/", partial="rooms/_outcome.html", json=True)(_raise)
retargeted = refusals(partial="rooms/_outcome.html", retarget="#notice")(_raise)
own_page = refusals(page=_own_page)(_raise)

urlpatterns = [
    path("t/plain/<str:what>/", plain),
    path("t/by-name/<str:what>/", by_name),
    path("t/in-place/<str:what>/", in_place),
    path("t/retargeted/<str:what>/", retargeted),
    path("t/own-page/<str:what>/", own_page),
    path("t/bare/<str:what>/", _raise),  # no decorator: the middleware answers
    *site_urls.urlpatterns,
]
handler404 = site_urls.handler404

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    ("view", "back"),
    [
        ("plain", "/back/taken/"),  # a function of the request and the URL's arguments
        ("by-name", "/"),  # a URL name ("home")
        ("bare", "/"),  # no decorator: the middleware answers, back to the home page
    ],
)
def test_a_refusal_is_the_refusal_page_with_its_status_message_and_back_link(client, view, back):
    response = client.get(f"/t/{view}/taken/")
    assert response.status_code == 409
    body = response.content.decode()
    assert 'id="refusal">Somebody was quicker.</p>' in body
    assert f'<a href="{back}">Go back</a>' in body


@pytest.mark.parametrize("view", ["plain", "in-place", "own-page", "bare"])
def test_a_missing_thing_is_the_sites_404_page_for_a_plain_caller(client, view):
    response = client.get(f"/t/{view}/missing/")
    assert response.status_code == 404
    assert [t.name for t in response.templates][:1] == ["errors/404.html"]
    assert "We couldn't find that page" in response.content.decode()


def test_json_callers_get_json_when_the_view_speaks_it(client):
    response = client.get("/t/in-place/invalid/", headers=JSON)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "Say why.", "fields": {"reason": ["Say why."]}}
    missing = client.get("/t/in-place/missing/", headers=JSON)
    assert (missing.status_code, missing.json()) == (404, {"ok": False, "error": "No such thing."})
    # A view that does not speak JSON answers its page.
    assert "Somebody was quicker." in client.get("/t/plain/taken/", headers=JSON).content.decode()


def test_htmx_callers_get_the_views_partial_retargeted_when_asked(client):
    response = client.get("/t/in-place/taken/", headers=HTMX)
    assert response.status_code == 409
    assert "Somebody was quicker." in response.content.decode()
    assert "<html" not in response.content.decode()
    assert "HX-Retarget" not in response
    response = client.get("/t/retargeted/missing/", headers=HTMX)
    assert response.status_code == 404
    assert response["HX-Retarget"] == "#notice"
    assert response["HX-Reswap"] == "innerHTML"
    assert "No such thing." in response.content.decode()


def test_a_view_may_show_the_refusal_on_its_own_page(client):
    response = client.get("/t/own-page/taken/")
    assert (response.status_code, response.content) == (
        409,
        b"own page: Somebody was quicker. (taken)",
    )
