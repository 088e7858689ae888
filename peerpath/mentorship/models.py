"""Mentorship: mentor profiles, requests that cascade through a ranked list, matching runs and
their proposals, the mentorship itself with its private chat, conversation log, check-ins,
flags and staff tickets.

Invariants the database enforces (so races cannot break them, whatever the code path):
- a mentee has at most one current (proposed or active) mentorship;
- one open request per (mentee, mentor);
- a check-in rating is 1..5; nobody mentors themselves;
- one automatic "chat" conversation per mentorship per day.
Capacity ("no more current mentees than capacity") cannot be a row constraint because a
mentor may lower capacity below their current load; services take a row lock on the
mentor's profile before counting (``services.common.lock_mentor``) and a test races two accepts.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from peerpath.accounts.models import Topic
from peerpath.core.idempotency import IdempotentModel, key_constraint
from peerpath.core.models import BaseModel
from peerpath.resources.models import FlagTopic  # shared with the library (see there)

MAX_CAPACITY = 20
MESSAGE_MAX_CHARS = 2000
NOTE_MAX_CHARS = 1000
GOAL_MAX_CHARS = 1000
MAX_RANKED_MENTORS = 3


class MentorshipSettings(models.Model):
    """Community-wide knobs, one row (pk=1), edited by staff in the admin."""

    request_expiry_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Days a mentor has to answer a request before it moves to the next mentor.",
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(59)],
        help_text="Remind the mentor after this many days without an answer.",
    )
    max_open_requests = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="How many requests a listener may have waiting at once.",
    )
    proposals_need_mentor_acceptance = models.BooleanField(
        default=True,
        help_text="On: matching proposals wait for the mentor to accept. Off: they start at once.",
    )
    proposal_expiry_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    auto_pairing_enabled = models.BooleanField(
        default=True, help_text="Run matching periodically and publish its proposals."
    )
    new_listener_days = models.PositiveSmallIntegerField(
        default=30, help_text="Listeners who joined this recently are matched first."
    )
    new_listener_priority = models.FloatField(
        default=20.0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Bonus (on the 0–100 score scale) for matching a new listener.",
    )
    min_score = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Never propose a pair scoring below this (0–100).",
    )
    weight_topic = models.FloatField(
        default=3.0, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    weight_language = models.FloatField(
        default=2.0, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    weight_availability = models.FloatField(
        default=2.0, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    weight_text = models.FloatField(
        default=1.0, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    weight_load = models.FloatField(
        default=1.0, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    messages_per_minute = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )

    class Meta:
        verbose_name = "mentorship settings"
        verbose_name_plural = "mentorship settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="mentorship_settings_singleton"),
        ]

    def __str__(self) -> str:
        return "Mentorship settings"

    @classmethod
    def load(cls) -> MentorshipSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    @property
    def request_expiry(self) -> dt.timedelta:
        return dt.timedelta(days=self.request_expiry_days)


class MentorProfile(BaseModel):
    """A mentor's public settings. Listed only while the user may mentor (policy)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="mentor_profile",
    )
    capacity = models.PositiveSmallIntegerField(
        default=2,
        validators=[MaxValueValidator(MAX_CAPACITY)],
        help_text="How many mentees at once. 0 pauses new matches.",
    )
    specialties = models.ManyToManyField(Topic, blank=True, related_name="mentors")
    track_listeners = models.BooleanField("listener mentoring", default=True)
    track_group_i = models.BooleanField("group support, track I", default=False)
    track_group_ii = models.BooleanField("group support, track II", default=False)
    approach = models.TextField("how I mentor", max_length=NOTE_MAX_CHARS, blank=True)
    last_active_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"Mentor profile of {self.user}"

    @property
    def tracks(self) -> list[str]:
        names = []
        if self.track_listeners:
            names.append("Listener mentoring")
        if self.track_group_i:
            names.append("Group support · Track I")
        if self.track_group_ii:
            names.append("Group support · Track II")
        return names


class MenteeProfile(BaseModel):
    """What a listener wants from mentoring; absent until they say something."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="mentee_profile",
    )
    goal = models.TextField(max_length=GOAL_MAX_CHARS, blank=True)
    opted_out_at = models.DateTimeField(
        null=True, blank=True, help_text="Left the mentoring program; never auto-paired."
    )

    def __str__(self) -> str:
        return f"Mentee profile of {self.user}"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Waiting for a mentor"
    ACCEPTED = "accepted", "Accepted"
    EXHAUSTED = "exhausted", "No mentor could take it"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CANCELLED = "cancelled", "Closed"


class MentorRequest(BaseModel):
    """A listener's request, sent to one mentor or cascading through up to three, in order."""

    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_requests"
    )
    goal = models.TextField(max_length=GOAL_MAX_CHARS)
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["mentee", "status"])]

    def __str__(self) -> str:
        return f"Request #{self.pk} by {self.mentee_id}"


