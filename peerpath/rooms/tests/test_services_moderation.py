"""Moderation services: warnings that expire and mute automatically, escalating mutes
(time travel through ``now``), kicks, bans and lifting them, who may act on whom,
delete, slow mode and pause in the log, and following up safeguarding alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.progression.models import Achievement, AwardSource
from peerpath.progression.services.awards import grant_award
from peerpath.progression.tests.helpers import make_person
from peerpath.rooms import policies
from peerpath.rooms.models import (
    ModAction,
    ModerationLog,
    RoomMessage,
    RoomStaff,
    RoomStaffKind,
    Sanction,
    SanctionKind,
)
from peerpath.rooms.selectors.common import standing, viewer
from peerpath.rooms.selectors.moderation import moderation_queue
from peerpath.rooms.services import moderation, posting
from peerpath.rooms.tests.helpers import (
    CRISIS,
    NOW,
    alert_for,
    community,
    make_room,
    member,
    moderator,
    post,
)

pytestmark = pytest.mark.django_db


def test_alerts_are_acknowledged_and_followed_up_once() -> None:
    room = make_room()
    mod = moderator()
    teen_mod = moderator(teen=True)
    posted = posting.post_message(sender=member(), room_id=room.pk, body=CRISIS)
    alert = alert_for(posted.message)
    with pytest.raises(NotFound):
        moderation.handle_alert(actor=member(), alert_id=alert.pk, outcome="supported", note="x")
    with pytest.raises(NotFound):
        moderation.acknowledge_alert(actor=teen_mod, alert_id=alert.pk)
    with pytest.raises(NotFound):
        moderation.handle_alert(actor=mod, alert_id="1", outcome="supported", note="x")
    with pytest.raises(Refused):
        moderation.handle_alert(actor=mod, alert_id=alert.pk, outcome="shrug", note="x")
    moderation.acknowledge_alert(actor=mod, alert_id=alert.pk)
    alert.refresh_from_db()
    assert alert.acknowledged_by == mod
    queue = moderation_queue(viewer(mod))
    assert [a.alert.pk for a in queue.alerts] == [alert.pk]
    assert queue.alerts[0].room == room
    assert queue.alerts[0].message == posted.message
    moderation.handle_alert(
        actor=mod, alert_id=alert.pk, outcome="supported", note="Sent a DM with resources"
    )
    alert.refresh_from_db()
    assert (alert.resolved_by, alert.outcome) == (mod, "supported")
    assert alert.outcome_note == "Sent a DM with resources"
    log = ModerationLog.objects.get(action=ModAction.CRISIS_HANDLED)
    assert (log.room, log.target_id, log.details["alert"]) == (room, alert.writer_id, alert.pk)
    with pytest.raises(Conflict):
        moderation.handle_alert(actor=mod, alert_id=alert.pk, outcome="supported", note="again")
    assert not moderation_queue(viewer(mod)).alerts


def test_the_queue_shows_alerts_to_their_responders_and_staff_only() -> None:
    room = make_room()
    mod = moderator()
    posted = posting.post_message(sender=member(), room_id=room.pk, body=CRISIS)
    later = moderator()  # became a moderator after the alert: not one of its responders
    staff = member(roles=[Role.STAFF])
    assert [a.alert.pk for a in moderation_queue(viewer(mod)).alerts] == [
        alert_for(posted.message).pk
    ]
    assert not moderation_queue(viewer(later)).alerts
    assert len(moderation_queue(viewer(staff)).alerts) == 1
    assert not moderation_queue(viewer(moderator(teen=True))).alerts


def active(user: User, kind: str, at: dt.datetime) -> list[Sanction]:
    return list(Sanction.objects.in_force(at).filter(user=user, kind=kind))


def test_three_active_warnings_mute_automatically_and_mutes_escalate() -> None:
    room = make_room()
    mod, bob = moderator(), member()
    for i in range(2):
        moderation.warn(
            actor=mod,
            room_id=room.pk,
            target_id=bob.pk,
            reason="be kind",
            now=NOW + dt.timedelta(minutes=i),
        )
    assert not active(bob, SanctionKind.MUTE, NOW + dt.timedelta(minutes=2))
    moderation.warn(
        actor=mod,
        room_id=room.pk,
        target_id=bob.pk,
        reason="be kind",
        now=NOW + dt.timedelta(minutes=2),
    )
    mutes = active(bob, SanctionKind.MUTE, NOW + dt.timedelta(minutes=3))
    assert len(mutes) == 1
    assert mutes[0].automatic
    assert mutes[0].expires_at == NOW + dt.timedelta(minutes=12)  # 10 minutes, the first step
    with pytest.raises(Refused) as exc:
        post(bob, room.pk, "hey", at=NOW + dt.timedelta(minutes=5))
    assert "muted" in exc.value.message
    post(bob, room.pk, "sorry", at=NOW + dt.timedelta(minutes=13))
    # Three fresh warnings later: the next mute is longer (60 minutes).
    base = NOW + dt.timedelta(hours=1)
    for i in range(3):
        moderation.warn(
            actor=mod,
            room_id=room.pk,
            target_id=bob.pk,
            reason="again",
            now=base + dt.timedelta(minutes=i),
        )
    second = active(bob, SanctionKind.MUTE, base + dt.timedelta(minutes=3))
    assert second[0].expires_at == base + dt.timedelta(minutes=62)
    assert ModerationLog.objects.filter(action=ModAction.AUTO_MUTE, target=bob).count() == 2


def test_warnings_expire() -> None:
    room = make_room()
    mod, bob = moderator(), member()
    moderation.warn(actor=mod, room_id=room.pk, target_id=bob.pk, reason="x", now=NOW)
    moderation.warn(
        actor=mod, room_id=room.pk, target_id=bob.pk, reason="x", now=NOW + dt.timedelta(hours=1)
    )
    later = NOW + dt.timedelta(hours=24, minutes=30)  # the first warning (24 h) has expired
    moderation.warn(actor=mod, room_id=room.pk, target_id=bob.pk, reason="x", now=later)
    assert not active(bob, SanctionKind.MUTE, later)
    assert len(active(bob, SanctionKind.WARN, later)) == 2


def test_manual_mutes_escalate_without_a_length() -> None:
    room = make_room()
    mod, bob = moderator(), member()
    lengths = []
    for i in range(4):
        at = NOW + dt.timedelta(days=i * 0.5)
        s = moderation.mute(actor=mod, room_id=room.pk, target_id=bob.pk, reason="r", now=at)
        assert s.expires_at is not None
        lengths.append(int((s.expires_at - at).total_seconds() // 60))
    assert lengths == [10, 60, 1440, 10080]


def test_kick_keeps_someone_out_for_a_while() -> None:
    room = make_room()
    mod, bob = moderator(), member()
    moderation.kick(actor=mod, room_id=room.pk, target_id=bob.pk, reason="spam", now=NOW)
    v = viewer(bob)
    assert not policies.can_enter(
        v,
        room,
        policies.OPEN,
        standing(bob.pk, room, now=NOW + dt.timedelta(minutes=5)),
        NOW + dt.timedelta(minutes=5),
    )
    later = NOW + dt.timedelta(minutes=16)
    assert policies.can_enter(v, room, policies.OPEN, standing(bob.pk, room, now=later), later)


def test_a_community_ban_covers_its_rooms_only() -> None:
    comm = community("banned-here")
    a, b = make_room(comm=comm), make_room(comm=comm)
    elsewhere = make_room(comm=community("elsewhere"))
    mod, bob = moderator(), member()
    moderation.ban(actor=mod, room_id=a.pk, target_id=bob.pk, reason="abuse", scope="community")
    assert standing(bob.pk, b).banned == "abuse"
    assert not standing(bob.pk, elsewhere).banned
    with pytest.raises(Forbidden):
        moderation.ban(actor=mod, room_id=a.pk, target_id=bob.pk, reason="x", scope="everywhere")
    with pytest.raises(Refused):
        moderation.ban(actor=mod, room_id=a.pk, target_id=bob.pk, reason="x", scope="galaxy")
    ban = Sanction.objects.get(kind=SanctionKind.BAN)
    moderation.lift(actor=mod, sanction_id=ban.pk, reason="appeal accepted")
    assert not standing(bob.pk, b).banned
    with pytest.raises(Conflict):
        moderation.lift(actor=mod, sanction_id=ban.pk)


def test_members_cannot_moderate_and_moderators_not_each_other() -> None:
    room = make_room()
    alice, bob, mod, mod2 = member(), member(), moderator(), moderator()
    for action in (moderation.mute, moderation.kick, moderation.ban):
        with pytest.raises(Forbidden):
            action(actor=alice, room_id=room.pk, target_id=bob.pk, reason="x")
    with pytest.raises(Forbidden):
        moderation.warn(actor=alice, room_id=room.pk, target_id=bob.pk, reason="x")
    with pytest.raises(Forbidden):
        moderation.mute(actor=mod, room_id=room.pk, target_id=mod2.pk, reason="x")
    with pytest.raises(NotFound):
        moderation.mute(actor=mod, room_id=room.pk, target_id="7", reason="x")
    with pytest.raises(Refused):
        moderation.warn(actor=mod, room_id=room.pk, target_id=bob.pk, reason="")
    assert not Sanction.objects.exists()


def test_community_moderators_act_only_in_their_community() -> None:
    mine, other = community("mine"), community("other")
    mod = member()
    RoomStaff.objects.create(user=mod, kind=RoomStaffKind.MODERATOR, community=mine)
    bob = member()
    moderation.mute(actor=mod, room_id=make_room(comm=mine).pk, target_id=bob.pk, reason="x")
    with pytest.raises(Forbidden):
        moderation.mute(actor=mod, room_id=make_room(comm=other).pk, target_id=bob.pk, reason="x")


def test_room_supporters_may_warn_only() -> None:
    room = make_room()
    supporter = make_person(listener=True, days_ago=60)
    grant_award(
        user=supporter,
        achievement=Achievement.objects.get(slug="room-supporter"),
        source=AwardSource.STAFF,
        reasons="test",
    )
    bob = member()
    moderation.warn(actor=supporter, room_id=room.pk, target_id=bob.pk, reason="gentle reminder")
    with pytest.raises(Forbidden):
        moderation.mute(actor=supporter, room_id=room.pk, target_id=bob.pk, reason="x")


def test_delete_slow_mode_and_pause_are_logged() -> None:
    room = make_room()
    mod, alice = moderator(), member()
    pk = post(alice, room.pk, "rude words")
    with pytest.raises(Forbidden):
        moderation.delete_message(actor=alice, message_id=pk)
    moderation.delete_message(actor=mod, message_id=pk, reason="rude")
    assert RoomMessage.objects.get(pk=pk).deleted_at is not None
    with pytest.raises(Refused):
        moderation.set_slow_mode(actor=mod, room_id=room.pk, seconds=99999)
    with pytest.raises(Refused):
        moderation.set_slow_mode(actor=mod, room_id=room.pk, seconds="10")
    moderation.set_slow_mode(actor=mod, room_id=room.pk, seconds=30)
    moderation.lock_room(actor=mod, room_id=room.pk, reason="cooling down")
    with pytest.raises(Refused) as exc:
        post(alice, room.pk, "hello?", at=timezone.now())
    assert "cooling down" in exc.value.message
    moderation.unlock_room(actor=mod, room_id=room.pk)
    actions = set(ModerationLog.objects.values_list("action", flat=True))
    assert {
        ModAction.DELETE_MESSAGE,
        ModAction.SLOW_MODE,
        ModAction.LOCK_ROOM,
        ModAction.UNLOCK_ROOM,
    } <= actions
