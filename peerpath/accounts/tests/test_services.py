from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from peerpath.accounts import role_groups, services
from peerpath.accounts.ageband import AgeBand, turns_age_at
from peerpath.accounts.models import AccountType, Language, Profile, Topic, User
from peerpath.accounts.roles import LADDER_ROLES, Role
from peerpath.accounts.tests.factories import UserFactory, years_ago

pytestmark = pytest.mark.django_db


def _create(**overrides):
    kwargs: dict[str, Any] = {
        "username": "Quiet-River",
        "email": "Quiet@Example.org",
        "password": "a-long-passphrase",
        "date_of_birth": years_ago(15, days=3),
        "tz_name": "Asia/Tokyo",
        "account_type": AccountType.LISTENER,
        "languages": Language.objects.filter(code__in=["en", "ja"]),
    }
    kwargs.update(overrides)
    return services.create_account(**kwargs)


def test_create_account_derives_band_thresholds_and_profile():
    # given / when
    user = _create()
    # then
    user.refresh_from_db()
    tz = zoneinfo.ZoneInfo("Asia/Tokyo")
    assert user.username == "quiet-river"
    assert user.email == "quiet@example.org"
    assert user.check_password("a-long-passphrase")
    assert user.age_band is AgeBand.TEEN
    assert user.teen_from == turns_age_at(user.date_of_birth, 13, tz)
    assert user.adult_from == turns_age_at(user.date_of_birth, 18, tz)
    assert sorted(user.profile.languages.values_list("code", flat=True)) == ["en", "ja"]
    assert User.objects.teens().filter(pk=user.pk).exists()
    assert not User.objects.adults().filter(pk=user.pk).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date_of_birth": years_ago(12, days=200)}, "date_of_birth"),
        ({"date_of_birth": timezone.now().date() + dt.timedelta(days=2)}, "date_of_birth"),
        ({"date_of_birth": dt.date(1850, 1, 1)}, "date_of_birth"),
        ({"tz_name": "Mars/Base"}, "timezone"),
        ({"username": "admin"}, "username"),
        ({"username": "<script>"}, "username"),
        ({"username": "x" * 31}, "username"),
    ],
)
def test_create_account_rejects_bad_input_and_saves_nothing(overrides, field):
    with pytest.raises(ValidationError) as exc:
        _create(**overrides)
    assert field in exc.value.message_dict
    assert User.objects.count() == 0
    assert Profile.objects.count() == 0


def test_under_13_message_is_kind():
    with pytest.raises(ValidationError) as exc:
        _create(date_of_birth=years_ago(10))
    message = exc.value.message_dict["date_of_birth"][0]
    assert "13 and over" in message
    assert "Nothing you entered has been saved" in message


def test_duplicate_username_is_case_insensitive():
    _create()
    with pytest.raises(ValidationError):
        _create(username="QUIET-RIVER", email="other@example.org")
    assert User.objects.count() == 1


def test_set_birth_details_moves_thresholds_with_the_zone():
    user = _create(tz_name="Pacific/Kiritimati")
    before = user.adult_from
    services.set_birth_details(
        user=user, date_of_birth=user.date_of_birth, tz_name="Pacific/Pago_Pago"
    )
    user.refresh_from_db()
    assert user.adult_from - before == dt.timedelta(hours=25)


def test_update_profile_saves_everything_or_nothing():
    user = _create()
    topics = list(Topic.objects.filter(slug__in=["anxiety", "sleep"]))
    services.update_profile(
        actor=user,
        user=user,
        display_name=" River ",
        bio="Here to listen.",
        topics=topics,
        languages=Language.objects.filter(code="en"),
        availability="1" * 24 + "0" * 144,
        tz_name="Europe/Berlin",
    )
    user.refresh_from_db()
    assert user.profile.display_name == "River"
    assert user.timezone == "Europe/Berlin"
    assert user.profile.available_hours() == list(range(24))
    assert set(user.profile.topics.values_list("slug", flat=True)) == {"anxiety", "sleep"}

    with pytest.raises(ValidationError):
        services.update_profile(
            actor=user,
            user=user,
            display_name="Changed",
            bio="x",
            topics=[],
            languages=[],
            availability="1" * 24 + "0" * 144,
            tz_name="Nowhere/Atlantis",
        )
    user.refresh_from_db()
    assert user.profile.display_name == "River"
    assert user.profile.topics.count() == 2


def test_update_profile_refuses_another_person():
    owner, other = _create(), UserFactory.create()
    with pytest.raises(PermissionError):
        services.update_profile(
            actor=other,
            user=owner,
            display_name="hijack",
            bio="",
            topics=[],
            languages=[],
            availability="0" * 168,
            tz_name="UTC",
        )
    owner.profile.refresh_from_db()
    assert owner.profile.display_name == ""


