"""The partner dashboard's mentorships table: one rolled-up row per mentorship, the rollup's
watermark, the community's bulk-message threshold, and the audit of bulk messages.

``PairStat`` is derived data: ``rollup.rebuild_pair_stats`` writes it from scratch and
``rollup.refresh_pair_stats`` (every 5 minutes) rewrites only the pairs whose mentorship,
conversations, flags or check-ins changed since the stored watermark. The table, its CSV and
its bulk messages read only this table (plus user names), so every filter and sort is one
indexed query whatever the size of the conversation log.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from peerpath.mentorship.models import Mentorship


class Band(models.TextChoices):
    TEEN = "teen", "Teen"
    ADULT = "adult", "Adult"
    # The two people are now of different bands (a mentee turned 18): listed to staff only.
    MIXED = "mixed", "Mixed (staff only)"


class PairStat(models.Model):
    mentorship = models.OneToOneField(
        Mentorship, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # Derived copies of the mentorship's two people: no database constraint (the rows are
    # rewritten from the mentorship, which cascades; a constraint check per row per column
    # doubled the time of a full rebuild on PostgreSQL).
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    band = models.CharField(max_length=8, choices=Band.choices)
    status = models.CharField(max_length=16)
    started_at = models.DateTimeField()
    conversations = models.PositiveIntegerField(default=0)
    last_contact = models.DateField(null=True, blank=True)
    # last_contact for sorting, "never" as the earliest date: NULLS FIRST ascending cannot
    # use a default PostgreSQL index, and SQLite indexes cannot say NULLS FIRST.
    contact_sort = models.DateField()
    # The latest of the last conversation's day and the start's day (UTC): "no contact for
    # N days" is one indexed range instead of an OR over two columns.
    quiet_since = models.DateField()
    open_flags = models.PositiveIntegerField(default=0)
    check_ins = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()
    # Sort keys only (pages show the names joined fresh from the user table): copies of the
    # pseudonyms as of the last refresh, so sorting 100k pairs by name needs no join. A
    # rename (staff, in the admin) reaches the sort order with the nightly rebuild.
    mentor_name = models.CharField(max_length=150)
    mentee_name = models.CharField(max_length=150)

    class Meta:
        verbose_name = "mentorship figures"
        verbose_name_plural = "mentorship figures"
        indexes = [
            models.Index(
                fields=["status", "band", "started_at", "mentorship"], name="partners_ps_started"
            ),
            models.Index(
                fields=["status", "band", "conversations", "mentorship"], name="partners_ps_convs"
            ),
            models.Index(
                fields=["status", "band", "last_contact", "mentorship"], name="partners_ps_contact"
            ),
            models.Index(fields=["mentor", "status"], name="partners_ps_mentor"),
            # Staff see every band: the same orders without the band. The pair's id is in
            # each sort index because it breaks ties in every ORDER BY (on SQLite a
            # one-to-one primary key is not the rowid the indexes carry).
            models.Index(fields=["started_at", "mentorship"], name="partners_ps_started_any"),
            models.Index(fields=["conversations", "mentorship"], name="partners_ps_convs_any"),
            models.Index(fields=["contact_sort", "mentorship"], name="partners_ps_contact_any"),
            models.Index(fields=["quiet_since"], name="partners_ps_quiet"),
            models.Index(fields=["open_flags"], name="partners_ps_flags"),
            # The usual view is one status: count and filter "no contact" from the index alone,
            # and take the few pairs with open flags in start order without walking them all
            # (on 1M people: 141 -> 50 ms and 113 -> 15 ms a page on SQLite).
            models.Index(fields=["status", "quiet_since"], name="partners_ps_status_quiet"),
            models.Index(
                fields=["status", "open_flags", "started_at", "mentorship"],
                name="partners_ps_status_flags",
            ),
            models.Index(fields=["mentor_name"], name="partners_ps_mentor_name"),
            models.Index(fields=["mentee_name"], name="partners_ps_mentee_name"),
        ]

    def __str__(self) -> str:
        return f"Figures of mentorship #{self.pk}"


class RollupState(models.Model):
    """One row (pk=1): how fresh ``PairStat`` is. Written by the rollup only."""

    watermark = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    # Conversations and check-ins are found by id (their primary key index): a run scans ids
    # above the highest seen by the run *before* the last one, so a row committed late by a
    # concurrent transaction is still seen once.
    conversation_from = models.PositiveBigIntegerField(default=0)
    conversation_seen = models.PositiveBigIntegerField(default=0)
    checkin_from = models.PositiveBigIntegerField(default=0)
    checkin_seen = models.PositiveBigIntegerField(default=0)
    last_touched = models.PositiveIntegerField(default=0)
    last_seconds = models.FloatField(default=0.0)

    class Meta:
        verbose_name = "rollup state"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="partners_rollup_singleton"),
        ]

    def __str__(self) -> str:
        return "Mentorship figures rollup"


class PartnerSettings(models.Model):
    """Community knobs of the partner dashboard, one row (pk=1), edited in the admin."""

    bulk_confirm_over = models.PositiveIntegerField(
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(1_000_000)],
        help_text="A bulk message to more people than this asks for confirmation first.",
    )

    class Meta:
        verbose_name = "partner dashboard settings"
        verbose_name_plural = "partner dashboard settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="partners_settings_singleton"),
        ]

    def __str__(self) -> str:
        return "Partner dashboard settings"

    @classmethod
    def load(cls) -> PartnerSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class MessageKind(models.TextChoices):
    CUSTOM = "custom", "Custom message"
    CELEBRATION = "celebration", "Celebration"


class Recipients(models.TextChoices):
    MENTOR = "mentor", "Mentors"
    MENTEE = "mentee", "Mentees"
    BOTH = "both", "Both"


class BulkMessage(models.Model):
    """Audit: who messaged which pairs, how, and how many people it reached."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=MessageKind.choices)
    recipients = models.CharField(max_length=8, choices=Recipients.choices)
    title = models.CharField(max_length=200)
    target = models.CharField(
        max_length=500, help_text="The filter or the selection the message went to."
    )
    band = models.CharField(
        max_length=8, blank=True, help_text="The pairs' band when all were of one; else empty."
    )
    pair_count = models.PositiveIntegerField(default=0)
    skipped_pairs = models.PositiveIntegerField(
        default=0,
        help_text="Pairs left out because they had ended since the table was refreshed.",
    )
    recipient_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient_count} people"
