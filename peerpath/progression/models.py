"""The leadership ladder as data: achievements (roles, badges, milestones) with their
criteria, the awards people hold, the audit log of every change, applications, certificates,
buddies and mock chat assessments.

Criteria are JSON trees read by the pure evaluator in ``progression/rules.py``; the seed file
``progression/ladders/ladder.toml`` is versioned and loaded by ``ladder.load_ladder``. Staff
edit achievements in the admin; every edit of a rule is validated first and recorded in
``CriteriaChange``.
"""

from __future__ import annotations

import base64
import os

from django.conf import settings
from django.db import models
from django.utils import timezone

from peerpath.core.models import BaseModel


class AchievementKind(models.TextChoices):
    ROLE = "role", "Leadership role"
    BADGE = "badge", "Badge"
    MILESTONE = "milestone", "Listener milestone"


class GrantMode(models.TextChoices):
    AUTOMATIC = "automatic", "Automatic"
    APPLICATION = "application", "By application, reviewed"


class Audience(models.TextChoices):
    EVERYONE = "everyone", "Teens and adults"
    ADULTS = "adults", "Adults only"
    TEENS = "teens", "Teens only"


class Training(models.Model):
    """A training that criteria and obligations name. Completion is an ActivityEvent of kind
    ``training_completed`` with ``ref_type="progression.training"`` and ``ref_id`` = this id."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LadderVersion(models.Model):
    """Each load of the seed file: which version, when, and what it added."""

    version = models.PositiveIntegerField(unique=True)
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"ladder v{self.version}"


class Achievement(BaseModel):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80)
    teen_name = models.CharField(
        max_length=80, blank=True, help_text="The name teens see, e.g. Teen Star."
    )
    kind = models.CharField(max_length=16, choices=AchievementKind.choices)
    grant_mode = models.CharField(max_length=16, choices=GrantMode.choices)
    audience = models.CharField(max_length=16, choices=Audience.choices, default="everyone")
    description = models.TextField(blank=True)
    series = models.SlugField(
        max_length=60, blank=True, help_text="Badges of one series are tiers (1, 5, 10 …)."
    )
    tier = models.PositiveSmallIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    criteria = models.JSONField(help_text="A criteria tree; see docs/architecture.md.")
    low_water = models.FloatField(
        default=0.9, help_text="An automatic holder keeps it while at this share of the bar."
    )
    grace_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days below the low-water mark before an automatic award lapses."
    )
    obligation_training = models.ForeignKey(
        Training, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    obligation_days = models.PositiveSmallIntegerField(null=True, blank=True)
    group_name = models.CharField(
        max_length=40, blank=True, help_text="A staff role (group) held while this is held."
    )
    tracks = models.JSONField(default=list, blank=True)
    community_default = models.BooleanField(
        default=False, help_text="Criteria chosen by peerpath, meant to be tuned locally."
    )
    certificate = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "position", "series", "tier"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(low_water__gt=0) & models.Q(low_water__lte=1),
                name="progression_low_water_share",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(obligation_training__isnull=True, obligation_days__isnull=True)
                    | models.Q(obligation_training__isnull=False, obligation_days__gte=1)
                ),
                name="progression_obligation_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def name_for(self, *, teen: bool) -> str:
        return self.teen_name if teen and self.teen_name else self.name


class CriteriaChange(models.Model):
    """What changed in a rule, by whom and when (staff edits and seed loads)."""

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    changed_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=40)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField()

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.achievement_id} changed {self.changed_at:%Y-%m-%d}"


class AwardState(models.TextChoices):
    ACTIVE = "active", "Held"
    PENDING_TRAINING = "pending_training", "Pending training"
    LAPSED = "lapsed", "Lapsed"
    REVOKED = "revoked", "Revoked"


class AwardSource(models.TextChoices):
    AUTOMATIC = "automatic", "Earned automatically"
    APPLICATION = "application", "Approved application"
    STAFF = "staff", "Granted by staff"


class Award(models.Model):
    """One person's standing on one achievement. Written by the batch (in bulk) and by the
    services; ``granted_at`` is when the current tenure began ("8+ weeks as a moderator")."""

    # No single-column indexes: the composite ones below lead with these columns (a million
    # people's awards are written in bulk; every index is paid for on each row).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    achievement = models.ForeignKey(
        Achievement, on_delete=models.CASCADE, related_name="awards", db_index=False
    )
    state = models.CharField(max_length=20, choices=AwardState.choices)
    source = models.CharField(max_length=16, choices=AwardSource.choices)
    granted_at = models.DateTimeField()
    changed_at = models.DateTimeField()
    # Hysteresis: when an automatic holder first fell below the low-water mark.
    below_since = models.DateTimeField(null=True, blank=True)
    # Obligation (e.g. Global Mod training within 14 days): the deadline, if still owed.
    obligation_due = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    track = models.CharField(max_length=80, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "achievement"], name="progression_award_once")
        ]
        indexes = [
            models.Index(fields=["achievement", "state"], name="progression_award_ach_state"),
            models.Index(fields=["user", "state"], name="progression_award_user_state"),
            # Small partial indexes: the incremental run's "grace or deadline running".
            models.Index(
                fields=["below_since"],
                condition=models.Q(below_since__isnull=False),
                name="progression_award_grace",
            ),
            models.Index(
                fields=["obligation_due"],
                condition=models.Q(obligation_due__isnull=False),
                name="progression_award_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.achievement_id} {self.state}"

    @property
    def held(self) -> bool:
        return self.state == AwardState.ACTIVE


class AwardAction(models.TextChoices):
    GRANTED = "granted", "Granted"
    BELOW_LOW_WATER = "below_low_water", "Fell below the low-water mark (grace period began)"
    RECOVERED = "recovered", "Back above the low-water mark"
    LAPSED = "lapsed", "Lapsed"
    PENDING_TRAINING = "pending_training", "Pending training (obligation missed)"
    OBLIGATION_MET = "obligation_met", "Obligation met"
    RESTORED = "restored", "Restored after training"
    REMINDED = "reminded", "Reminded of a deadline"
    REVOKED = "revoked", "Revoked by staff"


class AwardLog(models.Model):
    """Append-only audit: every change to an award, with the facts that caused it."""

    # One index only, (user, at): the log is read per person and written in bulk.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    achievement = models.ForeignKey(
        Achievement, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    action = models.CharField(max_length=20, choices=AwardAction.choices)
    at = models.DateTimeField()
    reasons = models.TextField(blank=True)
    run = models.ForeignKey(
        "EvaluationRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "at"], name="progression_log_user_at"),
            # Changes made by hand (no run): the incremental run re-evaluates those people.
            models.Index(
                fields=["at"], condition=models.Q(run__isnull=True), name="progression_log_manual"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.achievement_id}"


class EvaluationRun(models.Model):
    class Mode(models.TextChoices):
        FULL = "full", "Everyone"
        INCREMENTAL = "incremental", "People touched since the last run"

    mode = models.CharField(max_length=16, choices=Mode.choices)
    as_of = models.DateTimeField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The highest ActivityEvent id this run saw: the next incremental run starts after it.
    event_watermark = models.BigIntegerField(default=0)
    ladder_checksum = models.CharField(max_length=64, blank=True)
    users = models.PositiveIntegerField(default=0)
    changes = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.mode} run {self.started_at:%Y-%m-%d %H:%M}"


def certificate_ids(n: int = 1) -> list[str]:
    """``n`` new certificate ids: 128 random bits each, URL-safe base64 (22 characters),
    unguessable and unenumerable. The one generator (a grant, the batch); drawn in one call
    so a batch of a million costs one read of the system's randomness."""
    raw = os.urandom(16 * n)
    return [
        base64.urlsafe_b64encode(raw[i : i + 16]).rstrip(b"=").decode()
        for i in range(0, 16 * n, 16)
    ]


