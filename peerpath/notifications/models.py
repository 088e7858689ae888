"""Notifications: one row per message per person, whatever channels it goes out on.

A row is written whenever the in-app centre *or* e-mail is wanted for its category; the
``in_app`` column decides whether it shows in the bell and the list. E-mail delivery is a
small state machine on the same row, so a failing mail server never loses the notification.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from peerpath.notifications.categories import CATEGORIES

TITLE_MAX_CHARS = 200
URL_MAX_CHARS = 500
SOURCE_MAX_CHARS = 64


class EmailState(models.TextChoices):
    NOT_WANTED = "not_wanted", "Not wanted"
    PENDING = "pending", "Pending"
    HELD_QUIET = "held_quiet", "Held for quiet hours"
    DIGEST = "digest", "Waiting for the daily digest"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed, will retry"
    FAILED_FINAL = "failed_final", "Failed, gave up"


#: States a delivery run picks up once ``email_next_try_at`` has passed. Every other state
#: has ``email_next_try_at`` NULL, so "due" is one range scan of a partial index.
DUE_STATES = (EmailState.PENDING, EmailState.HELD_QUIET, EmailState.FAILED)


class NotificationQuerySet(models.QuerySet["Notification"]):
    def visible(self) -> NotificationQuerySet:
        """What the notification centre shows (rows kept only for e-mail are hidden)."""
        return self.filter(in_app=True)

    def unread(self) -> NotificationQuerySet:
        return self.filter(in_app=True, read_at__isnull=True)

    def due_for_email(self, now: dt.datetime) -> NotificationQuerySet:
        return self.filter(email_next_try_at__isnull=False, email_next_try_at__lte=now)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    category = models.CharField(max_length=32)
    title = models.CharField(max_length=TITLE_MAX_CHARS)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=URL_MAX_CHARS, blank=True)
    source = models.CharField(max_length=SOURCE_MAX_CHARS, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    in_app = models.BooleanField(default=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(
        max_length=16, choices=EmailState.choices, default=EmailState.NOT_WANTED
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_next_try_at = models.DateTimeField(null=True, blank=True)
    # A delivery run stamps the rows it claims, so two runs never send the same mail.
    email_claim = models.CharField(max_length=32, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=200, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "notification"
        ordering = ("-created_at", "-id")
        indexes = (
            models.Index(fields=("recipient", "-created_at"), name="notif_recipient_recent"),
            # The bell's count: a person's unread, visible rows only.
            models.Index(
                fields=("recipient",),
                condition=Q(read_at__isnull=True, in_app=True),
                name="notif_unread",
            ),
            models.Index(
                fields=("email_next_try_at",),
                condition=Q(email_next_try_at__isnull=False),
                name="notif_email_due",
            ),
            models.Index(
                fields=("recipient", "email_state"),
                condition=Q(email_state="digest"),
                name="notif_digest",
            ),
        )
        constraints = (
            models.CheckConstraint(
                condition=Q(email_state__in=EmailState.values), name="notif_email_state_known"
            ),
        )

    def __str__(self) -> str:
        return f"{self.category}: {self.title}"

    @property
    def category_label(self) -> str:
        cat = CATEGORIES.get(self.category)
        return cat.label if cat is not None else self.category


class Preference(models.Model):
    """A person's override of a category's defaults (sparse: no row = the defaults)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    category = models.CharField(max_length=32)
    in_app = models.BooleanField()
    email = models.BooleanField()

    class Meta:
        verbose_name = "notification preference"
        constraints = (
            models.UniqueConstraint(fields=("user", "category"), name="notif_pref_once"),
        )

    def __str__(self) -> str:
        return f"{self.category} (in app {self.in_app}, email {self.email})"

    def clean(self) -> None:
        if self.category not in CATEGORIES:
            raise ValidationError({"category": "Unknown category."})


class NotificationSettings(models.Model):
    """Quiet hours and the daily digest of one person (created the first time they save)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
    )
    # Local times in the person's own time zone; both NULL = no quiet hours. A start after
    # the end (22:00-07:00) crosses midnight.
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    daily_digest = models.BooleanField(default=False)
    digest_hour = models.PositiveSmallIntegerField(default=8)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "notification settings"
        verbose_name_plural = "notification settings"
        constraints = (
            models.CheckConstraint(
                condition=Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | (
                    Q(quiet_start__isnull=False, quiet_end__isnull=False)
                    & ~Q(quiet_start=models.F("quiet_end"))
                ),
                name="notif_quiet_both_or_neither",
            ),
            models.CheckConstraint(condition=Q(digest_hour__lte=23), name="notif_digest_hour"),
        )

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start is not None and self.quiet_end is not None


class RelayedEvent(models.Model):
    """A live event from a process that serves no sockets, waiting for the server process.

    Only under the embedded default (no ``REDIS_URL``): the in-memory channel layer and the
    rooms hub live inside one process, so the Huey worker and management commands write what
    they would have sent here, and the server polls it (``peerpath.notifications.relay``).
    Rows are at most a minute old; nobody reads them later.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=32)  # "layer" (a group_send) or a hub's "hub:<name>"
    group = models.CharField(max_length=100, blank=True)
    payload = models.TextField()

    class Meta:
        verbose_name = "relayed live event"

    def __str__(self) -> str:
        return f"{self.kind} {self.group}".strip()
