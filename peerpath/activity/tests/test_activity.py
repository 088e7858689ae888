from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity import selectors, services
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.activity.services import Ref

pytestmark = pytest.mark.django_db


def test_record_activity_appends():
    user = UserFactory.create()
    event = services.record_activity(user=user, kind=ActivityKind.GROUP_CHAT)
    assert ActivityEvent.objects.get() == event
    assert event.kind == "group_chat"
    assert event.ref_id is None


def test_same_reference_is_recorded_once():
    user = UserFactory.create()
    first = services.record_activity(
        user=user, kind=ActivityKind.GROUP_CHAT, ref=Ref("rooms.session", 7)
    )
    again = services.record_activity(
        user=user, kind=ActivityKind.GROUP_CHAT, ref=Ref("rooms.session", 7)
    )
    other = services.record_activity(
        user=user, kind=ActivityKind.GROUP_CHAT, ref=Ref("rooms.session", 8)
    )
    assert again.pk == first.pk
    assert other.pk != first.pk
    assert ActivityEvent.objects.count() == 2


def test_future_and_naive_times_are_refused():
    user = UserFactory.create()
    with pytest.raises(ValueError, match="future"):
        services.record_activity(
            user=user,
            kind=ActivityKind.FORUM_POST,
            occurred_at=timezone.now() + dt.timedelta(days=1),
        )
    with pytest.raises(ValueError, match="aware"):
        services.record_activity(
            user=user,
            kind=ActivityKind.FORUM_POST,
            occurred_at=dt.datetime(2024, 1, 1),  # noqa: DTZ001
        )
    assert not ActivityEvent.objects.exists()


def test_unknown_kind_is_refused():
    user = UserFactory.create()
    with pytest.raises(ValueError, match="telepathy"):
        services.record_activity(user=user, kind="telepathy")  # type: ignore[arg-type]
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityEvent.objects.bulk_create([ActivityEvent(user=user, kind="telepathy")])


def test_log_is_append_only():
    user = UserFactory.create()
    event = services.record_activity(user=user, kind=ActivityKind.FORUM_POST)
    event.kind = ActivityKind.GROUP_CHAT
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        ActivityEvent.objects.filter(pk=event.pk).update(kind="group_chat")
    event.refresh_from_db()
    assert event.kind == "forum_post"


def test_bulk_skips_repeated_references():
    user = UserFactory.create()
    now = timezone.now()
    rows = [
        ActivityEvent(user=user, kind="group_chat", occurred_at=now, ref_type="s", ref_id=1),
        ActivityEvent(user=user, kind="group_chat", occurred_at=now, ref_type="s", ref_id=1),
        ActivityEvent(user=user, kind="forum_post", occurred_at=now),
    ]
    services.record_activities_bulk(rows)
    assert ActivityEvent.objects.count() == 2


def test_counts_are_set_based(django_assert_num_queries):
    a, b = UserFactory.create(), UserFactory.create()
    now = timezone.now()
    for _ in range(3):
        services.record_activity(user=a, kind=ActivityKind.GROUP_CHAT)
    services.record_activity(user=b, kind=ActivityKind.GROUP_CHAT)
    services.record_activity(
        user=b, kind=ActivityKind.REVIEW_POSITIVE, occurred_at=now - dt.timedelta(days=40)
    )
    with django_assert_num_queries(1):
        counts = selectors.activity_counts()
    assert counts == {a.pk: {"group_chat": 3}, b.pk: {"group_chat": 1, "review_positive": 1}}
    recent = selectors.activity_counts(since=now - dt.timedelta(days=30))
    assert recent == {a.pk: {"group_chat": 3}, b.pk: {"group_chat": 1}}
    only_reviews = selectors.activity_counts(kinds=[ActivityKind.REVIEW_POSITIVE])
    assert only_reviews == {b.pk: {"review_positive": 1}}
    with django_assert_num_queries(1):
        mine = selectors.activity_counts_for_user(a)
    assert mine[ActivityKind.GROUP_CHAT] == 3
    assert mine[ActivityKind.FORUM_POST] == 0
