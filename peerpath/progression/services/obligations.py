"""Obligations attached to roles (e.g. Global Mod training within 14 days of becoming a
Group Support Mentor / Teen Star): reminders before the deadline and a notice when a role is
paused for missing it. The deadlines themselves are decided by the evaluator (``awarding.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Final

from django.db import transaction
from django.utils import timezone

from peerpath.notifications.services import notify
from peerpath.progression.models import Award, AwardAction, AwardLog, AwardState

REMIND_DAYS_BEFORE: Final = 3


@transaction.atomic
def send_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind once, ``REMIND_DAYS_BEFORE`` days before a deadline, everyone who still owes a
    training. Returns the number of reminders sent."""
    now = now or timezone.now()
    due = (
        Award.objects.select_for_update(of=("self",))
        .filter(
            state=AwardState.ACTIVE,
            obligation_due__gt=now,
            obligation_due__lte=now + dt.timedelta(days=REMIND_DAYS_BEFORE),
            reminded_at__isnull=True,
        )
        .select_related("user", "achievement__obligation_training")
    )
    sent = 0
    for award in due:
        training = award.achievement.obligation_training
        assert training is not None  # noqa: S101 - obligation_due implies a training
        when = award.obligation_due.strftime("%d %b %Y %H:%M UTC") if award.obligation_due else ""
        text = (
            f"Your {award.achievement.name} role needs {training.name} by {when}. "
            "If it is not done by then the role is paused until you finish it."
        )
        notify(
            [award.user],
            "training",
            f"{training.name} is due soon",
            text,
            url="/path/",
            source="progression:obligations",
        )
        AwardLog.objects.create(
            user_id=award.user_id,
            achievement_id=award.achievement_id,
            action=AwardAction.REMINDED,
            at=now,
            reasons=text,
        )
        award.reminded_at = now
        award.save(update_fields=["reminded_at"])
        sent += 1
    return sent
