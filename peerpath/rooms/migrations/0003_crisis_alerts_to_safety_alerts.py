"""Room crisis alerts become safeguarding alerts (``safety.SafetyAlert``, issue 17): every
alert has one home. Existing rows are copied (the writer, the excerpt of the message, the
detector's category and severity, and a follow-up as a resolution with its note), then the
rooms-only table is dropped. High-severity ones enter the staff queue, like new ones; the
responders of an old alert are not known (the room's moderators then), so an unhandled one
with nobody to tell is queued too."""

from __future__ import annotations

from typing import Any

from django.db import migrations

EXCERPT_MAX_CHARS = 600  # safety.models.EXCERPT_MAX_CHARS when this was written


def _band(user: Any, at: Any) -> str:
    adult_from = getattr(user, "adult_from", None)
    return "adult" if adult_from is None or adult_from <= at else "teen"


def copy_alerts(apps: Any, schema_editor: Any) -> None:
    crisis_alert = apps.get_model("rooms", "CrisisAlert")
    safety_alert = apps.get_model("safety", "SafetyAlert")
    for old in crisis_alert.objects.select_related("message", "room", "user").iterator():
        body = " ".join(old.message.body.split())
        if len(body) > EXCERPT_MAX_CHARS:
            body = body[: EXCERPT_MAX_CHARS - 1] + "…"
        handled = old.handled_at is not None
        safety_alert.objects.create(
            channel="room",
            where=f"Room “{old.room.name}”"[:200],
            url=f"/rooms/{old.room.slug}/",
            source="rooms.RoomMessage",
            source_id=old.message_id,
            writer_id=old.user_id,
            writer_band=old.room.band or _band(old.user, old.created_at),
            writer_country="",
            excerpt=body,
            category=old.category[:24],
            severity=old.severity[:8],
            term=old.term,
            language=old.language,
            queued=not handled,
            created_at=old.created_at,
            acknowledged_at=old.handled_at,
            acknowledged_by_id=old.handled_by_id,
            resolved_at=old.handled_at,
            resolved_by_id=old.handled_by_id,
            outcome="other" if handled else "",
            outcome_note=(old.note or "Followed up in the room's moderation queue.")
            if handled
            else "",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("rooms", "0002_report_idempotency_key"),
        ("safety", "0001_alerts"),
    ]

    operations = [
        migrations.RunPython(copy_alerts, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="CrisisAlert"),
    ]
