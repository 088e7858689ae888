"""Roles and ladder are one system: a staff-granted role the ladder knows (Moderator →
Chatroom Moderator, Ambassador → Group Support Ambassador) is a held award with its date,
given through ``services.awards.grant_by_staff`` (the user admin's role field included), and
the batch never takes a staff award away by criteria."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import LADDER_ROLES, Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.accounts.tests.test_admin import change_url, form_data
from peerpath.core.errors import Conflict, Refused
from peerpath.notifications.models import Notification
from peerpath.progression import ladder
from peerpath.progression.models import Achievement, Award, AwardLog, AwardSource, AwardState
from peerpath.progression.selectors.awards import achievements_by_group, path_for
from peerpath.progression.services import batch
from peerpath.progression.services.awards import grant_by_staff, grant_many_by_staff
from peerpath.progression.tests.helpers import (
    PATH,
    achievement,
    award_of,
    item_html,
    listener,
    make_person,
    staff_user,
)

pytestmark = pytest.mark.django_db


def _superuser_client() -> tuple[Client, User]:
    boss = UserFactory.create(username="su-boss")
    User.objects.filter(pk=boss.pk).update(is_superuser=True, is_staff=True)
    boss = User.objects.get(pk=boss.pk)
    client = Client()
    client.force_login(boss)
    return client, boss


def test_a_staff_granted_moderator_holds_the_ladder_role_with_its_date(login) -> None:
    staff = staff_user()
    mo = listener("mo-moderator")
    granted = timezone.now() - dt.timedelta(days=10)
    award = grant_by_staff(
        user=mo,
        achievement=achievement("chatroom-moderator"),
        by=staff,
        reason="Moderated the evening room for years on our old forum.",
        at=granted,
    )
    assert (award.state, award.source, award.granted_at) == ("active", "staff", granted)
    assert mo.groups.filter(name=Role.MODERATOR.value).exists()
    log = AwardLog.objects.get(user=mo, action="granted")
    assert log.actor == staff
    assert "old forum" in log.reasons
    response = login(mo).get(PATH)
    card = item_html(response, "chatroom-moderator")
    assert 'data-testid="status">Held' in card
    # the tenure counts from the grant: 10 of 56 days towards Group Support Mentor
    assert "10 of 56 days as Chatroom Moderator" in item_html(response, "group-support-mentor")


def test_grant_by_staff_refuses_without_a_reason_a_non_staff_and_the_wrong_band() -> None:
    staff = staff_user()
    mo = listener("mo-moderator")
    moderator = achievement("chatroom-moderator")
    with pytest.raises(Refused, match="Say why"):
        grant_by_staff(user=mo, achievement=moderator, by=staff, reason="  ")
    with pytest.raises(Refused):
        grant_by_staff(user=mo, achievement=moderator, by=listener("not-staff"), reason="x")
    teen = listener("tia-teen", teen=True)
    with pytest.raises(Refused, match="for adults"):
        grant_by_staff(user=teen, achievement=achievement("ambassador"), by=staff, reason="x")
    assert not Award.objects.exists()


def test_the_user_admin_grants_and_takes_ladder_roles_through_the_ladder(login) -> None:
    client, boss = _superuser_client()
    amb = listener("ama-ambassador")
    group = Group.objects.get(name=Role.AMBASSADOR.value)
    # without a reason the form says why it is needed, and nothing changes
    response = client.post(change_url(amb), form_data(amb, groups=[str(group.pk)]))
    assert response.status_code == 200
    assert "Say why: the person is told." in response.content.decode()
    assert not Award.objects.filter(user=amb).exists()
    # with a reason: the Ambassador role is the ladder's Group Support Ambassador
    response = client.post(
        change_url(amb),
        form_data(amb, groups=[str(group.pk)], role_reason="Leads the partner programme."),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    award = award_of(amb, "ambassador")
    assert award is not None
    assert (award.state, award.source) == (AwardState.ACTIVE, AwardSource.STAFF)
    assert AwardLog.objects.get(user=amb, action="granted").actor == boss
    assert 'data-testid="status">Held' in item_html(login(amb).get(PATH), "ambassador")
    # the Leadership Council's "holds Group Support Ambassador" is met
    item = path_for(amb).item("ambassador")
    assert item is not None
    assert item.held
    # taking the role away revokes the award, with the reason
    response = client.post(change_url(amb), form_data(amb, role_reason="Stepped down."))
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.state == AwardState.REVOKED
    assert AwardLog.objects.get(user=amb, action="revoked").reasons == "Stepped down."
    assert not amb.groups.filter(name=Role.AMBASSADOR.value).exists()


def test_the_batch_never_lapses_a_staff_award_by_criteria() -> None:
    staff = staff_user()
    now = timezone.now().replace(microsecond=0)
    quiet = make_person(days_ago=5, at=now)  # a Newbie without group chats: no Room Supporter
    grant_by_staff(
        user=quiet, achievement=achievement("room-supporter"), by=staff, reason="Trusted."
    )
    for days in (0, 20, 40):
        batch.run(now=now + dt.timedelta(days=days), user_ids=[quiet.pk])
    award = award_of(quiet, "room-supporter")
    assert award is not None
    assert (award.state, award.below_since) == ("active", None)
    logs = AwardLog.objects.filter(user=quiet, achievement__slug="room-supporter")
    assert list(logs.values_list("action", flat=True)) == ["granted"]


def test_people_holding_a_ladder_group_before_get_their_award_once() -> None:
    migration = importlib.import_module(
        "peerpath.progression.migrations.0002_staff_roles_are_awards"
    )
    old_mod = UserFactory.create(username="old-mod")
    # in the group without an award: only data from before the ladder can be like this
    old_mod.groups.add(Group.objects.get(name=Role.MODERATOR.value))
    UserFactory.create(username="just-mentor", roles=[Role.MENTOR])
    migration.staff_roles_to_awards(django_apps, None)
    migration.staff_roles_to_awards(django_apps, None)  # a second run adds nothing
    award = Award.objects.get()
    assert (award.user, award.achievement.slug, award.source) == (
        old_mod,
        "chatroom-moderator",
        "staff",
    )
    assert award.certificate.valid
    assert AwardLog.objects.filter(user=old_mod, action="granted").count() == 1


def test_the_ladder_roles_accounts_refuses_are_exactly_the_ones_the_ladder_carries() -> None:
    assert set(achievements_by_group()) == set(LADDER_ROLES)


def test_the_ladder_refuses_a_group_that_is_not_a_ladder_role() -> None:
    entries = [
        ladder.entry_of(a) for a in Achievement.objects.select_related("obligation_training")
    ]
    names = [(e["slug"], e["name"]) for e in entries]
    vocab = ladder.vocabulary(achievements=names)
    mentor = next(e for e in entries if e["slug"] == "group-support-mentor")
    mentor["group_name"] = Role.MENTOR.value
    with pytest.raises(ValidationError, match="not a ladder role"):
        ladder.validate_definitions(entries, vocab)
    mentor["group_name"] = Role.MODERATOR.value
    with pytest.raises(ValidationError, match="already carried by chatroom-moderator"):
        ladder.validate_definitions(entries, vocab)


def test_a_factory_ladder_role_is_a_held_award_with_its_group() -> None:
    mo = UserFactory.create(username="fa-mod", listener=True, roles=[Role.MODERATOR])
    award = award_of(mo, "chatroom-moderator")
    assert award is not None
    assert (award.state, award.source) == (AwardState.ACTIVE, AwardSource.STAFF)
    assert mo.has_role(Role.MODERATOR)


def test_grant_many_by_staff_gives_dated_awards_in_a_fixed_number_of_queries(
    login, django_assert_max_num_queries
) -> None:
    # given: staff and five adult listeners, each granted on their own day
    staff = staff_user()
    now = timezone.now().replace(microsecond=0)
    people = [listener(f"many-mod-{i}") for i in range(5)]
    grants = [(p.pk, now - dt.timedelta(days=10 + i)) for i, p in enumerate(people)]
    moderator = achievement("chatroom-moderator")
    # when: one call, whatever the number of people (grant_by_staff: about 12 each)
    with django_assert_max_num_queries(16):
        awards = grant_many_by_staff(
            achievement=moderator,
            grants=grants,
            by=staff,
            reason="Moderators of the partner forum.",
        )
    # then: each holds a dated staff award with its audit row, certificate, group and notice
    assert len(awards) == 5
    for person, (_, at) in zip(people, grants, strict=True):
        award = award_of(person, "chatroom-moderator")
        assert award is not None
        assert (award.state, award.source, award.granted_at) == ("active", "staff", at)
        assert award.certificate.valid
        log = AwardLog.objects.get(user=person, action="granted")
        assert (log.actor, log.at, log.reasons) == (staff, at, "Moderators of the partner forum.")
        assert person.has_role(Role.MODERATOR)
    assert Notification.objects.filter(recipient__in=people, category="progression").count() == 5
    # the tenure counts from the grant: 10 days for the first
    response = login(people[0]).get(PATH)
    assert 'data-testid="status">Held' in item_html(response, "chatroom-moderator")
    assert "10 of 56 days as Chatroom Moderator" in item_html(response, "group-support-mentor")


def test_grant_many_by_staff_writes_nothing_when_one_is_refused() -> None:
    staff = staff_user()
    now = timezone.now()
    adult, teen = listener("ada-adult"), listener("tia-teen", teen=True)
    ambassador = achievement("ambassador")
    grants = [(adult.pk, now), (teen.pk, now)]
    with pytest.raises(Refused, match="for adults"):
        grant_many_by_staff(achievement=ambassador, grants=grants, by=staff, reason="x")
    with pytest.raises(Refused, match="Say why"):
        grant_many_by_staff(achievement=ambassador, grants=grants[:1], by=staff, reason=" ")
    with pytest.raises(Refused):
        grant_many_by_staff(achievement=ambassador, grants=grants[:1], by=adult, reason="x")
    assert not Award.objects.exists()
    assert not adult.has_role(Role.AMBASSADOR)
    grant_many_by_staff(achievement=ambassador, grants=grants[:1], by=staff, reason="x")
    with pytest.raises(Conflict, match="already"):
        grant_many_by_staff(achievement=ambassador, grants=grants[:1], by=staff, reason="x")
    assert Award.objects.count() == 1
