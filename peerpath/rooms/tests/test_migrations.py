"""Migration 0003: room crisis alerts are copied into safeguarding alerts before their table
is dropped (every alert has one home)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from peerpath.accounts.tests.factories import UserFactory
from peerpath.safety.models import SafetyAlert

BEFORE = [("rooms", "0002_report_idempotency_key")]
AFTER = [("rooms", "0003_crisis_alerts_to_safety_alerts")]


@pytest.mark.django_db(transaction=True)
def test_crisis_alerts_are_copied_into_safety_alerts() -> None:
    writer, mod = UserFactory.create(), UserFactory.create()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        community = old.get_model("rooms", "RoomCommunity").objects.create(slug="mig", name="Mig")
        room = old.get_model("rooms", "Room").objects.create(
            slug="mig-room",
            name="Mig room",
            category="member_support",
            community=community,
            band="adult",
        )
        message_model = old.get_model("rooms", "RoomMessage")
        alert_model = old.get_model("rooms", "CrisisAlert")
        at = timezone.now() - dt.timedelta(days=2)
        open_m = message_model.objects.create(room=room, sender_id=writer.pk, body="i want to die")
        done_m = message_model.objects.create(room=room, sender_id=writer.pk, body="end it all")
        common = {"room": room, "user_id": writer.pk, "category": "suicide", "language": "en"}
        alert_model.objects.create(
            message=open_m, term="want to die", severity="high", created_at=at, **common
        )
        alert_model.objects.create(
            message=done_m,
            term="end it all",
            severity="medium",
            created_at=at,
            handled_at=at + dt.timedelta(minutes=3),
            handled_by_id=mod.pk,
            note="Talked with them",
            **common,
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
    rows = {a.source_id: a for a in SafetyAlert.objects.filter(source="rooms.RoomMessage")}
    assert set(rows) == {open_m.pk, done_m.pk}
    waiting, handled = rows[open_m.pk], rows[done_m.pk]
    assert (waiting.channel, waiting.writer_id, waiting.excerpt) == (
        "room",
        writer.pk,
        "i want to die",
    )
    assert (waiting.where, waiting.url, waiting.writer_band) == (
        "Room “Mig room”",
        "/rooms/mig-room/",
        "adult",
    )
    assert (waiting.queued, waiting.resolved_at, waiting.created_at) == (True, None, at)
    assert (handled.resolved_by_id, handled.acknowledged_by_id) == (mod.pk, mod.pk)
    assert (handled.outcome, handled.outcome_note) == ("other", "Talked with them")
    assert not handled.queued