class TargetStatus(models.TextChoices):
    QUEUED = "queued", "Next in line"
    PENDING = "pending", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "No answer in time"
    CANCELLED = "cancelled", "Closed"


OPEN_TARGET_STATUSES = (TargetStatus.QUEUED, TargetStatus.PENDING)


class RequestTarget(models.Model):
    """One mentor in a request's ranked list. Only one target of a request is pending."""

    request = models.ForeignKey(MentorRequest, on_delete=models.CASCADE, related_name="targets")
    # Denormalised from the request so "one open request per mentor per mentee" is a
    # database constraint.
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="incoming_requests"
    )
    rank = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RANKED_MENTORS)]
    )
    status = models.CharField(
        max_length=16, choices=TargetStatus.choices, default=TargetStatus.QUEUED
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["request_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["request", "rank"], name="mentorship_target_rank"),
            models.UniqueConstraint(fields=["request", "mentor"], name="mentorship_target_once"),
            models.UniqueConstraint(
                fields=["mentee", "mentor"],
                condition=models.Q(status__in=["queued", "pending"]),
                name="mentorship_one_open_request_per_pair",
            ),
            models.CheckConstraint(
                condition=~models.Q(mentee=models.F("mentor")),
                name="mentorship_target_not_self",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["mentor", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.mentee_id}→{self.mentor_id} ({self.status})"


class MatchRunStatus(models.TextChoices):
    DRAFT = "draft", "Draft (preview)"
    PUBLISHED = "published", "Published"
    DISCARDED = "discarded", "Discarded"


class MatchRun(BaseModel):
    """One run of the matching engine: a preview until published or discarded."""

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the periodic auto-pairing job.",
    )
    status = models.CharField(
        max_length=16, choices=MatchRunStatus.choices, default=MatchRunStatus.DRAFT
    )
    n_mentees = models.PositiveIntegerField(default=0)
    n_mentors = models.PositiveIntegerField(default=0)
    n_proposals = models.PositiveIntegerField(default=0)
    total_score = models.FloatField(default=0.0)
    seconds = models.FloatField(default=0.0)
    weights = models.JSONField(default=dict)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"Matching run #{self.pk} ({self.status})"


class MatchProposal(models.Model):
    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="proposals")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    explanation = models.JSONField(default=list)
    mentorship = models.ForeignKey(
        "Mentorship", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    skipped_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-score", "mentee_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "mentee"], name="mentorship_proposal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.mentee_id}→{self.mentor_id} {self.score:.1f}"


class MentorshipStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    DECLINED = "declined", "Proposal declined"
    ENDED = "ended", "Ended"


CURRENT_STATUSES = (MentorshipStatus.PROPOSED, MentorshipStatus.ACTIVE)


class MentorshipSource(models.TextChoices):
    REQUEST = "request", "Listener's request"
    MATCHING = "matching", "Matching"


class EndReason(models.TextChoices):
    LEFT_PROGRAM = "left_program", "Left the mentoring program"
    REMATCH = "rematch", "Asked for a new match"
    MENTOR_NO_REMATCH = "mentor_no_rematch", "Mentor unmatched (don't rematch)"
    COMPLETED = "completed", "Completed"
    AGED_OUT = "aged_out", "Age band changed"
    STAFF = "staff", "Ended by staff"
    PROPOSAL_EXPIRED = "proposal_expired", "Proposal not answered in time"
    DECLINED = "declined", "Mentor declined the proposal"


# Pairs that ended this way are never matched again.
NO_REMATCH_REASONS = (
    EndReason.REMATCH,
    EndReason.MENTOR_NO_REMATCH,
    EndReason.DECLINED,
    EndReason.PROPOSAL_EXPIRED,
)


class MentorshipQuerySet(models.QuerySet["Mentorship"]):
    def current(self) -> MentorshipQuerySet:
        return self.filter(status__in=CURRENT_STATUSES)

    def active(self) -> MentorshipQuerySet:
        return self.filter(status=MentorshipStatus.ACTIVE)

    def involving(self, user_id: int) -> MentorshipQuerySet:
        return self.filter(models.Q(mentor_id=user_id) | models.Q(mentee_id=user_id))


class Mentorship(BaseModel):
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships_as_mentor"
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships_as_mentee"
    )
    status = models.CharField(
        max_length=16, choices=MentorshipStatus.choices, default=MentorshipStatus.ACTIVE
    )
    source = models.CharField(max_length=16, choices=MentorshipSource.choices)
    score = models.FloatField(null=True, blank=True)
    explanation = models.JSONField(default=list, blank=True)
    goal = models.TextField(max_length=GOAL_MAX_CHARS, blank=True)
    proposal_expires_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=32, choices=EndReason.choices, blank=True)
    end_note = models.CharField(max_length=500, blank=True)
    # Highest message id each side has seen: unread = messages after it from the other side.
    mentor_last_read = models.PositiveBigIntegerField(default=0)
    mentee_last_read = models.PositiveBigIntegerField(default=0)

    objects = MentorshipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mentee"],
                condition=models.Q(status__in=["proposed", "active"]),
                name="mentorship_one_current_per_mentee",
            ),
            models.CheckConstraint(
                condition=~models.Q(mentee=models.F("mentor")), name="mentorship_not_self"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["proposed", "active"]) | ~models.Q(end_reason=""),
                name="mentorship_end_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["mentor", "status"]),
            models.Index(fields=["mentee", "status"]),
        ]

    def __str__(self) -> str:
        return f"Mentorship #{self.pk} {self.mentor_id}→{self.mentee_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == MentorshipStatus.ACTIVE

    def other_party_id(self, user_id: int) -> int:
        return self.mentee_id if user_id == self.mentor_id else self.mentor_id

    def role_of(self, user_id: int) -> str:
        if user_id == self.mentor_id:
            return "mentor"
        if user_id == self.mentee_id:
            return "mentee"
        return ""


