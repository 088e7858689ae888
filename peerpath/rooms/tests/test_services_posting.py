"""Posting against the real database: idempotency, limits, slow mode, the group chat
credited to the ladder, and safeguarding (help for the writer, alerts to the room's
responders, the live alert frame)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import TestCase
from django.utils import timezone

from peerpath.accounts import services as account_services
from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.core.errors import Forbidden, NotFound, RateLimited, Refused
from peerpath.progression import facts as facts_mod
from peerpath.progression import ladder
from peerpath.progression.tests.helpers import add_events, make_person
from peerpath.rooms import realtime
from peerpath.rooms.models import (
    ModAction,
    ModerationLog,
    Participation,
    RoomBand,
    RoomCategory,
    RoomMessage,
    RoomSettings,
    RoomStaff,
    RoomStaffKind,
    SessionKind,
)
from peerpath.rooms.services import posting, sessions
from peerpath.rooms.tests.helpers import (
    CRISIS,
    NOW,
    alert_for,
    community,
    make_room,
    member,
    moderator,
    post,
    responder_ids,
)
from peerpath.safety import crisis
from peerpath.safety.models import Channel, SafetyAlert

pytestmark = pytest.mark.django_db


def test_a_message_is_stored_once_per_client_id() -> None:
    room = make_room()
    alice = member()
    first = posting.post_message(sender=alice, room_id=room.pk, body=" hello ", client_id="c1")
    again = posting.post_message(sender=alice, room_id=room.pk, body="hello", client_id="c1")
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
        posting.post_message(sender=member(), room_id=room.pk, body=body)
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
        posting.post_message(sender=member(), room_id=teen_room.pk, body="hi")
    with pytest.raises(NotFound):
        posting.post_message(sender=member(), room_id=10**9, body="hi")
    assert not RoomMessage.objects.exists()


def test_a_locked_room_refuses_with_what_unlocks_it() -> None:
    room = make_room(lock={"count": "group_chat", "min": 3})
    person = make_person(listener=False, days_ago=30)
    with pytest.raises(Forbidden) as exc:
        posting.post_message(sender=person, room_id=room.pk, body="hi")
    assert "0 of 3 group chats" in exc.value.message
    add_events(person, ActivityKind.GROUP_CHAT, 3)
    assert posting.post_message(sender=person, room_id=room.pk, body="hi").created


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
    assert "You can send again in 20 s." in exc.value.message  # issue 19: how long to wait
    with pytest.raises(RateLimited) as exc:
        post(alice, room.pk, "two", at=NOW + dt.timedelta(seconds=29, milliseconds=500))
    assert "You can send again in 1 s." in exc.value.message
    post(alice, room.pk, "two", at=NOW + dt.timedelta(seconds=31))
    post(mod, room.pk, "a", at=NOW)
    post(mod, room.pk, "b", at=NOW + dt.timedelta(seconds=1))


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
    s = sessions.schedule_session(
        actor=host,
        room_id=room.pk,
        kind=SessionKind.SUPPORT_SESSION,
        title="Evening support",
        starts_at=NOW + dt.timedelta(minutes=30),
        ends_at=NOW + dt.timedelta(minutes=90),
        now=NOW,
    ).session
    sessions.start_session(actor=host, session_id=s.pk, now=NOW + dt.timedelta(minutes=30))
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


def test_crisis_language_is_kept_answered_with_help_and_alerted() -> None:
    room = make_room()
    mod = moderator()
    appointed = member(listener=True)
    RoomStaff.objects.create(user=appointed, kind=RoomStaffKind.MODERATOR, room=room)
    alice = member()
    posted = posting.post_message(sender=alice, room_id=room.pk, body=CRISIS)
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
    posted = posting.post_message(
        sender=member(), room_id=make_room().pk, body="this homework is killing me lol"
    )
    assert posted.screening.hit is None
    assert posted.screening.as_payload() is None
    assert not SafetyAlert.objects.exists()
    assert not RoomMessage.objects.get().crisis


def test_a_resent_message_raises_no_second_alert() -> None:
    room = make_room()
    alice = member()
    posting.post_message(sender=alice, room_id=room.pk, body=CRISIS, client_id="c1")
    again = posting.post_message(sender=alice, room_id=room.pk, body=CRISIS, client_id="c1")
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
    posted = posting.post_message(sender=teen, room_id=room.pk, body=CRISIS)
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
    account_services.suspend_user(
        actor=admin, user=away, until=timezone.now() + dt.timedelta(days=2), reason="break"
    )
    start = timezone.now() - dt.timedelta(minutes=5)
    s = sessions.schedule_session(
        actor=mod,
        room_id=room.pk,
        kind=SessionKind.SHARING_CIRCLE,
        title="Circle",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        host_id=host.pk,
        now=start - dt.timedelta(minutes=1),
    ).session
    sessions.start_session(actor=host, session_id=s.pk)
    alice = member()
    posted = posting.post_message(sender=alice, room_id=room.pk, body=CRISIS)
    assert responder_ids(alert_for(posted.message)) == {mod.pk, host.pk}
    # The host writing it: the host is not their own responder.
    by_host = posting.post_message(sender=host, room_id=room.pk, body="I want to end my life")
    assert responder_ids(alert_for(by_host.message)) == {mod.pk}


def test_a_room_without_moderators_falls_back_to_the_staff_queue() -> None:
    room = make_room()
    posted = posting.post_message(sender=member(), room_id=room.pk, body=CRISIS)
    alert = alert_for(posted.message)
    assert responder_ids(alert) == set()
    assert alert.queued


def test_a_detector_error_still_delivers_the_message_and_queues_it(monkeypatch) -> None:
    def broken(text: str) -> None:
        raise RuntimeError("lexicon missing")

    monkeypatch.setattr(crisis, "detect", broken)
    room = make_room()
    mod = moderator()
    posted = posting.post_message(sender=member(), room_id=room.pk, body=CRISIS)
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
        posted = posting.post_message(sender=member(), room_id=room.pk, body=CRISIS)
    alert = alert_for(posted.message)
    assert [(r, p["alert"], p["message_id"]) for r, p in sent] == [
        (room.pk, alert.pk, posted.message.pk)
    ]
    assert sent[0][1]["url"] == f"/safety/alerts/{alert.pk}/"
