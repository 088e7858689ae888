"""Obligations attached to roles (e.g. Global Mod training within 14 days of becoming a
Group Support Mentor / Teen Star): reminders before the deadline and a notice when a role is
paused for missing it. The deadlines themselves are decided by the evaluator (``awarding.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Final

from django.db import transaction
from django.utils import timezone

from peerpath.notifications.services import Outgoing
from peerpath.progression.models import Award, AwardAction, AwardLog, AwardState
from peerpath.progression.selectors.awards import display_name
from peerpath.progression.services import notices

REMIND_DAYS_BEFORE: Final = 3


@transaction.atomic
def send_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind once, ``REMIND_DAYS_BEFORE`` days before a deadline, everyone who still owes a
    training (the notices, audit rows and marks written in bulk). Returns the number of
    reminders sent."""
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
    told: list[Outgoing] = []
    logs: list[AwardLog] = []
    ids: list[int] = []
    for award in due:
        training = award.achievement.obligation_training
        assert training is not None  # noqa: S101 - obligation_due implies a training
        assert award.obligation_due is not None  # noqa: S101 - filtered above
        notice = notices.obligation_due(
            award.user_id,
            display_name(award.achievement, award.user),
            training=training.name,
            due=award.obligation_due,
        )
        told.append(notice)
        logs.append(
            AwardLog(
                user_id=award.user_id,
                achievement_id=award.achievement_id,
                action=AwardAction.REMINDED,
                at=now,
                reasons=notice.body,
            )
        )
        ids.append(award.pk)
    notices.send(told)
    AwardLog.objects.bulk_create(logs)
    Award.objects.filter(pk__in=ids).update(reminded_at=now)
    sent = len(ids)
    return sent
