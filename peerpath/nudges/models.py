"""Nudge rules as data, their variants (experiments), the send ledger and run records.

A rule says *when* (a trigger from ``triggers.TRIGGERS`` with its parameters), *who* (an
audience), *how* (a notification category and channel) and *what* (title and body templates
over the trigger's variables), with a cooldown and a cap. The ledger (``NudgeSend``) holds one
row per (rule, person, window): the unique constraint is what makes a re-run, or a retry
after a crash, never send twice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from peerpath.core.models import BaseModel


class NudgeSettings(models.Model):
    """Site-wide knobs (one row, pk=1)."""

    max_share = models.FloatField(
        default=0.10,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="A rule whose dry run would message more than this share of all active "
        "people needs its 'confirmed large audience' box ticked before it runs.",
    )
    confirm_floor = models.PositiveIntegerField(
        default=100,
        help_text="The share check applies only to runs that would message more people "
        "than this (a small community is not asked to confirm every rule).",
    )
    min_sample = models.PositiveIntegerField(
        default=200,
        validators=[MinValueValidator(10)],
        help_text="People per experiment group (with a finished outcome window) before "
        "the results page gives a verdict.",
    )

    class Meta:
        verbose_name = "nudge settings"
        verbose_name_plural = "nudge settings"

    def __str__(self) -> str:
        return "Nudge settings"

    @classmethod
    def current(cls) -> NudgeSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class Audience(models.TextChoices):
    PERSON = "person", "The person (person triggers)"
    MENTEE = "mentee", "The mentee (pair triggers)"
    MENTOR = "mentor", "The mentor (pair triggers)"
    BOTH = "both", "Mentee and mentor (pair triggers)"
    STAFF = "staff", "Program staff (one summary each)"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In-app only"
    EMAIL = "email", "E-mail (and in-app)"


class Outcome(models.TextChoices):
    NONE = "", "No experiment outcome"
    CONVERSATION = "mentor_conversation", "A mentorship conversation logged"
    CHECK_IN = "mentor_check_in", "A mentor check-in"
    ONE_TO_ONE = "one_to_one_chat", "A one-to-one chat held"
    GROUP_CHAT = "group_chat", "A group support chat"


class NudgeRule(BaseModel):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    trigger = models.CharField(max_length=32)
    params = models.JSONField(
        default=dict, blank=True, help_text='The trigger\'s parameters, e.g. {"days": 7}.'
    )
    audience = models.CharField(max_length=8, choices=Audience.choices)
    category = models.CharField(max_length=32, help_text="Notification category.")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.IN_APP)
    title_template = models.CharField(max_length=200)
    body_template = models.TextField(max_length=2000)
    url = models.CharField(max_length=200, blank=True, help_text="May use the variables too.")
    cooldown_days = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(365)],
        help_text="At least this many days between two messages of this rule (or of its "
        "group) to the same person.",
    )
    cap = models.PositiveSmallIntegerField(
        default=0, help_text="At most this many messages of this rule per person (0: no cap)."
    )
    group = models.SlugField(
        max_length=40,
        blank=True,
        help_text="Rules of one group share the cooldown: a person gets one of them at a time.",
    )
    is_active = models.BooleanField(default=True)
    confirmed_large_audience = models.BooleanField(
        default=False,
        help_text="Tick to let the rule run although its dry run reaches more than the "
        "configured share of everyone.",
    )
    outcome = models.CharField(
        max_length=32, choices=Outcome.choices, blank=True, default=Outcome.NONE
    )
    outcome_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    experiment_salt = models.CharField(
        max_length=40,
        blank=True,
        help_text="Changing it re-randomizes who gets which variant (start a new experiment).",
    )
    seeded = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from peerpath.nudges import validation

        errors = validation.rule_errors(self)
        if errors:
            raise ValidationError(errors)

    @property
    def salt(self) -> str:
        return self.experiment_salt or self.slug

    def merged_params(self) -> dict[str, int]:
        from peerpath.nudges.triggers import TRIGGERS

        return TRIGGERS[self.trigger].merge(self.params)

    @property
    def when(self) -> str:
        """When the rule fires, in words (staff pages): never the raw trigger and dict."""
        from peerpath.nudges.triggers import TRIGGERS

        trigger = TRIGGERS.get(self.trigger)
        if trigger is None:
            return f"unknown trigger “{self.trigger}”: nothing is sent"
        return trigger.describe(self.params)


class NudgeVariant(models.Model):
    """One arm of an experiment. A rule with no variants simply sends its own templates."""

    rule = models.ForeignKey(NudgeRule, on_delete=models.CASCADE, related_name="variants")
    key = models.SlugField(max_length=16, help_text="A, B, control…")
    label = models.CharField(max_length=80, blank=True)
    weight = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    is_control = models.BooleanField(default=False, help_text="Control: no message is sent.")
    title_template = models.CharField(max_length=200, blank=True)
    body_template = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["rule", "is_control", "key"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "key"], name="nudge_variant_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.rule.slug}:{self.key}"

    @property
    def display(self) -> str:
        return self.label or ("Control (no message)" if self.is_control else f"Variant {self.key}")

    def clean(self) -> None:
        from peerpath.nudges import validation

        errors = validation.variant_errors(self)
        if errors:
            raise ValidationError(errors)


class NudgeRun(models.Model):
    started_at = models.DateTimeField(default=timezone.now)
    as_of = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    sent = models.PositiveIntegerField(default=0)
    held_back = models.PositiveIntegerField(default=0, help_text="Control-group assignments.")
    skipped_rules = models.JSONField(default=list, blank=True)
    seconds = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Nudge run {self.as_of:%Y-%m-%d %H:%M}"


class NudgeSend(models.Model):
    """The ledger: one row per rule, person and window, written in the transaction that
    hands the message to the notification service."""

    rule = models.ForeignKey(NudgeRule, on_delete=models.CASCADE, related_name="sends")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    window = models.CharField(max_length=64)
    variant = models.CharField(max_length=16, blank=True, default="")
    sent = models.BooleanField(default=True, help_text="False for the control group.")
    run = models.ForeignKey(NudgeRun, on_delete=models.SET_NULL, null=True, related_name="sends")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "user", "window"], name="nudge_send_once_per_window"
            )
        ]
        indexes = [
            models.Index(fields=["rule", "created_at"], name="nudge_send_rule_time"),
            models.Index(fields=["user", "created_at"], name="nudge_send_user_time"),
            models.Index(fields=["run", "rule"], name="nudge_send_run_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.user_id}/{self.window}"
