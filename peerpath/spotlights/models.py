"""Spotlights: mentor interviews and "mentor of the month", drafted by staff or the mentor,
published by staff, seen only by people of the mentor's age band (staff see both)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from peerpath.core.models import BaseModel

TITLE_MAX_CHARS = 120
INTRO_MAX_CHARS = 1_000
QUESTION_MAX_CHARS = 200
ANSWER_MAX_CHARS = 2_000
MAX_ANSWERS = 6

DEFAULT_QUESTIONS = (
    "What brought you to listening?",
    "What do you wish you'd known as a new listener?",
    "How do you look after yourself?",
    "What do mentees and you usually work on?",
)


class SpotlightKind(models.TextChoices):
    INTERVIEW = "interview", "Mentor interview"
    MENTOR_OF_MONTH = "mentor_of_month", "Mentor of the month"


class SpotlightBand(models.TextChoices):
    TEEN = "teen", "Teens (13–17)"
    ADULT = "adult", "Adults"


class SpotlightStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class SpotlightQuerySet(models.QuerySet["Spotlight"]):
    def published(self) -> SpotlightQuerySet:
        return self.filter(status=SpotlightStatus.PUBLISHED)


class Spotlight(BaseModel):
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="spotlights"
    )
    kind = models.CharField(max_length=16, choices=SpotlightKind.choices)
    month = models.DateField(
        null=True, blank=True, help_text="Mentor of the month: the first day of the month."
    )
    title = models.CharField(max_length=TITLE_MAX_CHARS)
    intro = models.TextField(blank=True)
    band = models.CharField(max_length=8, choices=SpotlightBand.choices)
    status = models.CharField(
        max_length=10, choices=SpotlightStatus.choices, default=SpotlightStatus.DRAFT
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(null=True, blank=True)

    objects = SpotlightQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=SpotlightKind.MENTOR_OF_MONTH) & Q(month__isnull=False))
                | (Q(kind=SpotlightKind.INTERVIEW) & Q(month__isnull=True)),
                name="spotlights_month_iff_mentor_of_month",
            ),
            models.CheckConstraint(
                condition=Q(status=SpotlightStatus.DRAFT) | Q(published_at__isnull=False),
                name="spotlights_published_has_time",
            ),
            # One mentor of the month per band per month (among published spotlights).
            models.UniqueConstraint(
                fields=["band", "month"],
                condition=Q(kind=SpotlightKind.MENTOR_OF_MONTH)
                & Q(status=SpotlightStatus.PUBLISHED),
                name="spotlights_one_mentor_of_month_per_band",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("spotlights:detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == SpotlightStatus.PUBLISHED


class SpotlightAnswer(models.Model):
    spotlight = models.ForeignKey(Spotlight, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    question = models.CharField(max_length=QUESTION_MAX_CHARS)
    answer = models.TextField()

    class Meta:
        ordering = ["spotlight", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["spotlight", "position"], name="spotlights_answer_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.question