class Message(models.Model):
    """A chat message, persisted before the sender is acknowledged."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=MESSAGE_MAX_CHARS)
    # The client's id for the message, so a resent frame after a reconnect is stored once.
    client_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_id"],
                condition=~models.Q(client_id=""),
                name="mentorship_message_client_id_once",
            ),
        ]
        indexes = [
            models.Index(fields=["mentorship", "id"]),
            models.Index(fields=["sender", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Message #{self.pk} in {self.mentorship_id}"


class ConversationKind(models.TextChoices):
    CHAT = "chat", "Chat (counted automatically)"
    CALL = "call", "Call"
    VIDEO = "video", "Video"
    OTHER = "other", "Other"


class Conversation(IdempotentModel):
    """A conversation between the pair: a chat day with both sides writing, or a logged one."""

    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="conversations"
    )
    kind = models.CharField(max_length=8, choices=ConversationKind.choices)
    day = models.DateField()
    note = models.CharField(max_length=500, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when counted automatically from the chat.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship", "day"],
                condition=models.Q(kind="chat"),
                name="mentorship_one_chat_conversation_per_day",
            ),
            key_constraint("logged_by", "mentorship_conversation_key_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.day}"


class CheckIn(IdempotentModel):
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="check_ins")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = models.TextField(max_length=NOTE_MAX_CHARS, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="mentorship_checkin_rating"
            ),
            key_constraint("author", "mentorship_checkin_key_once"),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.rating}/5 by {self.author_id}"


class FlagPriority(models.TextChoices):
    IMMEDIATE = "immediate", "Immediate"
    CAN_WAIT = "can_wait", "Can wait"


class Flag(IdempotentModel, BaseModel):
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="flags")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    topic = models.CharField(max_length=16, choices=FlagTopic.choices)
    priority = models.CharField(max_length=16, choices=FlagPriority.choices)
    note = models.TextField(max_length=NOTE_MAX_CHARS, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["resolved_at", "-created_at"]
        indexes = [models.Index(fields=["priority", "resolved_at"])]
        constraints = [key_constraint("raised_by", "mentorship_flag_key_once")]

    def __str__(self) -> str:
        return f"{self.get_priority_display()} flag: {self.get_topic_display()}"


class TicketStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class StaffTicket(IdempotentModel, BaseModel):
    """A person asking to talk to staff (e.g. from "I can't get in touch")."""

    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_tickets"
    )
    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    subject = models.CharField(max_length=120)
    body = models.TextField(max_length=NOTE_MAX_CHARS)
    status = models.CharField(max_length=8, choices=TicketStatus.choices, default=TicketStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-status", "-created_at"]  # "open" sorts after "closed": open first
        constraints = [key_constraint("opened_by", "mentorship_ticket_key_once")]

    def __str__(self) -> str:
        return f"Ticket #{self.pk}: {self.subject}"
