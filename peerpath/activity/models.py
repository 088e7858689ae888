"""The append-only activity log: the single source of facts that ladders, room locks, nudges
and dashboards read. Rows are written only by ``activity.services`` and never changed."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone


class ActivityKind(models.TextChoices):
    ONE_TO_ONE_CHAT = "one_to_one_chat", "One-to-one chat held"
    GROUP_CHAT = "group_chat", "Group support chat"
    REVIEW_POSITIVE = "review_positive", "Positive review received"
    REVIEW_NEGATIVE = "review_negative", "Negative review received"
    HELP_GUIDE_COMPLETED = "help_guide_completed", "Help guide completed"
    TRAINING_COMPLETED = "training_completed", "Training completed"
    FORUM_POST = "forum_post", "Forum post"
    MOCK_CHAT_PASSED = "mock_chat_passed", "Mock chat passed"
    EVENT_HOSTED = "event_hosted", "Event hosted"
    EVENT_ATTENDED = "event_attended", "Event attended"
    SESSION_HOSTED = "session_hosted", "Group session hosted"
    MENTOR_CONVERSATION = "mentor_conversation", "Mentorship conversation logged"
    MENTOR_CHECK_IN = "mentor_check_in", "Mentor check-in"


class AppendOnlyQuerySet(models.QuerySet["ActivityEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("The activity log is append-only: rows are never updated.")


class ActivityEvent(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activity_events"
    )
    kind = models.CharField(max_length=32, choices=ActivityKind.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    # Optional reference to what the event is about ("rooms.session", 42). With a reference,
    # the same (user, kind, reference) is recorded once: recording is safe to retry.
    ref_type = models.CharField(max_length=40, blank=True, default="")
    ref_id = models.BigIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["user", "kind", "occurred_at"], name="activity_user_kind_time"),
            models.Index(fields=["kind", "occurred_at"], name="activity_kind_time"),
            # "Did this person do anything between a and b?" in one seek (retention), and
            # a person's events before their 18th birthday read from the index alone.
            models.Index(fields=["user", "occurred_at", "kind"], name="activity_user_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "ref_type", "ref_id"],
                condition=models.Q(ref_id__isnull=False),
                name="activity_once_per_reference",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ActivityKind.values), name="activity_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} @ {self.occurred_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An integrity guard, not business logic: history is never rewritten.
        if not self._state.adding:
            raise TypeError("The activity log is append-only: rows are never updated.")
        super().save(*args, **kwargs)