class Certificate(models.Model):
    """A shareable proof of a role or milestone award. The id is random (unguessable);
    ``/certificates/<id>/`` is public and says only valid or revoked."""

    id = models.CharField(primary_key=True, max_length=32, editable=False)
    award = models.OneToOneField(Award, on_delete=models.CASCADE, related_name="certificate")
    issued_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.id

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Application(BaseModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_applications"
    )
    achievement = models.ForeignKey(
        Achievement, on_delete=models.CASCADE, related_name="applications"
    )
    track = models.CharField(max_length=80, blank=True)
    statement = models.TextField(max_length=1500)
    status = models.CharField(
        max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.TextField(max_length=1500, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "achievement"],
                condition=models.Q(status="pending"),
                name="progression_one_pending_application",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} applies for {self.achievement_id}"


class BuddyPair(BaseModel):
    """A new leader and an experienced one of the same age band, for their first weeks."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    newcomer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buddies_received"
    )
    buddy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buddies_given"
    )
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    check_in_due = models.DateTimeField()
    checked_in_at = models.DateTimeField(null=True, blank=True)
    check_in_note = models.TextField(max_length=1500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["newcomer", "achievement"], name="progression_buddy_once_per_role"
            ),
            models.CheckConstraint(
                condition=~models.Q(newcomer=models.F("buddy")), name="progression_buddy_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buddy_id} buddies {self.newcomer_id}"


class MockChatAssessment(BaseModel):
    """A mentor's assessment of a mock chat with a listener; a pass is the activity event
    ``mock_chat_passed`` that milestones require."""

    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mock_chats_assessed"
    )
    listener = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mock_chats"
    )
    held_on = models.DateField()
    passed = models.BooleanField()
    notes = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(assessor=models.F("listener")),
                name="progression_mock_chat_not_self",
            )
        ]

    def __str__(self) -> str:
        return f"mock chat {self.listener_id} by {self.assessor_id}"
