"""Group support rooms: rooms in communities, messages, presence, sessions and hosting,
sanctions, reports and the moderation log (crisis alerts are ``safety.SafetyAlert`` rows,
with ``source`` "rooms.RoomMessage", "rooms.Report" or "rooms.RoomSession").

Invariants the database enforces:
- a message's ``client_id`` is stored once per sender (a resent frame is not a second message);
- one group-chat credit per person per room per day outside sessions, one per session inside;
- one report per (message, reporter); a session ends after it starts;
- one presence row per socket.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Final

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from peerpath.accounts.models import Topic
from peerpath.core.idempotency import IdempotentModel, key_constraint
from peerpath.core.models import BaseModel

MESSAGE_MAX_CHARS = 1000
REASON_MAX_CHARS = 500


class RoomSettings(models.Model):
    """Community-wide room knobs, one row (pk=1), edited by staff in the admin."""

    message_rate_count = models.PositiveSmallIntegerField(
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="How many messages one person may send…",
    )
    message_rate_seconds = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(3600)],
        help_text="…within this many seconds (across all rooms).",
    )
    warning_ttl_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 90)],
        help_text="A warning counts towards an automatic mute for this long.",
    )
    warnings_before_mute = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Active warnings that trigger an automatic mute.",
    )
    mute_minutes = models.JSONField(
        default=list,
        blank=True,
        help_text="Escalating mute lengths in minutes: the n-th mute within the lookback "
        "takes the n-th entry (the last repeats). Empty: 10, 60, 1440, 10080.",
    )
    mute_lookback_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    kick_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="A kicked person may come back after this many minutes.",
    )
    max_slow_mode_seconds = models.PositiveSmallIntegerField(
        default=300, validators=[MinValueValidator(1), MaxValueValidator(3600)]
    )

    class Meta:
        verbose_name = "room settings"
        verbose_name_plural = "room settings"

    def __str__(self) -> str:
        return "Room settings"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        _remember(None)

    @classmethod
    def current(cls) -> RoomSettings:
        """The settings, read at most once per ``SETTINGS_CACHE_SECONDS`` per process (every message
        reads them); saving through the model refreshes this process at once."""
        hit = _current
        if hit is not None and time.monotonic() - hit[0] < SETTINGS_CACHE_SECONDS:
            return hit[1]
        obj, _ = cls.objects.get_or_create(pk=1)
        _remember(obj)
        return obj

    @classmethod
    def forget(cls) -> None:
        _remember(None)

    def mute_ladder(self) -> list[int]:
        ladder = [int(m) for m in (self.mute_minutes or []) if int(m) > 0]
        return ladder or [10, 60, 24 * 60, 7 * 24 * 60]


SETTINGS_CACHE_SECONDS: Final = 10.0
_current: tuple[float, RoomSettings] | None = None


def _remember(obj: RoomSettings | None) -> None:
    global _current
    _current = None if obj is None else (time.monotonic(), obj)


class RoomCommunity(BaseModel):
    """A group of rooms with its own moderators (e.g. "Teen rooms", "Listener rooms")."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "room communities"

    def __str__(self) -> str:
        return self.name


class RoomCategory(models.TextChoices):
    MEMBER_SUPPORT = "member_support", "Member support"
    LISTENER = "listener", "Listener rooms"
    SHARING_CIRCLE = "sharing_circle", "Sharing circles"
    ALWAYS_OPEN = "always_open", "24/7 rooms"
    POP_UP = "pop_up", "Pop-up rooms"


class RoomBand(models.TextChoices):
    TEEN = "teen", "Teens (13–17)"
    ADULT = "adult", "Adults (18+)"


class RoomAudience(models.TextChoices):
    MEMBERS = "members", "Members (and listeners who support them)"
    LISTENERS = "listeners", "Listeners"
    EVERYONE = "everyone", "Members and listeners"


class RoomQuerySet(models.QuerySet["Room"]):
    def active(self) -> RoomQuerySet:
        return self.filter(is_active=True)

    def for_band(self, band: str) -> RoomQuerySet:
        return self.filter(band=band)


class Room(BaseModel):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=RoomCategory.choices)
    community = models.ForeignKey(RoomCommunity, on_delete=models.PROTECT, related_name="rooms")
    band = models.CharField(max_length=5, choices=RoomBand.choices)
    audience = models.CharField(max_length=10, choices=RoomAudience.choices)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL)
    language = models.CharField(max_length=8, default="en")
    # Progression criteria (the ladder's JSON language); empty means unlocked.
    lock_criteria = models.JSONField(default=dict, blank=True)
    host_required = models.BooleanField(
        default=False, help_text="Open for posting only while a host is present."
    )
    slow_mode_seconds = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_reason = models.CharField(max_length=REASON_MAX_CHARS, blank=True)
    # Pop-up rooms are open in a window.
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)
    # Staff edited the catalogue entry: the seed loader leaves it alone.
    edited = models.BooleanField(default=False)

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name"]
        indexes = [models.Index(fields=["band", "is_active", "category"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__isnull=True)
                | models.Q(closes_at__isnull=True)
                | models.Q(closes_at__gt=models.F("opens_at")),
                name="rooms_room_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_locked_by_moderator(self) -> bool:
        return self.locked_at is not None

    def in_window(self, at: dt.datetime) -> bool:
        if self.opens_at and at < self.opens_at:
            return False
        return not (self.closes_at and at >= self.closes_at)


class RoomStaffKind(models.TextChoices):
    MODERATOR = "moderator", "Moderator"
    HOST = "host", "Host"


class RoomStaff(models.Model):
    """A moderator or host for one community of rooms, or one room (global moderators hold
    the Moderator role group instead)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=RoomStaffKind.choices)
    community = models.ForeignKey(
        RoomCommunity, null=True, blank=True, on_delete=models.CASCADE, related_name="staff"
    )
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.CASCADE, related_name="staff"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(community__isnull=False) | models.Q(room__isnull=False),
                name="rooms_staff_has_scope",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "community", "room"], name="rooms_staff_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} of {self.room_id or self.community_id}"


class SessionKind(models.TextChoices):
    SHARING_CIRCLE = "sharing_circle", "Sharing circle"
    SUPPORT_SESSION = "support_session", "Support session"
    SKILLS_DISCUSSION = "skills_discussion", "Skills discussion"


class RoomSession(BaseModel):
    """A scheduled session in a room with a host; hosting time is credited from
    ``started_at`` / ``ended_at`` (clipped to the schedule's grace margins)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(max_length=20, choices=SessionKind.choices)
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hosted_sessions"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["room", "starts_at"]),
            models.Index(fields=["host", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="rooms_session_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.room_id})"

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.ended_at is None and not self.cancelled_at


class RoomMessage(models.Model):
    """A room message, persisted before the sender is acknowledged. Deleted messages keep
    their row (for the moderation log) and are shown as removed."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=MESSAGE_MAX_CHARS)
    client_id = models.CharField(max_length=64, blank=True)
    session = models.ForeignKey(
        RoomSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    crisis = models.BooleanField(default=False)  # screening raised a safeguarding alert
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_id"],
                condition=~models.Q(client_id=""),
                name="rooms_message_client_id_once",
            ),
        ]
        indexes = [
            models.Index(fields=["room", "id"]),
            models.Index(fields=["sender", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Room message #{self.pk} in {self.room_id}"


class Participation(models.Model):
    """One group support chat credited to a person: the first message in a room on a UTC day
    (outside sessions) or in a session. Each row is one ``group_chat`` ActivityEvent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        RoomSession, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "room", "day"],
                condition=models.Q(session__isnull=True),
                name="rooms_participation_once_a_day",
            ),
            models.UniqueConstraint(
                fields=["user", "session"],
                condition=models.Q(session__isnull=False),
                name="rooms_participation_once_a_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id} on {self.day}"


class Presence(models.Model):
    """One open socket in a room, written by the server process that holds it. Rows of a
    process that stopped heart-beating are ignored and swept."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    server = models.CharField(max_length=40)
    channel = models.CharField(max_length=64, unique=True)
    connected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["room", "user"]), models.Index(fields=["server"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id}"


class ServerHeartbeat(models.Model):
    """Each chat server process says it is alive every ``HEARTBEAT_SECONDS``."""

    server = models.CharField(max_length=40, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.server


class SanctionKind(models.TextChoices):
    WARN = "warn", "Warning"
    MUTE = "mute", "Mute"
    KICK = "kick", "Kick"
    BAN = "ban", "Ban"


class SanctionQuerySet(models.QuerySet["Sanction"]):
    def in_force(self, at: dt.datetime) -> SanctionQuerySet:
        return self.filter(lifted_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=at)
        )

    def applying_to(self, room: Room) -> SanctionQuerySet:
        """Sanctions for this room, its community, or every room."""
        return self.filter(
            models.Q(room=room)
            | models.Q(community_id=room.community_id, room__isnull=True)
            | models.Q(room__isnull=True, community__isnull=True)
        )


class Sanction(models.Model):
    """A warning, mute, kick or ban. Scope: a room, a community of rooms, or (both empty)
    every room. ``expires_at`` empty means until lifted (bans only)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_sanctions"
    )
    kind = models.CharField(max_length=5, choices=SanctionKind.choices)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.CASCADE)
    community = models.ForeignKey(RoomCommunity, null=True, blank=True, on_delete=models.CASCADE)
    reason = models.CharField(max_length=REASON_MAX_CHARS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SanctionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "kind", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="ban") | models.Q(expires_at__isnull=False),
                name="rooms_sanction_expires_unless_ban",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class ReportReason(models.TextChoices):
    HARASSMENT = "harassment", "Harassment or bullying"
    HATE = "hate", "Hate or discrimination"
    SEXUAL = "sexual", "Sexual content"
    SPAM = "spam", "Spam or advertising"
    PERSONAL_INFO = "personal_info", "Sharing personal information"
    SAFETY = "safety", "Someone may be unsafe"
    OTHER = "other", "Something else"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACTIONED = "actioned", "Action taken"
    DISMISSED = "dismissed", "No action needed"


class Report(IdempotentModel):
    message = models.ForeignKey(RoomMessage, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=ReportReason.choices)
    note = models.CharField(max_length=REASON_MAX_CHARS, blank=True)
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    outcome = models.CharField(max_length=REASON_MAX_CHARS, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="rooms_report_once"),
            key_constraint("reporter", "rooms_report_key_once"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Report #{self.pk} of message {self.message_id}"


class ModAction(models.TextChoices):
    WARN = "warn", "Warned"
    MUTE = "mute", "Muted"
    AUTO_MUTE = "auto_mute", "Muted automatically (warnings)"
    KICK = "kick", "Kicked"
    BAN = "ban", "Banned"
    LIFT = "lift", "Sanction lifted"
    DELETE_MESSAGE = "delete_message", "Message deleted"
    SLOW_MODE = "slow_mode", "Slow mode changed"
    LOCK_ROOM = "lock_room", "Room locked"
    UNLOCK_ROOM = "unlock_room", "Room unlocked"
    REPORT_RESOLVED = "report_resolved", "Report resolved"
    CRISIS_ALERT = "crisis_alert", "Crisis language detected"
    CRISIS_HANDLED = "crisis_handled", "Crisis alert followed up"
    SESSION_STARTED = "session_started", "Session started"
    SESSION_ENDED = "session_ended", "Session ended"


class ModerationLog(models.Model):
    """Every moderator action (and the automatic ones), append-only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=ModAction.choices)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL)
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(RoomMessage, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.CharField(max_length=REASON_MAX_CHARS, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["room", "created_at"]),
            models.Index(fields=["target", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id}"


class HostingQuota(models.Model):
    """Monthly hosting minutes expected of holders of a ladder role (e.g. Sharing Circle
    Host: 120 minutes a month)."""

    role_slug = models.SlugField(max_length=80, unique=True)
    minutes_per_month = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(60 * 24 * 31)]
    )

    def __str__(self) -> str:
        return f"{self.role_slug}: {self.minutes_per_month} min/month"
