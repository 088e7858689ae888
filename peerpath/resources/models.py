"""Resources: short guides written for this community, tagged by topic and by flag topic.

Topics and flag topics are stored as comma-delimited slugs wrapped in commas
(``",listening,self-care,"``) so one ``contains`` lookup filters on SQLite and PostgreSQL
alike; the vocabularies are closed (``ResourceTopic``, ``FlagTopic``).
Bodies are plain text, always rendered escaped.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from peerpath.core.models import BaseModel

TITLE_MAX_CHARS = 120
SUMMARY_MAX_CHARS = 300
BODY_MAX_CHARS = 8_000
RESERVED_SLUGS = frozenset({"new"})


class ResourceTopic(models.TextChoices):
    LISTENING = "listening", "Listening skills"
    SELF_CARE = "self-care", "Self-care"
    REACHING_OUT = "reaching-out", "Reaching out to a mentor"
    FIRST_MESSAGE = "first-message", "First messages"
    GHOSTING = "ghosting", "When someone goes quiet"
    BOUNDARIES = "boundaries", "Boundaries"
    CRISIS = "crisis", "Crisis referral"
    GROUP_HOSTING = "group-hosting", "Hosting groups"
    MODERATION = "moderation", "Moderation"
    MENTORING = "mentoring", "Mentoring"


class FlagTopic(models.TextChoices):
    """What a concern is about: a mentorship ``Flag``'s topic, and the tag that suggests a
    resource after such a flag. It lives here, below mentorship, because both use it: the
    mentoring pages show the library's resources, and the library never imports mentorship."""

    SAFETY = "safety", "Someone may be unsafe"
    WELLBEING = "wellbeing", "Wellbeing concern"
    CONDUCT = "conduct", "Inappropriate behaviour"
    BOUNDARIES = "boundaries", "Boundaries"
    NO_CONTACT = "no_contact", "No contact"
    OTHER = "other", "Something else"


class ResourceAudience(models.TextChoices):
    BOTH = "both", "Teens and adults"
    TEEN = "teen", "Teens"
    ADULT = "adult", "Adults"


def pack(values: list[str] | tuple[str, ...]) -> str:
    """``["a", "b"]`` → ``",a,b,"`` (``""`` when empty)."""
    return f",{','.join(values)}," if values else ""


def unpack(value: str) -> list[str]:
    return [v for v in value.split(",") if v]


def tagged(topic: str) -> Q:
    """Resources tagged ``topic`` (tags are stored as ``,a,b,``: one ``contains`` lookup on
    SQLite and PostgreSQL); a ``Q`` so that filters and rankings can combine tags."""
    return Q(topics__contains=f",{topic},")


class ResourceQuerySet(models.QuerySet["Resource"]):
    def published(self) -> ResourceQuerySet:
        return self.filter(is_published=True)

    def for_band(self, *, teen: bool | None) -> ResourceQuerySet:
        """Teens see teen/both, adults adult/both; ``None`` (staff) sees everything."""
        if teen is None:
            return self
        own = ResourceAudience.TEEN if teen else ResourceAudience.ADULT
        return self.filter(audience__in=[own, ResourceAudience.BOTH])

    def with_topic(self, topic: str) -> ResourceQuerySet:
        return self.filter(tagged(topic))

    def with_flag_topic(self, topic: str) -> ResourceQuerySet:
        return self.filter(flag_topics__contains=f",{topic},")


class Resource(BaseModel):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=TITLE_MAX_CHARS)
    summary = models.CharField(max_length=SUMMARY_MAX_CHARS)
    body = models.TextField(help_text="Plain text; blank lines separate paragraphs.")
    topics = models.CharField(max_length=300, blank=True, help_text="e.g. ,listening,self-care,")
    flag_topics = models.CharField(max_length=200, blank=True, help_text="e.g. ,safety,wellbeing,")
    audience = models.CharField(
        max_length=8, choices=ResourceAudience.choices, default=ResourceAudience.BOTH
    )
    reading_minutes = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    is_published = models.BooleanField(default=True)
    is_custom = models.BooleanField(default=False, help_text="Added by staff, not the library.")
    edited = models.BooleanField(
        default=False, help_text="Set when staff edit it: the library file leaves it alone."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reading_minutes__gte=1) & Q(reading_minutes__lte=60),
                name="resources_reading_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("resources:detail", args=[self.slug])

    @property
    def topic_list(self) -> list[str]:
        return unpack(self.topics)

    @property
    def topic_labels(self) -> list[str]:
        labels = dict(ResourceTopic.choices)
        return [str(labels.get(t, t)) for t in self.topic_list]

    @property
    def flag_topic_list(self) -> list[str]:
        return unpack(self.flag_topics)

    @property
    def is_crisis(self) -> bool:
        return ResourceTopic.CRISIS in self.topic_list
