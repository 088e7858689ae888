"""Events (meet the mentors, AMAs, webinars, workshops, mock sessions), RSVPs with a waitlist,
host slots of the mentor rota, and the rota's commitment settings.

Invariants the database enforces:
- an event ends after it starts, seats at least one person, and is held in exactly one place
  (a room *or* a video link);
- one RSVP row per (event, person): a second RSVP is refused, a cancelled one is re-used;
- a host slot is taken by at most one mentor (the row), and one mentor takes at most one slot
  of an event; a taken slot has both its mentor and the time it was taken.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from peerpath.core.models import BaseModel

TITLE_MAX_CHARS = 120
DESCRIPTION_MAX_CHARS = 4000
VIDEO_URL_MAX_CHARS = 500
MAX_CAPACITY = 1000
MAX_HOST_SLOTS = 10


class EventKind(models.TextChoices):
    MEET_THE_MENTORS = "meet_the_mentors", "Meet the mentors"
    AMA = "ama", "Ask me anything"
    WEBINAR = "webinar", "Webinar"
    WORKSHOP = "workshop", "Workshop"
    MOCK_SESSION = "mock_session", "Mock session"


class EventBand(models.TextChoices):
    TEEN = "teen", "Teens (13–17)"
    ADULT = "adult", "Adults (18+)"


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"
    HELD = "held", "Held"


class EventQuerySet(models.QuerySet["Event"]):
    def for_band(self, band: str) -> EventQuerySet:
        return self.filter(band=band)

    def live(self) -> EventQuerySet:
        """Not cancelled."""
        return self.exclude(status=EventStatus.CANCELLED)


class Event(BaseModel):
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    title = models.CharField(max_length=TITLE_MAX_CHARS)
    # Plain text: always rendered escaped (never as HTML or Markdown).
    description = models.TextField(max_length=DESCRIPTION_MAX_CHARS, blank=True)
    band = models.CharField(max_length=5, choices=EventBand.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    room = models.ForeignKey(
        "rooms.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    video_url = models.URLField(max_length=VIDEO_URL_MAX_CHARS, blank=True)
    capacity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)]
    )
    waitlist = models.BooleanField(
        default=True, help_text="When full, further RSVPs join a waitlist (else refused)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events_created",
    )
    hosts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="hosted_events"
    )
    status = models.CharField(
        max_length=10, choices=EventStatus.choices, default=EventStatus.SCHEDULED
    )
    held_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["band", "status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="events_event_ends_after"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="events_event_capacity"),
            models.CheckConstraint(
                condition=(Q(room__isnull=False) & Q(video_url=""))
                | (Q(room__isnull=True) & ~Q(video_url="")),
                name="events_event_one_location",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/events/{self.pk}/"

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def location_text(self) -> str:
        if self.room_id is not None:
            return f"Room: {self.room}"
        return self.video_url


class RSVPStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    WAITLISTED = "waitlisted", "Waitlisted"
    CANCELLED = "cancelled", "Cancelled"


class RSVP(BaseModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_rsvps"
    )
    status = models.CharField(max_length=10, choices=RSVPStatus.choices)
    # When the person (last) asked for a place: the waitlist's order.
    queued_at = models.DateTimeField()
    attended = models.BooleanField(default=False)

    class Meta:
        verbose_name = "RSVP"
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="events_rsvp_once"),
        ]
        indexes = [models.Index(fields=["event", "status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.event} ({self.status})"


class RotaSlot(BaseModel):
    """A host place of an event that a mentor volunteers for (then they host it)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="slots")
    position = models.PositiveSmallIntegerField()
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rota_slots",
    )
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "position"]
        constraints = [
            models.UniqueConstraint(fields=["event", "position"], name="events_slot_position"),
            models.UniqueConstraint(
                fields=["event", "mentor"],
                condition=Q(mentor__isnull=False),
                name="events_slot_one_per_mentor",
            ),
            models.CheckConstraint(
                condition=Q(mentor__isnull=True, taken_at__isnull=True)
                | Q(mentor__isnull=False, taken_at__isnull=False),
                name="events_slot_taken_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} host slot {self.position}"


class RotaSettings(models.Model):
    """The mentor rota's commitment, one row (pk=1), edited by staff in the admin."""

    commitment_events = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text="Each mentor hosts at least this many events…",
    )
    commitment_months = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="…within this many months.",
    )
    coverage_weeks = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text="Weeks ahead shown on the coverage view.",
    )

    class Meta:
        verbose_name = "rota settings"
        verbose_name_plural = "rota settings"

    def __str__(self) -> str:
        return "Rota settings"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> RotaSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj
