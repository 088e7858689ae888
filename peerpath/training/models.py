"""Training programs: ordered discussions worked through by a cohort of one age band.

A step's completion is not stored: it is computed from the trainee's posts (``selectors``),
so a facilitator's rejection reopens the step, and locks the later ones again, without any
bookkeeping. Only the program's completion is stored (``Enrollment.completed_at``), once,
alongside the ``training_completed`` fact the ladder reads.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from peerpath.core.models import BaseModel

POST_MAX_CHARS = 5_000
NOTE_MAX_CHARS = 1_000
MAX_MIN_REPLIES = 10


class Band(models.TextChoices):
    TEEN = "teen", "Teens (13–17)"
    ADULT = "adult", "Adults"


class Audience(models.TextChoices):
    EVERYONE = "everyone", "Teens and adults"
    ADULTS = "adults", "Adults only"
    TEENS = "teens", "Teens only"


class ActivityType(models.TextChoices):
    POST_AND_REPLY = "post_and_reply", "Post your answer and reply to fellow trainees"
    SAVE_MENTOR = "save_mentor", "Browse the mentor directory and save a mentor"


class Program(BaseModel):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    training = models.ForeignKey(
        "progression.Training", on_delete=models.PROTECT, related_name="programs"
    )
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.EVERYONE)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    edited = models.BooleanField(
        default=False, help_text="Set when staff edit the program: the seed file leaves it alone."
    )

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Discussion(BaseModel):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="discussions")
    position = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(max_length=120)
    prompt = models.TextField()
    activity = models.CharField(
        max_length=20, choices=ActivityType.choices, default=ActivityType.POST_AND_REPLY
    )
    min_replies = models.PositiveSmallIntegerField(
        default=2,
        validators=[MaxValueValidator(MAX_MIN_REPLIES)],
        help_text="Distinct fellow trainees to reply to (post-and-reply discussions).",
    )

    class Meta:
        ordering = ["program", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "position"], name="training_discussion_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1), name="training_discussion_position_positive"
            ),
            models.CheckConstraint(
                condition=Q(min_replies__lte=MAX_MIN_REPLIES),
                name="training_discussion_min_replies_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} · {self.position:02d} {self.title}"


class Cohort(BaseModel):
    """Trainees who work through a program together. One age band: teens and adults never
    share a cohort."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(max_length=120)
    band = models.CharField(max_length=5, choices=Band.choices)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="facilitated_cohorts"
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField(
        null=True, blank=True, help_text="After this, nobody new may join."
    )

    class Meta:
        ordering = ["program", "-opens_at", "pk"]
        indexes = [models.Index(fields=["program", "band"], name="training_cohort_band_idx")]

    def __str__(self) -> str:
        return f"{self.program} · {self.name}"


class Enrollment(BaseModel):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="enrollments")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_enrollments"
    )
    enrolled_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [
            # One cohort per program per person (program is the cohort's, kept by services).
            models.UniqueConstraint(
                fields=["program", "user"], name="training_enrollment_one_per_program"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort}"


class Post(models.Model):
    """A trainee's answer to a discussion (``parent`` empty) or a reply to a fellow trainee's
    answer. Stored as plain text and rendered escaped."""

    discussion = models.ForeignKey(Discussion, on_delete=models.CASCADE, related_name="posts")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_posts"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField(max_length=POST_MAX_CHARS)
    crisis = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejection_note = models.TextField(blank=True, max_length=NOTE_MAX_CHARS)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["cohort", "discussion", "created_at"], name="training_post_feed"),
            models.Index(fields=["author", "cohort"], name="training_post_author"),
        ]

    def __str__(self) -> str:
        return f"{self.author} in {self.discussion}"

    @property
    def is_rejected(self) -> bool:
        return self.rejected_at is not None


class SavedMentor(models.Model):
    """A mentor a listener saved while browsing the directory (Listener onboarding's step)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_mentors"
    )
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "mentor"], name="training_saved_mentor_once"),
            models.CheckConstraint(
                condition=~Q(user=models.F("mentor")), name="training_saved_mentor_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} saved {self.mentor}"
