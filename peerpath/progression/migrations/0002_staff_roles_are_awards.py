"""Staff-granted roles the ladder knows (an achievement's ``group_name``: Moderator,
Ambassador) are held awards. People who held the group before that rule get their award now,
source ``staff``, dated today (the group kept no date), with its certificate and an audit row
saying why."""

from __future__ import annotations

import base64
import os
from typing import Any

from django.db import migrations
from django.utils import timezone

REASON = "Held the {group} role when staff roles joined the ladder."


def staff_roles_to_awards(apps: Any, schema_editor: Any) -> None:
    achievement_model = apps.get_model("progression", "Achievement")
    award_model = apps.get_model("progression", "Award")
    log_model = apps.get_model("progression", "AwardLog")
    certificate_model = apps.get_model("progression", "Certificate")
    user_model = apps.get_model("accounts", "User")
    now = timezone.now()
    for achievement in achievement_model.objects.exclude(group_name=""):
        members = user_model.objects.filter(groups__name=achievement.group_name)
        holders = award_model.objects.filter(achievement=achievement, state="active")
        missing = list(
            members.exclude(pk__in=holders.values("user_id")).values_list("pk", flat=True)
        )
        for user_id in missing:
            award, _ = award_model.objects.update_or_create(
                user_id=user_id,
                achievement=achievement,
                defaults={
                    "state": "active",
                    "source": "staff",
                    "granted_at": now,
                    "changed_at": now,
                    "below_since": None,
                    "obligation_due": None,
                    "reminded_at": None,
                },
            )
            if achievement.certificate:
                certificate_model.objects.update_or_create(
                    award=award,
                    defaults={"issued_at": now, "revoked_at": None, "revoked_reason": ""},
                    create_defaults={
                        "id": base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode(),
                        "issued_at": now,
                    },
                )
        log_model.objects.bulk_create(
            log_model(
                user_id=user_id,
                achievement=achievement,
                action="granted",
                at=now,
                reasons=REASON.format(group=achievement.group_name),
            )
            for user_id in missing
        )


class Migration(migrations.Migration):
    dependencies = [
        ("progression", "0001_initial"),
        ("accounts", "0004_ladder_indexes"),
    ]

    operations = [migrations.RunPython(staff_roles_to_awards, migrations.RunPython.noop)]
