"""Safeguarding alerts: one row per screened text that matched crisis language (or that the
detector failed on), who was told, who acknowledged and resolved it, and who read it.

The detector (``crisis.py``) and the help lines (``resources.py``) stay pure Python; these
tables are written only by ``safety.services``. An alert keeps an *excerpt* of what was
written (personal data: see ``PERSONAL_FIELDS``) so responders can act without opening the
private space, and the writer's band and country as they were when it was written.
"""

from __future__ import annotations

from typing import Any, Final

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

EXCERPT_MAX_CHARS: Final = 600
NOTE_MAX_CHARS: Final = 1000

# Personal data held by this app (the data-rights issue exports and erases these).
PERSONAL_FIELDS: Final = {
    "SafetyAlert": ("writer", "excerpt", "writer_band", "writer_country"),
    "AlertAccess": ("actor",),
}


class Channel(models.TextChoices):
    """Where people write text that others read. ``safety.registry`` maps every such model
    field to one of these."""

    MENTORSHIP_CHAT = "mentorship_chat", "Private mentorship chat"
    ROOM = "room", "Group support room"
    TRAINING = "training", "Training discussion"
    CHECK_IN = "check_in", "Check-in note"
    CONVERSATION_LOG = "conversation_log", "Conversation log note"
    FLAG = "flag", "Flag raised to staff"
    FEEDBACK = "feedback", "Feedback comment"
    TICKET = "ticket", "“I can't get in touch” ticket"
    MENTOR_REQUEST = "mentor_request", "Mentor request"
    PROFILE = "profile", "Profile"
    EVENT = "event", "Event"
    SPOTLIGHT = "spotlight", "Spotlight"
    REPORT = "report", "Report of a message"
    PROGRESSION = "progression", "Leadership application or review"
    OTHER = "other", "Elsewhere"


class Outcome(models.TextChoices):
    SUPPORTED = "supported", "Reached out; the person is being supported"
    EMERGENCY = "emergency", "Emergency services or a crisis line involved"
    REFERRED = "referred", "Referred to a specialist service"
    NO_RISK = "no_risk", "Reviewed: no risk (false alarm)"
    NO_CONTACT = "no_contact", "Could not reach the person"
    OTHER = "other", "Other (see note)"


class SafetySettings(models.Model):
    """Community-wide safeguarding knobs, one row (pk=1), edited by staff in the admin."""

    escalate_after_minutes = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="An alert nobody has acknowledged after this many minutes is e-mailed to "
        "the safeguarding contacts.",
    )
    contacts = models.TextField(
        blank=True,
        help_text="E-mail addresses of the safeguarding contacts, one per line. Empty: the "
        "addresses in the SAFEGUARDING_EMAILS setting, else every staff member's.",
    )

    class Meta:
        verbose_name = "safeguarding settings"
        verbose_name_plural = "safeguarding settings"

    def __str__(self) -> str:
        return "Safeguarding settings"

    @classmethod
    def current(cls) -> SafetySettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    def contact_list(self) -> list[str]:
        return [line.strip() for line in self.contacts.splitlines() if "@" in line]


class AlertQuerySet(models.QuerySet["SafetyAlert"]):
    def open(self) -> AlertQuerySet:
        return self.filter(resolved_at__isnull=True)

    def unacknowledged(self) -> AlertQuerySet:
        return self.filter(acknowledged_at__isnull=True, resolved_at__isnull=True)

    def queued(self) -> AlertQuerySet:
        return self.filter(queued=True)


class SafetyAlert(models.Model):
    """Crisis language in something a person wrote (or a text the detector failed on)."""

    channel = models.CharField(max_length=20, choices=Channel.choices)
    where = models.CharField(max_length=200)  # "Room “Anxiety support”", "Chat with mentor x"
    url = models.CharField(max_length=300, blank=True)  # the place, for responders
    source = models.CharField(max_length=60)  # "rooms.RoomMessage": the row that was written
    source_id = models.BigIntegerField(null=True, blank=True)
    # Rows that repeated the same words while this alert was open ([["app.Model", id], ...]).
    repeats = models.JSONField(default=list, blank=True)
    writer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_alerts"
    )
    writer_band = models.CharField(max_length=8)  # "teen" | "adult" when written
    writer_country = models.CharField(max_length=2, blank=True)  # from the time zone
    excerpt = models.TextField(max_length=EXCERPT_MAX_CHARS)
    category = models.CharField(max_length=24)  # a crisis category, or "detector_error"
    severity = models.CharField(max_length=8)  # "high" | "medium"
    term = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=8, blank=True)
    queued = models.BooleanField(default=False)  # in the staff queue (/staff/safety/)
    responders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+"
    )  # the people responsible for the space, told at once
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(max_length=NOTE_MAX_CHARS, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["source", "source_id"]),
            models.Index(fields=["acknowledged_at", "escalated_at", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Safeguarding alert #{self.pk}"

    @property
    def status(self) -> str:
        if self.resolved_at:
            return "resolved"
        if self.acknowledged_at:
            return "acknowledged"
        return "new"


class AccessKind(models.TextChoices):
    READ = "read", "Read the excerpt"
    ACKNOWLEDGE = "acknowledge", "Acknowledged"
    RESOLVE = "resolve", "Resolved"
    ESCALATE = "escalate", "Escalated by e-mail"


class AlertAccess(models.Model):
    """Audit: who read or handled which alert, when. Append-only."""

    alert = models.ForeignKey(SafetyAlert, on_delete=models.CASCADE, related_name="accesses")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=AccessKind.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} of alert {self.alert_id} by {self.actor_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("The safeguarding audit is append-only.")
        super().save(*args, **kwargs)
