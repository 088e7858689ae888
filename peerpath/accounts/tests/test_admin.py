"""The user admin is a client of the services: the real change form, posted by staff, goes
through set_account_type, suspend_user/lift_suspension and set_role_members."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.models import AccountType, User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def change_url(user: User) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def form_data(user: User, **changes: Any) -> dict[str, Any]:
    """What the change page posts for ``user`` unchanged (the fields a Staff member sees),
    with ``changes`` applied; ``suspended_until`` as a datetime is split for the widget."""
    user.refresh_from_db()
    until = changes.pop("suspended_until", user.suspended_until)
    local = timezone.localtime(until) if until else None
    data: dict[str, Any] = {
        "username": user.username,
        "email": user.email,
        "account_type": user.account_type,
        "date_of_birth": user.date_of_birth.isoformat(),
        "timezone": user.timezone,
        "suspended_until_0": local.date().isoformat() if local else "",
        "suspended_until_1": local.strftime("%H:%M:%S") if local else "",
        "suspension_reason": user.suspension_reason,
        "is_active": "on" if user.is_active else "",
        "profile-TOTAL_FORMS": "1",
        "profile-INITIAL_FORMS": "1",
        "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1",
        "profile-0-user": str(user.pk),
        "profile-0-display_name": user.profile.display_name,
        "profile-0-bio": user.profile.bio,
        "profile-0-languages": [
            str(pk) for pk in user.profile.languages.values_list("pk", flat=True)
        ],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(UserFactory.create(username="ada-staff", roles=[Role.STAFF]))
    return client


def test_switching_a_member_to_listener_starts_the_listener_tenure(staff: Client) -> None:
    # given
    member = UserFactory.create(username="mo-member")
    assert member.listener_since is None
    before = timezone.now()
    # when
    response = staff.post(change_url(member), form_data(member, account_type="listener"))
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    member = User.objects.get(pk=member.pk)
    assert member.account_type == AccountType.LISTENER
    assert member.listener_since is not None
    assert member.listener_since >= before
    # and back: a member has no tenure
    staff.post(change_url(member), form_data(member, account_type="member"))
    member.refresh_from_db()
    assert (member.account_type, member.listener_since) == (AccountType.MEMBER, None)


def test_staff_suspend_and_lift_in_the_admin(staff: Client) -> None:
    person = UserFactory.create(username="rue-rude")
    until = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    response = staff.post(
        change_url(person),
        form_data(person, suspended_until=until, suspension_reason="  Rudeness in rooms.  "),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_suspended
    assert (person.suspended_until, person.suspension_reason) == (until, "Rudeness in rooms.")
    # lifting: the end date cleared
    response = staff.post(change_url(person), form_data(person, suspended_until=None))
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.suspended_until, person.suspension_reason) == (None, "")


def test_a_suspension_ending_in_the_past_is_an_error_on_the_form(staff: Client) -> None:
    person = UserFactory.create(username="pat-past")
    past = timezone.now() - dt.timedelta(days=1)
    response = staff.post(
        change_url(person), form_data(person, suspended_until=past, suspension_reason="x")
    )
    assert response.status_code == 200
    assert "A suspension must end in the future." in response.content.decode()
    person.refresh_from_db()
    assert person.suspended_until is None


def test_a_superuser_grants_and_takes_roles_through_the_service() -> None:
    boss = UserFactory.create(username="su-boss")
    User.objects.filter(pk=boss.pk).update(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(User.objects.get(pk=boss.pk))
    person = UserFactory.create(username="gil-granted", roles=[Role.MENTOR])
    staff_group = Group.objects.get(name=Role.STAFF.value)
    # when: Mentor unticked, Staff ticked (is_staff left unticked)
    response = client.post(change_url(person), form_data(person, groups=[str(staff_group.pk)]))
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    person = User.objects.get(pk=person.pk)
    assert person.role_names == {Role.STAFF.value}
    assert person.is_staff  # the Staff role carries is_staff (set_role_members)
