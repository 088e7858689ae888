"""The chat's services and selectors: post_message, mark_read, messages_after, unread_counts,
and the automatic conversation (a day on which both people wrote counts once)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.core.errors import NotFound, RateLimited, Refused
from peerpath.mentorship import realtime
from peerpath.mentorship.models import (
    MESSAGE_MAX_CHARS,
    Conversation,
    ConversationKind,
    EndReason,
    Mentorship,
    MentorshipSettings,
    MentorshipSource,
    MentorshipStatus,
    Message,
)
from peerpath.mentorship.selectors import chat as chat_reads
from peerpath.mentorship.services import chat, lifecycle, tickets

pytestmark = pytest.mark.django_db


@dataclass
class Pair:
    mentor: User
    mentee: User
    mentorship: Mentorship


def make_pair(*, teen: bool = True, mentor_teen: bool | None = None) -> Pair:
    mentor = UserFactory.create(
        teen=teen if mentor_teen is None else mentor_teen, listener=True, roles=[Role.MENTOR]
    )
    mentee = UserFactory.create(teen=teen, listener=True)
    m = Mentorship.objects.create(
        mentor=mentor, mentee=mentee, source=MentorshipSource.REQUEST, started_at=timezone.now()
    )
    return Pair(mentor, mentee, m)


@pytest.fixture
def pair() -> Pair:
    return make_pair()


@pytest.fixture
def broadcasts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """What the services hand to the channel layer (consumer tests cover the real layer)."""
    sent: list[tuple[str, Any]] = []
    monkeypatch.setattr(
        realtime, "broadcast_message", lambda message, name: sent.append(("message", message.pk))
    )
    monkeypatch.setattr(
        realtime, "broadcast_read", lambda mid, uid, up_to: sent.append(("read", (uid, up_to)))
    )
    return sent


def post(pair: Pair, who: str, body: str = "hi", client_id: str = "") -> Message:
    sender = pair.mentor if who == "mentor" else pair.mentee
    return chat.post_message(
        sender=sender, mentorship_id=pair.mentorship.pk, body=body, client_id=client_id
    ).message


# --- post_message -------------------------------------------------------------------------


def test_post_message_stores_the_text_and_broadcasts_on_commit(
    pair: Pair,
    broadcasts: list[tuple[str, Any]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        posted = chat.post_message(
            sender=pair.mentee, mentorship_id=pair.mentorship.pk, body="  hi <b>there</b>  "
        )
    message = posted.message
    assert posted.created
    assert posted.screening.alert is None
    assert message.body == "hi <b>there</b>"
    assert broadcasts == []  # nobody hears of a row before it is committed
    for callback in callbacks:
        callback()
    assert broadcasts == [("message", message.pk)]
    pair.mentorship.refresh_from_db()
    assert pair.mentorship.mentee_last_read == message.pk  # one's own message is read


def test_the_same_client_id_returns_the_stored_message(pair: Pair) -> None:
    first = chat.post_message(
        sender=pair.mentee, mentorship_id=pair.mentorship.pk, body="once", client_id="abc"
    )
    again = chat.post_message(
        sender=pair.mentee, mentorship_id=pair.mentorship.pk, body="once", client_id="abc"
    )
    assert first.created
    assert not again.created
    assert again.message.pk == first.message.pk
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("", "Please write"),
        ("   \n ", "Please write"),
        ("x" * (MESSAGE_MAX_CHARS + 1), "too long"),
        ("nul \x00 byte", "not allowed"),
    ],
)
def test_bad_bodies_are_refused_and_nothing_is_stored(pair: Pair, body: str, words: str) -> None:
    with pytest.raises(Refused) as caught:
        post(pair, "mentee", body)
    assert caught.value.status == 400
    assert words in caught.value.message
    assert not Message.objects.exists()


def test_the_size_cap_is_inclusive(pair: Pair) -> None:
    assert len(post(pair, "mentee", "y" * MESSAGE_MAX_CHARS).body) == MESSAGE_MAX_CHARS


def test_only_the_two_parties_may_post(pair: Pair) -> None:
    outsider = UserFactory.create(teen=True, listener=True)
    with pytest.raises(NotFound):
        chat.post_message(sender=outsider, mentorship_id=pair.mentorship.pk, body="hi")
    with pytest.raises(NotFound):
        chat.post_message(sender=pair.mentee, mentorship_id=pair.mentorship.pk + 99, body="x")
    # Who may post is decided before what was posted: bad text from a stranger is still 404.
    for body in ("", "x" * (MESSAGE_MAX_CHARS + 1)):
        with pytest.raises(NotFound):
            chat.post_message(sender=outsider, mentorship_id=pair.mentorship.pk, body=body)
    assert not Message.objects.exists()


def test_an_ended_mentorship_refuses_with_403(pair: Pair) -> None:
    lifecycle.end_mentorship(
        actor=pair.mentor, mentorship_id=pair.mentorship.pk, reason=EndReason.COMPLETED
    )
    with pytest.raises(Refused) as caught:
        post(pair, "mentee")
    assert caught.value.status == 403
    assert not Message.objects.exists()


def test_a_cross_band_pair_may_not_chat() -> None:
    crossed = make_pair(teen=True, mentor_teen=False)
    for who in ("mentor", "mentee"):
        with pytest.raises(Refused) as caught:
            post(crossed, who)
        assert caught.value.status == 403
    assert not Message.objects.exists()


def test_the_rate_limit_is_per_sender(pair: Pair) -> None:
    MentorshipSettings.objects.update_or_create(pk=1, defaults={"messages_per_minute": 3})
    for n in range(3):
        post(pair, "mentee", f"m{n}")
    with pytest.raises(RateLimited) as caught:
        post(pair, "mentee", "one too many")
    assert caught.value.status == 429
    post(pair, "mentor", "the other side is not limited by the mentee's pace")
    assert Message.objects.filter(sender=pair.mentee).count() == 3


def test_a_resend_is_not_counted_against_the_rate_limit(pair: Pair) -> None:
    MentorshipSettings.objects.update_or_create(pk=1, defaults={"messages_per_minute": 1})
    first = post(pair, "mentee", "hello", client_id="k1")
    assert post(pair, "mentee", "hello", client_id="k1").pk == first.pk


# --- reading ------------------------------------------------------------------------------


def test_messages_after_returns_later_messages_in_order_up_to_the_limit(pair: Pair) -> None:
    ids = [post(pair, "mentor" if n % 2 else "mentee", f"m{n}").pk for n in range(5)]
    got = chat_reads.messages_after(pair.mentorship.pk, ids[1])
    assert [m.pk for m in got] == ids[2:]
    assert [m.pk for m in chat_reads.messages_after(pair.mentorship.pk, 0, limit=2)] == ids[:2]
    assert chat_reads.messages_after(pair.mentorship.pk, ids[-1]) == []
    other = make_pair()
    post(other, "mentee", "elsewhere")
    assert [m.pk for m in chat_reads.messages_after(pair.mentorship.pk, 0)] == ids


def test_unread_counts_only_the_other_sides_messages(
    pair: Pair, django_assert_num_queries: Callable[..., Any]
) -> None:
    post(pair, "mentor", "a")
    post(pair, "mentor", "b")
    second = make_pair()
    post(second, "mentor", "elsewhere")
    pair.mentorship.refresh_from_db()
    with django_assert_num_queries(1):
        assert chat_reads.unread_counts(pair.mentee, [pair.mentorship]) == {pair.mentorship.pk: 2}
    assert chat_reads.unread_counts(pair.mentor, [pair.mentorship]) == {}
    assert chat_reads.unread_counts(pair.mentee, []) == {}

    post(pair, "mentee", "c")  # answering means having read what came before
    pair.mentorship.refresh_from_db()
    assert chat_reads.unread_counts(pair.mentee, [pair.mentorship]) == {}
    assert chat_reads.unread_counts(pair.mentor, [pair.mentorship]) == {pair.mentorship.pk: 1}


def test_mark_read_moves_forward_only_and_updates_unread_counts(
    pair: Pair,
    broadcasts: list[tuple[str, Any]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    a, b, c = (post(pair, "mentor", body).pk for body in ("a", "b", "c"))
    pair.mentorship.refresh_from_db()
    assert chat_reads.unread_counts(pair.mentee, [pair.mentorship]) == {pair.mentorship.pk: 3}

    with django_capture_on_commit_callbacks(execute=True):
        assert chat.mark_read(user=pair.mentee, mentorship_id=pair.mentorship.pk, up_to=b) == b
    pair.mentorship.refresh_from_db()
    assert chat_reads.unread_counts(pair.mentee, [pair.mentorship]) == {pair.mentorship.pk: 1}
    assert ("read", (pair.mentee.pk, b)) in broadcasts

    broadcasts.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert chat.mark_read(user=pair.mentee, mentorship_id=pair.mentorship.pk, up_to=a) == b
    assert broadcasts == []  # never back, and nothing to tell

    with django_capture_on_commit_callbacks(execute=True):
        last = chat.mark_read(user=pair.mentee, mentorship_id=pair.mentorship.pk, up_to=c + 50)
    assert last == c  # never past the last message
    pair.mentorship.refresh_from_db()
    assert pair.mentorship.mentee_last_read == c
    assert chat_reads.unread_counts(pair.mentee, [pair.mentorship]) == {}


def test_mark_read_is_for_the_parties_only(pair: Pair) -> None:
    outsider = UserFactory.create(teen=True, listener=True)
    with pytest.raises(NotFound):
        chat.mark_read(user=outsider, mentorship_id=pair.mentorship.pk, up_to=1)


def test_ended_mentorships_have_no_unread_badge(pair: Pair) -> None:
    post(pair, "mentor", "bye")
    Mentorship.objects.filter(pk=pair.mentorship.pk).update(
        status=MentorshipStatus.ENDED, end_reason=EndReason.COMPLETED
    )
    pair.mentorship.refresh_from_db()
    assert chat_reads.unread_counts(pair.mentee, [pair.mentorship]) == {}


# --- the automatic conversation -----------------------------------------------------------


def chat_conversations(pair: Pair) -> list[Conversation]:
    return list(Conversation.objects.filter(mentorship=pair.mentorship, kind="chat"))


def conversation_events(user: User) -> int:
    return ActivityEvent.objects.filter(user=user, kind=ActivityKind.MENTOR_CONVERSATION).count()


def test_both_sides_writing_on_one_day_is_one_conversation(pair: Pair) -> None:
    post(pair, "mentee", "hello")
    assert chat_conversations(pair) == []
    post(pair, "mentor", "hi!")
    post(pair, "mentee", "how are you?")
    post(pair, "mentor", "good, you?")
    [conversation] = chat_conversations(pair)
    assert conversation.kind == ConversationKind.CHAT
    assert conversation.logged_by is None
    assert conversation.day == timezone.now().astimezone(dt.UTC).date()
    assert conversation_events(pair.mentor) == 1
    assert conversation_events(pair.mentee) == 1
    event = ActivityEvent.objects.get(user=pair.mentee, kind=ActivityKind.MENTOR_CONVERSATION)
    assert (event.ref_type, event.ref_id) == ("mentorship.conversation", conversation.pk)


def test_a_single_side_writing_is_no_conversation(pair: Pair) -> None:
    for n in range(4):
        post(pair, "mentee", f"anyone there? {n}")
    assert chat_conversations(pair) == []
    assert conversation_events(pair.mentee) == 0
    assert conversation_events(pair.mentor) == 0


def test_each_day_with_both_sides_counts_once(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    day1 = dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC)
    for offset, who in enumerate(("mentee", "mentor", "mentee")):
        monkeypatch.setattr(timezone, "now", lambda o=offset: day1 + dt.timedelta(minutes=o))
        post(pair, who)
    # Next day, only the mentor writes: yesterday's mentee message does not make it a pair.
    day2 = day1 + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: day2)
    post(pair, "mentor", "morning")
    assert [c.day for c in chat_conversations(pair)] == [day1.date()]
    monkeypatch.setattr(timezone, "now", lambda: day2 + dt.timedelta(hours=3))
    post(pair, "mentee", "morning!")
    assert [c.day for c in chat_conversations(pair)] == [day2.date(), day1.date()]
    assert conversation_events(pair.mentor) == conversation_events(pair.mentee) == 2


def test_the_outreach_template_is_a_chat_message(pair: Pair) -> None:
    message = tickets.send_outreach_template(user=pair.mentor, mentorship_id=pair.mentorship.pk)
    assert message.sender_id == pair.mentor.pk
    assert pair.mentee.username in message.body
    assert [m.pk for m in chat_reads.messages_after(pair.mentorship.pk)] == [message.pk]
