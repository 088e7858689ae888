"""The blocked-people page: one's own blocks, each with an Unblock button."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from peerpath.accounts import services
from peerpath.accounts.models import Block
from peerpath.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/accounts/blocked/"
CSRF_RE = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')


def test_the_url_and_the_profile_link():
    assert reverse("accounts:blocked") == URL


def test_the_page_lists_only_ones_own_blocks(client):
    ana, ben, cai = (UserFactory.create(username=n) for n in ("ana-k", "ben-k", "cai-k"))
    services.block_user(blocker=ana, blocked=ben)
    services.block_user(blocker=cai, blocked=ana)  # a block of ana: she is never told
    client.force_login(ana)
    assert "People you've blocked" in client.get(reverse("accounts:profile")).content.decode()
    body = client.get(URL).content.decode()
    assert "ben-k" in body
    assert "cai-k" not in body
    client.force_login(cai)
    assert "ana-k" in client.get(URL).content.decode()


def test_unblock_lifts_the_block_and_only_that_one(client):
    ana, ben = UserFactory.create(username="ana-k"), UserFactory.create(username="ben-k")
    mine = services.block_user(blocker=ana, blocked=ben)
    theirs = services.block_user(blocker=ben, blocked=ana)
    client.force_login(ana)
    response = client.post(URL, {"block": mine.pk}, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "You unblocked ben-k." in response.content.decode()
    assert not Block.objects.filter(pk=mine.pk).exists()
    assert Block.objects.filter(pk=theirs.pk).exists()  # ben's block of ana stays
    assert "You haven't blocked anyone" in response.content.decode()


def test_someone_elses_block_answers_like_a_missing_one(client):
    ana, ben = UserFactory.create(), UserFactory.create()
    theirs = services.block_user(blocker=ben, blocked=ana)
    client.force_login(ana)  # the blocked person tries to lift it
    hidden = client.post(URL, {"block": theirs.pk})
    missing = client.post(URL, {"block": theirs.pk + 1000})
    assert hidden.status_code == missing.status_code == 404
    assert CSRF_RE.sub(rb"\1", hidden.content) == CSRF_RE.sub(rb"\1", missing.content)
    assert Block.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("value", ["", "abc", "0", "-1", "99999999999999999999999"])
def test_bad_input_is_400_and_changes_nothing(client, value):
    ana, ben = UserFactory.create(), UserFactory.create()
    services.block_user(blocker=ana, blocked=ben)
    client.force_login(ana)
    response = client.post(URL, {"block": value})
    assert response.status_code == 400
    assert "Choose whom to unblock." in response.content.decode()
    assert Block.objects.count() == 1


def test_unblock_needs_a_signed_in_person(client):
    ana, ben = UserFactory.create(), UserFactory.create()
    block = services.block_user(blocker=ana, blocked=ben)
    response = client.post(URL, {"block": block.pk})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert Block.objects.filter(pk=block.pk).exists()


def test_the_page_query_count(client, django_assert_num_queries):
    ana = UserFactory.create()
    for _ in range(3):
        services.block_user(blocker=ana, blocked=UserFactory.create())
    client.force_login(ana)
    # session + user + the header bell's unread count + the viewer's roles (the header's
    # Program link) are the frame; the page's own read is one query with the profiles.
    with django_assert_num_queries(5):
        assert client.get(URL).status_code == 200