def test_suspension_requires_staff_and_a_future_end(world):
    with pytest.raises(PermissionError):
        services.suspend_user(
            actor=world.moderator,
            user=world.adult_member,
            until=timezone.now() + dt.timedelta(days=1),
            reason="no",
        )
    with pytest.raises(ValidationError):
        services.suspend_user(
            actor=world.staff,
            user=world.adult_member,
            until=timezone.now() - dt.timedelta(days=1),
            reason="past",
        )
    world.adult_member.refresh_from_db()
    assert not world.adult_member.is_suspended
    services.lift_suspension(actor=world.staff, user=world.suspended)
    world.suspended.refresh_from_db()
    assert not world.suspended.is_suspended


def test_grant_and_revoke_roles():
    user = UserFactory.create()
    services.grant_role(user=user, role=Role.STAFF)
    user.refresh_from_db()
    assert user.is_staff
    assert user.has_role(Role.STAFF)
    services.revoke_role(user=user, role=Role.STAFF)
    user = User.objects.get(pk=user.pk)
    assert not user.is_staff
    assert not user.has_role(Role.STAFF)


def test_set_role_members_adds_and_removes_many_in_a_few_queries(django_assert_max_num_queries):
    # given: three holders of the Mentor role and three who are not
    people = [UserFactory.create() for _ in range(6)]
    holders, others = people[:3], people[3:]
    services.set_role_members(role=Role.MENTOR, add=holders)
    assert all(p.has_role(Role.MENTOR) for p in holders)  # cached roles were dropped
    # when: one call swaps them, by id and twice over (idempotent)
    with django_assert_max_num_queries(6):
        services.set_role_members(
            role=Role.MENTOR, add=[p.pk for p in others], remove=[p.pk for p in holders]
        )
    services.set_role_members(role=Role.MENTOR, add=[p.pk for p in others])
    # then
    mentors = set(User.objects.with_role(Role.MENTOR).values_list("pk", flat=True))
    assert mentors == {p.pk for p in others}


def test_set_role_members_keeps_is_staff_in_step_and_spares_superusers():
    member, boss = UserFactory.create(), UserFactory.create()
    User.objects.filter(pk=boss.pk).update(is_superuser=True, is_staff=True)
    boss.refresh_from_db()
    services.set_role_members(role=Role.STAFF, add=[member, boss])
    assert member.is_staff
    services.set_role_members(role=Role.STAFF, remove=[member.pk, boss.pk])
    assert not User.objects.get(pk=member.pk).is_staff
    assert User.objects.get(pk=boss.pk).is_staff  # a superuser stays staff


def test_set_role_members_serves_any_other_group_and_refuses_a_contradiction():
    person = UserFactory.create()
    services.set_role_members(role="Mock chat assessor", add=[person])
    assert person.role_names == {"Mock chat assessor"}
    with pytest.raises(ValueError, match="added to and removed"):
        services.set_role_members(role=Role.MENTOR, add=[person], remove=[person.pk])


@pytest.mark.parametrize("role", sorted(LADDER_ROLES))
def test_accounts_refuses_a_ladder_role_and_names_the_ladders_service(role):
    # given: a listener who holds the role through the ladder (the factory grants the award)
    holder = UserFactory.create(listener=True, roles=[role])
    person = UserFactory.create(listener=True)
    # when / then: giving or taking it here fails loudly, naming the service to use
    with pytest.raises(services.LadderRoleError, match="grant_by_staff"):
        services.grant_role(user=person, role=role)
    with pytest.raises(services.LadderRoleError, match="revoke_award"):
        services.revoke_role(user=holder, role=role)
    with pytest.raises(services.LadderRoleError, match=str(role)):
        services.set_role_members(role=str(role), add=[person.pk])
    # and nothing changed
    assert set(User.objects.with_role(role).values_list("pk", flat=True)) == {holder.pk}


def test_the_ladder_door_serves_ladder_roles_only():
    person = UserFactory.create(listener=True)
    with pytest.raises(ValueError, match="not a ladder role"):
        role_groups.set_ladder_role_members(role=Role.MENTOR, add=[person])
    role_groups.set_ladder_role_members(role=Role.MODERATOR, add=[person])
    assert person.has_role(Role.MODERATOR)


def test_age_band_queryset_is_exact_at_the_boundary():
    turning = UserFactory.create(date_of_birth=years_ago(18, days=-1), tz_name="UTC")
    now = timezone.now()
    assert User.objects.teens(at=now).filter(pk=turning.pk).exists()
    assert User.objects.adults(at=turning.adult_from).filter(pk=turning.pk).exists()
    just_before = turning.adult_from - dt.timedelta(microseconds=1)
    assert User.objects.teens(at=just_before).filter(pk=turning.pk).exists()


def test_staff_role_can_use_admin_for_community_models_but_not_grant_powers(client, world):
    client.force_login(world.staff)
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/activity/activityevent/").status_code == 200
    assert client.get("/admin/auth/group/").status_code == 403
    page = client.get(f"/admin/accounts/user/{world.adult_member.pk}/change/")
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()
    client.force_login(world.moderator)
    assert client.get("/admin/accounts/user/").status_code == 302
