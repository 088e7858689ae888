"""Feedback a person leaves a listener after a one-to-one chat (a mentorship chat) or a
group session they hosted, and the community's k-anonymity settings.

Invariants the database enforces: a rating is 1-5; nobody rates themselves; a hidden
comment records who hid it and when (both or neither). A response is read only once it is
released in a batch of at least k (``released_at``). "One per listener per 48 hours" is a
sliding window checked in ``services.give_feedback`` under a row lock on the author.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

COMMENT_MAX_CHARS = 1000
HIDDEN_REASON_MAX_CHARS = 300


class ContextKind(models.TextChoices):
    MENTORSHIP = "mentorship", "One-to-one chat (mentorship)"
    SESSION = "session", "Group session"


class FeedbackQuerySet(models.QuerySet["Feedback"]):
    def for_listener(self, listener_id: int) -> FeedbackQuerySet:
        return self.filter(listener_id=listener_id)

    def released(self) -> FeedbackQuerySet:
        """Responses the listener (and their mentor) may read: released in a batch."""
        return self.filter(released_at__isnull=False)

    def waiting(self) -> FeedbackQuerySet:
        """Responses not yet released: they wait for a batch of k."""
        return self.filter(released_at__isnull=True)

    def visible_comments(self) -> FeedbackQuerySet:
        """Comments that are written and not hidden by staff."""
        return self.filter(hidden_at__isnull=True).exclude(comment="")


class Feedback(models.Model):
    listener = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_received"
    )
    # Never shown to the listener or their mentor: staff see it in the admin only.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_given"
    )
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    # Plain text: always rendered escaped (never as HTML or Markdown).
    comment = models.TextField(max_length=COMMENT_MAX_CHARS, blank=True)
    context_kind = models.CharField(max_length=16, choices=ContextKind.choices)
    context_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(db_index=True)
    # Responses are shown in batches of at least k (services.release_feedback): a response
    # shown the moment it arrives could be told apart as the one newest author's.
    released_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_reason = models.CharField(max_length=HIDDEN_REASON_MAX_CHARS, blank=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "feedback"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="feedback_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=~Q(author=models.F("listener")), name="feedback_not_self"
            ),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""),
                name="feedback_hidden_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["listener", "created_at"]),
            models.Index(fields=["author", "listener", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Feedback #{self.pk} for {self.listener_id} ({self.rating}/5)"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class FeedbackSettings(models.Model):
    """The community's feedback knobs, one row (pk=1), edited by staff in the admin."""

    k = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
        help_text=(
            "Feedback is shown only once a listener has at least this many responses, and "
            "new responses are shown in batches of at least this many."
        ),
    )
    window_hours = models.PositiveSmallIntegerField(
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text="One feedback per person per listener within this many hours.",
    )

    class Meta:
        verbose_name = "feedback settings"
        verbose_name_plural = "feedback settings"
        constraints = [
            models.CheckConstraint(condition=Q(k__gte=2), name="feedback_settings_k_at_least_2"),
        ]

    def __str__(self) -> str:
        return "Feedback settings"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> FeedbackSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj
