"""Room services against the real database: posting, group-chat credit for the ladder,
limits, crisis support, moderation with escalation (time travel through ``now``), reports,
sessions and hosting time, blocks, and badge locks in words."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import TestCase
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.core.errors import Conflict, Forbidden, NotFound, RateLimited, Refused
from peerpath.progression import facts as facts_mod
from peerpath.progression import ladder
from peerpath.progression.models import Achievement, AwardSource
from peerpath.progression.services import grant_award
from peerpath.progression.tests.helpers import add_events, make_person
from peerpath.rooms import locks, policies, realtime, selectors, services
from peerpath.rooms.models import (
    HostingQuota,
    ModAction,
    ModerationLog,
    Participation,
    Report,
    ReportReason,
    ReportStatus,
    RoomBand,
    RoomCategory,
    RoomMessage,
    RoomSettings,
    RoomStaff,
    RoomStaffKind,
    Sanction,
    SanctionKind,
    SessionKind,
)
from peerpath.rooms.tests.helpers import community, make_room
from peerpath.safety.models import Channel, SafetyAlert

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0) - dt.timedelta(days=3)


def member(**kw: object) -> User:
    user: User = UserFactory.create(**kw)
    return user


def moderator(teen: bool = False) -> User:
    user: User = UserFactory.create(teen=teen, listener=True, roles=[Role.MODERATOR])
    return user


def post(user: User, room_id: int, body: str, *, at: dt.datetime = NOW, cid: str = "") -> int:
    return services.post_message(
        sender=user, room_id=room_id, body=body, client_id=cid, now=at
    ).message.pk


# --- posting ---------------------------------------------------------------------------------


def test_a_message_is_stored_once_per_client_id() -> None:
    room = make_room()
    alice = member()
    first = services.post_message(sender=alice, room_id=room.pk, body=" hello ", client_id="c1")
    again = services.post_message(sender=alice, room_id=room.pk, body="hello", client_id="c1")
    assert first.created
    assert not again.created
    assert again.message.pk == first.message.pk
    assert first.message.body == "hello"
    assert RoomMessage.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("", "Please write"),
        ("   ", "Please write"),
        ("x" * 1001, "too long"),
        ("a\x00b", "not allowed"),
        (42, "text"),
    ],
)
def test_bad_bodies_are_refused_and_nothing_is_saved(body: object, fragment: str) -> None:
    room = make_room()
    with pytest.raises(Refused) as exc:
        services.post_message(sender=member(), room_id=room.pk, body=body)
    assert exc.value.status == 400
    assert fragment in exc.value.message
    assert not RoomMessage.objects.exists()


def test_html_is_stored_as_text() -> None:
    room = make_room()
    pk = post(member(), room.pk, "<script>alert(1)</script>")
    assert RoomMessage.objects.get(pk=pk).body == "<script>alert(1)</script>"


def test_cross_band_posting_looks_like_a_missing_room() -> None:
    teen_room = make_room(band=RoomBand.TEEN)
    with pytest.raises(NotFound):
        services.post_message(sender=member(), room_id=teen_room.pk, body="hi")
    with pytest.raises(NotFound):
        services.post_message(sender=member(), room_id=10**9, body="hi")
    assert not RoomMessage.objects.exists()


def test_a_locked_room_refuses_with_what_unlocks_it() -> None:
    room = make_room(lock={"count": "group_chat", "min": 3})
    person = make_person(listener=False, days_ago=30)
    with pytest.raises(Forbidden) as exc:
        services.post_message(sender=person, room_id=room.pk, body="hi")
    assert "3 more group chats" in exc.value.message
    add_events(person, ActivityKind.GROUP_CHAT, 3)
    assert services.post_message(sender=person, room_id=room.pk, body="hi").created


def test_rate_limit_refuses_and_keeps_what_was_saved() -> None:
    cfg = RoomSettings.current()
    cfg.message_rate_count, cfg.message_rate_seconds = 3, 60
    cfg.save()
    room = make_room()
    alice = member()
    for i in range(3):
        post(alice, room.pk, f"m{i}", at=NOW + dt.timedelta(seconds=i))
    with pytest.raises(RateLimited):
        post(alice, room.pk, "too fast", at=NOW + dt.timedelta(seconds=4))
    assert RoomMessage.objects.filter(sender=alice).count() == 3
    post(alice, room.pk, "later", at=NOW + dt.timedelta(seconds=70))


def test_slow_mode_spaces_out_messages_but_not_for_moderators() -> None:
    room = make_room(slow_mode_seconds=30)
    alice, mod = member(), moderator()
    post(alice, room.pk, "one")
    with pytest.raises(RateLimited) as exc:
        post(alice, room.pk, "two", at=NOW + dt.timedelta(seconds=10))
    assert "30 seconds" in exc.value.message
    post(alice, room.pk, "two", at=NOW + dt.timedelta(seconds=31))
    post(mod, room.pk, "a", at=NOW)
    post(mod, room.pk, "b", at=NOW + dt.timedelta(seconds=1))


# --- group chat credit -----------------------------------------------------------------------


def group_chats(user: User) -> int:
    return ActivityEvent.objects.filter(user=user, kind=ActivityKind.GROUP_CHAT).count()


def test_posting_credits_one_group_chat_per_room_per_day() -> None:
    a, b = make_room(), make_room()
    alice = member()
    post(alice, a.pk, "1")
    post(alice, a.pk, "2", at=NOW + dt.timedelta(minutes=5))
    assert group_chats(alice) == 1
    post(alice, b.pk, "3", at=NOW + dt.timedelta(minutes=6))
    assert group_chats(alice) == 2
    post(alice, a.pk, "next day", at=NOW + dt.timedelta(days=1))
    assert group_chats(alice) == 3
    assert Participation.objects.filter(user=alice).count() == 3


def test_a_session_is_credited_once_apart_from_the_day() -> None:
    room = make_room()
    host = moderator()
    alice = member()
    post(alice, room.pk, "before the session")
    s = services.schedule_session(
        actor=host,
        room_id=room.pk,
        kind=SessionKind.SUPPORT_SESSION,
        title="Evening support",
        starts_at=NOW + dt.timedelta(minutes=30),
        ends_at=NOW + dt.timedelta(minutes=90),
        now=NOW,
    ).session
    services.start_session(actor=host, session_id=s.pk, now=NOW + dt.timedelta(minutes=30))
    post(alice, room.pk, "in it", at=NOW + dt.timedelta(minutes=31))
    post(alice, room.pk, "still", at=NOW + dt.timedelta(minutes=40))
    assert group_chats(alice) == 2
    assert Participation.objects.filter(user=alice, session=s).count() == 1


def test_group_chats_feed_the_ladder() -> None:
    listener = make_person(listener=True, days_ago=60)
    for day in range(2):
        post(listener, make_room().pk, "hi", at=NOW + dt.timedelta(days=day))
    facts, _ = facts_mod.load(ladder.load_rules(), now=timezone.now(), user_ids=[listener.pk])
    assert int(facts.count("group_chat", None)[0]) == 2


# --- safeguarding ----------------------------------------------------------------------------

CRISIS = "i want to kill myself"


def alert_for(obj: object) -> SafetyAlert:
    label = f"{obj._meta.app_label}.{obj._meta.object_name}"  # type: ignore[attr-defined]
    return SafetyAlert.objects.get(source=label, source_id=obj.pk)  # type: ignore[attr-defined]


def responder_ids(alert: SafetyAlert) -> set[int]:
    return set(alert.responders.values_list("pk", flat=True))


def test_crisis_language_is_kept_answered_with_help_and_alerted() -> None:
    room = make_room()
    mod = moderator()
    appointed = member(listener=True)
    RoomStaff.objects.create(user=appointed, kind=RoomStaffKind.MODERATOR, room=room)
    alice = member()
    posted = services.post_message(sender=alice, room_id=room.pk, body=CRISIS)
    assert posted.created
    assert posted.screening.hit is not None
    assert posted.screening.resources
    assert posted.screening.as_payload() is not None
    m = RoomMessage.objects.get(pk=posted.message.pk)
    assert m.crisis
    assert m.body == CRISIS
    alert = alert_for(m)
    assert alert == posted.screening.alert
    assert (alert.channel, alert.writer, alert.writer_band) == (Channel.ROOM, alice, "adult")
    assert alert.where == f"Room “{room.name}”"
    assert alert.url == f"/rooms/{room.slug}/"
    assert responder_ids(alert) == {mod.pk, appointed.pk}
    assert alert.queued  # high severity: the staff queue too
    log = ModerationLog.objects.get(action=ModAction.CRISIS_ALERT, message=m)
    assert log.details["alert"] == alert.pk


def test_ordinary_language_raises_no_alert() -> None:
    posted = services.post_message(
        sender=member(), room_id=make_room().pk, body="this homework is killing me lol"
    )
    assert posted.screening.hit is None
    assert posted.screening.as_payload() is None
    assert not SafetyAlert.objects.exists()
    assert not RoomMessage.objects.get().crisis


def test_a_resent_message_raises_no_second_alert() -> None:
    room = make_room()
    alice = member()
    services.post_message(sender=alice, room_id=room.pk, body=CRISIS, client_id="c1")
    again = services.post_message(sender=alice, room_id=room.pk, body=CRISIS, client_id="c1")
    assert not again.created
    assert SafetyAlert.objects.count() == 1


def test_a_teen_rooms_alert_reaches_only_responders_of_the_teen_band() -> None:
    room = make_room(band=RoomBand.TEEN, comm=community("teen-rooms"))
    teen_mod, adult_mod = moderator(teen=True), moderator()
    adult_appointed = member(listener=True)  # appointed, but not of the room's band
    RoomStaff.objects.create(
        user=adult_appointed, kind=RoomStaffKind.MODERATOR, community=room.community
    )
    staff_appointed = member(roles=[Role.STAFF])
    RoomStaff.objects.create(user=staff_appointed, kind=RoomStaffKind.MODERATOR, room=room)
    staff_elsewhere = member(roles=[Role.STAFF])
    teen = member(teen=True)
    posted = services.post_message(sender=teen, room_id=room.pk, body=CRISIS)
    alert = alert_for(posted.message)
    assert alert.writer_band == "teen"
    assert responder_ids(alert) == {teen_mod.pk, staff_appointed.pk}
    assert adult_mod.pk not in responder_ids(alert)
    assert staff_elsewhere.pk not in responder_ids(alert)  # staff see it in the queue
    assert alert.queued
    assert posted.screening.resources  # teen help lines


def test_the_live_sessions_host_is_told_and_a_suspended_moderator_is_not() -> None:
    room = make_room(category=RoomCategory.SHARING_CIRCLE)
    host = member(listener=True)
    RoomStaff.objects.create(user=host, kind=RoomStaffKind.HOST, room=room)
    mod = moderator()
    away = moderator()
    admin = member(roles=[Role.STAFF])
    from peerpath.accounts import services as account_services

    account_services.suspend_user(
        actor=admin, user=away, until=timezone.now() + dt.timedelta(days=2), reason="break"
    )
    start = timezone.now() - dt.timedelta(minutes=5)
    s = services.schedule_session(
        actor=mod,
        room_id=room.pk,
        kind=SessionKind.SHARING_CIRCLE,
        title="Circle",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        host_id=host.pk,
        now=start - dt.timedelta(minutes=1),
    ).session
    services.start_session(actor=host, session_id=s.pk)
    alice = member()
    posted = services.post_message(sender=alice, room_id=room.pk, body=CRISIS)
    assert responder_ids(alert_for(posted.message)) == {mod.pk, host.pk}
    # The host writing it: the host is not their own responder.
    by_host = services.post_message(sender=host, room_id=room.pk, body="I want to end my life")
    assert responder_ids(alert_for(by_host.message)) == {mod.pk}


def test_a_room_without_moderators_falls_back_to_the_staff_queue() -> None:
    room = make_room()
    posted = services.post_message(sender=member(), room_id=room.pk, body=CRISIS)
    alert = alert_for(posted.message)
    assert responder_ids(alert) == set()
    assert alert.queued


def test_a_detector_error_still_delivers_the_message_and_queues_it(monkeypatch) -> None:
    from peerpath.safety import crisis

    def broken(text: str) -> None:
        raise RuntimeError("lexicon missing")

    monkeypatch.setattr(crisis, "detect", broken)
    room = make_room()
    mod = moderator()
    posted = services.post_message(sender=member(), room_id=room.pk, body=CRISIS)
    assert posted.created
    assert RoomMessage.objects.filter(pk=posted.message.pk, body=CRISIS).exists()
    assert posted.screening.resources == []
    alert = alert_for(posted.message)
    assert alert.category == "detector_error"
    assert alert.queued
    assert responder_ids(alert) == {mod.pk}
    assert not RoomMessage.objects.get(pk=posted.message.pk).crisis


def test_moderators_are_told_live_with_the_alert_id(monkeypatch) -> None:
    sent: list[tuple[int, dict[str, object]]] = []
    monkeypatch.setattr(realtime, "alert_moderators", lambda room_id, p: sent.append((room_id, p)))
    room = make_room()
    moderator()
    with TestCase.captureOnCommitCallbacks(execute=True):
        posted = services.post_message(sender=member(), room_id=room.pk, body=CRISIS)
    alert = alert_for(posted.message)
    assert [(r, p["alert"], p["message_id"]) for r, p in sent] == [
        (room.pk, alert.pk, posted.message.pk)
    ]
    assert sent[0][1]["url"] == f"/safety/alerts/{alert.pk}/"


def test_a_report_note_is_screened_for_the_rooms_moderators() -> None:
    room = make_room()
    mod = moderator()
    pk = post(member(), room.pk, "you are all useless")
    reporter = member()
    reported = services.report_message(
        reporter=reporter,
        message_id=pk,
        reason=ReportReason.SAFETY,
        note="reading this makes me want to end my life",
        key="k1",
    )
    alert = alert_for(reported.report)
    assert alert.channel == Channel.REPORT
    assert alert.writer == reporter
    assert responder_ids(alert) == {mod.pk}
    assert reported.screening.resources  # it concerns the reporter: help for them
    again = services.report_message(
        reporter=reporter, message_id=pk, reason=ReportReason.SAFETY, note="x", key="k1"
    )
    assert again.report == reported.report
    assert SafetyAlert.objects.count() == 1
    plain = services.report_message(
        reporter=member(), message_id=pk, reason=ReportReason.SPAM, note="just spam"
    )
    assert plain.screening.alert is None


def test_a_sessions_title_and_description_are_screened() -> None:
    room = make_room()
    writer, other = moderator(), moderator()
    start = NOW + dt.timedelta(hours=1)
    scheduled = services.schedule_session(
        actor=writer,
        room_id=room.pk,
        kind=SessionKind.SUPPORT_SESSION,
        title="Evening support",
        description="Tonight I will end my life, come say goodbye",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        now=NOW,
    )
    alert = alert_for(scheduled.session)
    assert alert.channel == Channel.ROOM
    assert responder_ids(alert) == {other.pk}  # never the writer
    assert "end my life" in alert.excerpt


def test_alerts_are_acknowledged_and_followed_up_once() -> None:
    room = make_room()
    mod = moderator()
    teen_mod = moderator(teen=True)
    posted = services.post_message(sender=member(), room_id=room.pk, body=CRISIS)
    alert = alert_for(posted.message)
    with pytest.raises(NotFound):
        services.handle_alert(actor=member(), alert_id=alert.pk, outcome="supported", note="x")
    with pytest.raises(NotFound):
        services.acknowledge_alert(actor=teen_mod, alert_id=alert.pk)
    with pytest.raises(NotFound):
        services.handle_alert(actor=mod, alert_id="1", outcome="supported", note="x")
    with pytest.raises(Refused):
        services.handle_alert(actor=mod, alert_id=alert.pk, outcome="shrug", note="x")
    services.acknowledge_alert(actor=mod, alert_id=alert.pk)
    alert.refresh_from_db()
    assert alert.acknowledged_by == mod
    queue = selectors.moderation_queue(selectors.viewer(mod))
    assert [a.alert.pk for a in queue.alerts] == [alert.pk]
    assert queue.alerts[0].room == room
    assert queue.alerts[0].message == posted.message
    services.handle_alert(
        actor=mod, alert_id=alert.pk, outcome="supported", note="Sent a DM with resources"
    )
    alert.refresh_from_db()
    assert (alert.resolved_by, alert.outcome) == (mod, "supported")
    assert alert.outcome_note == "Sent a DM with resources"
    log = ModerationLog.objects.get(action=ModAction.CRISIS_HANDLED)
    assert (log.room, log.target_id, log.details["alert"]) == (room, alert.writer_id, alert.pk)
    with pytest.raises(Conflict):
        services.handle_alert(actor=mod, alert_id=alert.pk, outcome="supported", note="again")
    assert not selectors.moderation_queue(selectors.viewer(mod)).alerts


def test_the_queue_shows_alerts_to_their_responders_and_staff_only() -> None:
    room = make_room()
    mod = moderator()
    posted = services.post_message(sender=member(), room_id=room.pk, body=CRISIS)
    later = moderator()  # became a moderator after the alert: not one of its responders
    staff = member(roles=[Role.STAFF])
    assert [a.alert.pk for a in selectors.moderation_queue(selectors.viewer(mod)).alerts] == [
        alert_for(posted.message).pk
    ]
    assert not selectors.moderation_queue(selectors.viewer(later)).alerts
    assert len(selectors.moderation_queue(selectors.viewer(staff)).alerts) == 1
    assert not selectors.moderation_queue(selectors.viewer(moderator(teen=True))).alerts


# --- moderation ------------------------------------------------------------------------------


def active(user: User, kind: str, at: dt.datetime) -> list[Sanction]:
    return list(Sanction.objects.in_force(at).filter(user=user, kind=kind))


def test_three_active_warnings_mute_automatically_and_mutes_escalate() -> None:
    room = make_room()
    mod, bob = moderator(), member()
    for i in range(2):
        services.warn(
            actor=mod,
            room_id=room.pk,
            target_id=bob.pk,
            reason="be kind",
            now=NOW + dt.timedelta(minutes=i),
        )
    assert not active(bob, SanctionKind.MUTE, NOW + dt.timedelta(minutes=2))
    services.warn(
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
        services.warn(
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
    services.warn(actor=mod, room_id=room.pk, target_id=bob.pk, reason="x", now=NOW)
    services.warn(
        actor=mod, room_id=room.pk, target_id=bob.pk, reason="x", now=NOW + dt.timedelta(hours=1)
    )
    later = NOW + dt.timedelta(hours=24, minutes=30)  # the first warning (24 h) has expired
    services.warn(actor=mod, room_id=room.pk, target_id=bob.pk, reason="x", now=later)
    assert not active(bob, SanctionKind.MUTE, later)
    assert len(active(bob, SanctionKind.WARN, later)) == 2


def test_manual_mutes_escalate_without_a_length() -> None:
    room = make_room()
    mod, bob = moderator(), member()
    lengths = []
    for i in range(4):
        at = NOW + dt.timedelta(days=i * 0.5)
        s = services.mute(actor=mod, room_id=room.pk, target_id=bob.pk, reason="r", now=at)
        assert s.expires_at is not None
        lengths.append(int((s.expires_at - at).total_seconds() // 60))
    assert lengths == [10, 60, 1440, 10080]


def test_kick_keeps_someone_out_for_a_while() -> None:
    room = make_room()
    mod, bob = moderator(), member()
    services.kick(actor=mod, room_id=room.pk, target_id=bob.pk, reason="spam", now=NOW)
    v = selectors.viewer(bob)
    assert not policies.can_enter(
        v,
        room,
        policies.OPEN,
        selectors.standing(bob.pk, room, now=NOW + dt.timedelta(minutes=5)),
        NOW + dt.timedelta(minutes=5),
    )
    later = NOW + dt.timedelta(minutes=16)
    assert policies.can_enter(
        v, room, policies.OPEN, selectors.standing(bob.pk, room, now=later), later
    )


def test_a_community_ban_covers_its_rooms_only() -> None:
    comm = community("banned-here")
    a, b = make_room(comm=comm), make_room(comm=comm)
    elsewhere = make_room(comm=community("elsewhere"))
    mod, bob = moderator(), member()
    services.ban(actor=mod, room_id=a.pk, target_id=bob.pk, reason="abuse", scope="community")
    assert selectors.standing(bob.pk, b).banned == "abuse"
    assert not selectors.standing(bob.pk, elsewhere).banned
    with pytest.raises(Forbidden):
        services.ban(actor=mod, room_id=a.pk, target_id=bob.pk, reason="x", scope="everywhere")
    with pytest.raises(Refused):
        services.ban(actor=mod, room_id=a.pk, target_id=bob.pk, reason="x", scope="galaxy")
    ban = Sanction.objects.get(kind=SanctionKind.BAN)
    services.lift(actor=mod, sanction_id=ban.pk, reason="appeal accepted")
    assert not selectors.standing(bob.pk, b).banned
    with pytest.raises(Conflict):
        services.lift(actor=mod, sanction_id=ban.pk)


def test_members_cannot_moderate_and_moderators_not_each_other() -> None:
    room = make_room()
    alice, bob, mod, mod2 = member(), member(), moderator(), moderator()
    for action in (services.mute, services.kick, services.ban):
        with pytest.raises(Forbidden):
            action(actor=alice, room_id=room.pk, target_id=bob.pk, reason="x")
    with pytest.raises(Forbidden):
        services.warn(actor=alice, room_id=room.pk, target_id=bob.pk, reason="x")
    with pytest.raises(Forbidden):
        services.mute(actor=mod, room_id=room.pk, target_id=mod2.pk, reason="x")
    with pytest.raises(NotFound):
        services.mute(actor=mod, room_id=room.pk, target_id="7", reason="x")
    with pytest.raises(Refused):
        services.warn(actor=mod, room_id=room.pk, target_id=bob.pk, reason="")
    assert not Sanction.objects.exists()


def test_community_moderators_act_only_in_their_community() -> None:
    mine, other = community("mine"), community("other")
    mod = member()
    RoomStaff.objects.create(user=mod, kind=RoomStaffKind.MODERATOR, community=mine)
    bob = member()
    services.mute(actor=mod, room_id=make_room(comm=mine).pk, target_id=bob.pk, reason="x")
    with pytest.raises(Forbidden):
        services.mute(actor=mod, room_id=make_room(comm=other).pk, target_id=bob.pk, reason="x")


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
    services.warn(actor=supporter, room_id=room.pk, target_id=bob.pk, reason="gentle reminder")
    with pytest.raises(Forbidden):
        services.mute(actor=supporter, room_id=room.pk, target_id=bob.pk, reason="x")


def test_delete_slow_mode_and_pause_are_logged() -> None:
    room = make_room()
    mod, alice = moderator(), member()
    pk = post(alice, room.pk, "rude words")
    with pytest.raises(Forbidden):
        services.delete_message(actor=alice, message_id=pk)
    services.delete_message(actor=mod, message_id=pk, reason="rude")
    assert RoomMessage.objects.get(pk=pk).deleted_at is not None
    with pytest.raises(Refused):
        services.set_slow_mode(actor=mod, room_id=room.pk, seconds=99999)
    with pytest.raises(Refused):
        services.set_slow_mode(actor=mod, room_id=room.pk, seconds="10")
    services.set_slow_mode(actor=mod, room_id=room.pk, seconds=30)
    services.lock_room(actor=mod, room_id=room.pk, reason="cooling down")
    with pytest.raises(Refused) as exc:
        post(alice, room.pk, "hello?", at=timezone.now())
    assert "cooling down" in exc.value.message
    services.unlock_room(actor=mod, room_id=room.pk)
    actions = set(ModerationLog.objects.values_list("action", flat=True))
    assert {
        ModAction.DELETE_MESSAGE,
        ModAction.SLOW_MODE,
        ModAction.LOCK_ROOM,
        ModAction.UNLOCK_ROOM,
    } <= actions


# --- reports ---------------------------------------------------------------------------------


def test_reports_reach_the_queue_once_and_are_resolved_once() -> None:
    room = make_room()
    alice, bob, mod = member(), member(), moderator()
    pk = post(bob, room.pk, "mean thing")
    services.report_message(reporter=alice, message_id=pk, reason=ReportReason.HARASSMENT)
    with pytest.raises(Conflict):
        services.report_message(reporter=alice, message_id=pk, reason=ReportReason.HARASSMENT)
    with pytest.raises(Refused):
        services.report_message(reporter=alice, message_id=pk, reason="because")
    with pytest.raises(Forbidden):
        services.report_message(reporter=bob, message_id=pk, reason=ReportReason.SPAM)
    queue = selectors.moderation_queue(selectors.viewer(mod))
    assert [r.message_id for r in queue.reports] == [pk]
    assert not selectors.moderation_queue(selectors.viewer(member(teen=True))).reports
    report = Report.objects.get()
    services.resolve_report(
        actor=mod, report_id=report.pk, status=ReportStatus.ACTIONED, outcome="warned"
    )
    with pytest.raises(Conflict):
        services.resolve_report(
            actor=mod, report_id=report.pk, status=ReportStatus.DISMISSED, outcome="x"
        )
    assert not selectors.moderation_queue(selectors.viewer(mod)).reports


def test_a_teen_moderator_cannot_see_adult_reports() -> None:
    room = make_room()
    pk = post(member(), room.pk, "x")
    services.report_message(reporter=member(), message_id=pk, reason=ReportReason.SPAM)
    teen_mod = moderator(teen=True)
    assert not selectors.moderation_queue(selectors.viewer(teen_mod)).reports
    with pytest.raises(NotFound):
        services.resolve_report(
            actor=teen_mod,
            report_id=Report.objects.get().pk,
            status=ReportStatus.DISMISSED,
            outcome="x",
        )


# --- sessions and hosting --------------------------------------------------------------------


def test_sessions_are_validated() -> None:
    room = make_room(category=RoomCategory.SHARING_CIRCLE, host_required=True)
    host = moderator()
    start = NOW + dt.timedelta(hours=1)

    def schedule(
        begins: dt.datetime, hours: float, *, actor: User = host, host_id: int | None = None
    ) -> None:
        services.schedule_session(
            actor=actor,
            room_id=room.pk,
            kind=SessionKind.SHARING_CIRCLE,
            title="Circle",
            starts_at=begins,
            ends_at=begins + dt.timedelta(hours=hours),
            host_id=host_id,
            now=NOW,
        )

    with pytest.raises(Refused):
        schedule(start, 0)  # ends as it starts
    with pytest.raises(Refused):
        schedule(NOW - dt.timedelta(hours=2), 1)  # in the past
    with pytest.raises(Refused):
        schedule(start, 5)  # too long
    schedule(start, 1)
    with pytest.raises(Conflict):
        schedule(start + dt.timedelta(minutes=30), 1)
    with pytest.raises(Forbidden):
        schedule(start + dt.timedelta(hours=3), 1, actor=member())
    teen = member(teen=True)
    with pytest.raises(Refused, match="age band"):
        schedule(start + dt.timedelta(hours=3), 1, host_id=teen.pk)
    with pytest.raises(Refused):
        services.schedule_session(
            actor=host,
            room_id=room.pk,
            kind="rave",
            title="x",
            starts_at=start + dt.timedelta(hours=5),
            ends_at=start + dt.timedelta(hours=6),
            now=NOW,
        )
    assert room.sessions.count() == 1


def test_hosting_time_is_credited_from_the_session_record() -> None:
    room = make_room(category=RoomCategory.SHARING_CIRCLE, host_required=True)
    host = moderator()
    HostingQuota.objects.create(role_slug="chatroom-moderator", minutes_per_month=120)
    start = NOW + dt.timedelta(hours=1)
    s = services.schedule_session(
        actor=host,
        room_id=room.pk,
        kind=SessionKind.SHARING_CIRCLE,
        title="Circle",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        now=NOW,
    ).session
    with pytest.raises(Refused):
        services.start_session(actor=host, session_id=s.pk, now=NOW)  # too early
    with pytest.raises(Forbidden):
        services.start_session(actor=member(), session_id=s.pk, now=start)
    services.start_session(actor=host, session_id=s.pk, now=start + dt.timedelta(minutes=5))
    done = services.end_session(actor=host, session_id=s.pk, now=start + dt.timedelta(minutes=50))
    assert selectors.credited_minutes(done) == 45
    assert ActivityEvent.objects.filter(user=host, kind=ActivityKind.SESSION_HOSTED).count() == 1
    rows = selectors.hosting_by_month(now=start + dt.timedelta(hours=2))
    assert [(r.host.pk, r.sessions, r.minutes) for r in rows] == [(host.pk, 1, 45)]


def test_forgotten_sessions_end_30_minutes_after_schedule() -> None:
    room = make_room()
    host = moderator()
    start = NOW + dt.timedelta(hours=1)
    s = services.schedule_session(
        actor=host,
        room_id=room.pk,
        kind=SessionKind.SKILLS_DISCUSSION,
        title="Skills",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        now=NOW,
    ).session
    services.start_session(actor=host, session_id=s.pk, now=start)
    assert services.end_overdue_sessions(now=start + dt.timedelta(hours=2)) == 1
    s.refresh_from_db()
    assert s.ended_at == start + dt.timedelta(minutes=90)
    assert selectors.credited_minutes(s) == 90


# --- blocks and locks ------------------------------------------------------------------------


def test_a_block_hides_both_ways() -> None:
    alice, bob = member(), member()
    services.block(blocker=alice, blocked_id=bob.pk)
    assert selectors.blocked_ids(alice.pk) == {bob.pk}
    assert selectors.blocked_ids(bob.pk) == {alice.pk}
    room = make_room()
    post(bob, room.pk, "hi")
    assert selectors.messages_after(room.pk, 0, 10, selectors.blocked_ids(alice.pk)) == []
    with pytest.raises(Refused):
        services.block(blocker=alice, blocked_id=alice.pk)


def test_lock_reasons_read_like_the_path() -> None:
    person = make_person(listener=True, days_ago=10)
    add_events(person, ActivityKind.GROUP_CHAT, 2)
    room = make_room(
        lock={"all": [{"held": "verified-listener"}, {"count": "group_chat", "min": 5}]}
    )
    either = make_room(
        lock={"any": [{"held": "room-supporter"}, {"tenure": "listener", "min_days": 14}]}
    )
    found = locks.locks_for(person, [room, either, make_room()])
    assert found[room.pk].reasons == ("needs the Verified Listener badge", "3 more group chats")
    assert found[either.pk].reasons == ("4 more days as a listener",)
    assert found[room.pk].summary == "needs the Verified Listener badge · 3 more group chats"
    assert [lk.open for lk in found.values()] == [False, False, True]
