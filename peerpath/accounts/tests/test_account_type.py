"""Switching one's own account between member and listener (issue 19: members were told to
"switch to a listener account first" and no page let them)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from peerpath.accounts import policies, services
from peerpath.accounts.models import AccountType, User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.errors import Refused

pytestmark = pytest.mark.django_db

URL = "/accounts/account-type/"


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("teen", [False, True])
def test_a_member_switches_to_listener_from_the_page(teen):
    # given a member (teens too: everyone 13+ may choose either at sign-up)
    member = UserFactory.create(teen=teen)
    c = client_for(member)
    page = c.get(URL).content.decode()
    assert "Switch to a listener account" in page
    # when they press the button
    response = c.post(URL, {"account_type": "listener"})
    # then they are a listener since now, and may ask for a mentor
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.account_type == AccountType.LISTENER
    assert member.listener_since is not None
    assert "Connect with a mentor" in c.get(URL).content.decode()
    mentor_page = c.get(reverse("mentorship:directory")).content.decode()
    assert 'id="read-only-note"' not in mentor_page


def test_the_mentoring_note_links_members_to_the_switch():
    member = UserFactory.create()
    body = client_for(member).get(reverse("mentorship:directory")).content.decode()
    assert "Switch to a listener account first" in body
    assert f'href="{URL}"' in body
    profile = client_for(member).get(reverse("accounts:profile")).content.decode()
    assert f'href="{URL}"' in profile


def test_a_listener_switches_back_and_a_mentor_may_not():
    listener = UserFactory.create(listener=True)
    assert client_for(listener).post(URL, {"account_type": "member"}).status_code == 302
    listener.refresh_from_db()
    assert (listener.account_type, listener.listener_since) == (AccountType.MEMBER, None)

    mentor = UserFactory.create(listener=True, roles=[Role.MENTOR])
    c = client_for(mentor)
    assert "Ask staff to end your Mentor role first" in c.get(URL).content.decode()
    response = c.post(URL, {"account_type": "member"})
    assert response.status_code == 403
    assert "Ask staff to end your Mentor role first" in response.content.decode()
    mentor.refresh_from_db()
    assert mentor.account_type == AccountType.LISTENER


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({}, 400, "Choose member or listener."),
        ({"account_type": "staff"}, 400, "Choose member or listener."),
        ({"account_type": "member"}, 409, "You already have a member account."),
    ],
)
def test_bad_switches_answer_4xx_and_change_nothing(data, status, message):
    member = UserFactory.create()
    response = client_for(member).post(URL, data)
    assert response.status_code == status
    assert message in response.content.decode()
    member.refresh_from_db()
    assert member.account_type == AccountType.MEMBER


def test_the_policy_and_the_service_agree():
    member = UserFactory.create()
    assert policies.can_switch_account_type(member, "listener")
    assert not policies.can_switch_account_type(member, "member")
    with pytest.raises(Refused, match="already"):
        services.switch_account_type(actor=member, account_type="member")
    services.switch_account_type(actor=member, account_type="listener")
    assert member.account_type == AccountType.LISTENER
