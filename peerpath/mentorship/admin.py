"""Staff tools for mentoring. Chat messages are private to the two people: they are never
shown here (no Message admin, no inline). Flags and tickets are resolved through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest

from peerpath.accounts.models import User
from peerpath.core.errors import Refused
from peerpath.mentorship.models import (
    CheckIn,
    Conversation,
    Flag,
    MatchProposal,
    MatchRun,
    MenteeProfile,
    MentorProfile,
    MentorRequest,
    Mentorship,
    MentorshipSettings,
    RequestTarget,
    StaffTicket,
    TicketStatus,
)
from peerpath.mentorship.services import flags, tickets

MAX_INLINE_PROPOSALS = 200


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - the admin requires a signed-in staff user
    return user


class ReadOnlyInlineMixin:
    """An inline that shows rows and never adds, changes or deletes them."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MentorshipSettings)
class MentorshipSettingsAdmin(admin.ModelAdmin[MentorshipSettings]):
    """One row of community-wide knobs: it can be edited, never added twice or deleted."""

    fieldsets = (
        (
            "Requests",
            {"fields": ("request_expiry_days", "reminder_after_days", "max_open_requests")},
        ),
        (
            "Auto-pairing",
            {
                "fields": (
                    "auto_pairing_enabled",
                    "proposals_need_mentor_acceptance",
                    "proposal_expiry_days",
                    "new_listener_days",
                    "new_listener_priority",
                    "min_score",
                )
            },
        ),
        (
            "Matching weights",
            {
                "fields": (
                    "weight_topic",
                    "weight_language",
                    "weight_availability",
                    "weight_text",
                    "weight_load",
                )
            },
        ),
        ("Chat", {"fields": ("messages_per_minute",)}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not MentorshipSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MentorProfile)
class MentorProfileAdmin(admin.ModelAdmin[MentorProfile]):
    list_display = ["user", "capacity", "track_listeners", "track_group_i", "track_group_ii"]
    list_filter = ["track_listeners", "track_group_i", "track_group_ii"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]
    filter_horizontal = ["specialties"]
    readonly_fields = ["last_active_at", "created_at", "updated_at"]
    show_full_result_count = False


@admin.register(MenteeProfile)
class MenteeProfileAdmin(admin.ModelAdmin[MenteeProfile]):
    list_display = ["user", "opted_out_at", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]
    show_full_result_count = False


class RequestTargetInline(ReadOnlyInlineMixin, admin.TabularInline[RequestTarget, MentorRequest]):
    model = RequestTarget
    fields = readonly_fields = (
        "rank",
        "mentor",
        "status",
        "sent_at",
        "expires_at",
        "reminders_sent",
    )


@admin.register(MentorRequest)
class MentorRequestAdmin(admin.ModelAdmin[MentorRequest]):
    """Requests move through services (cascade, expiry): staff read them here."""

    list_display = ["pk", "mentee", "status", "created_at", "closed_at"]
    list_filter = ["status"]
    list_select_related = ["mentee"]
    search_fields = ["mentee__username"]
    readonly_fields = ["mentee", "goal", "status", "created_at", "closed_at"]
    inlines = [RequestTargetInline]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class ConversationInline(ReadOnlyInlineMixin, admin.TabularInline[Conversation, Mentorship]):
    model = Conversation
    fields = readonly_fields = (
        "day",
        "kind",
        "logged_by",
        "note",
    )


class CheckInInline(ReadOnlyInlineMixin, admin.TabularInline[CheckIn, Mentorship]):
    model = CheckIn
    fields = readonly_fields = (
        "created_at",
        "author",
        "rating",
        "note",
    )


@admin.register(Mentorship)
class MentorshipAdmin(admin.ModelAdmin[Mentorship]):
    """The pair, its state and its log. The chat is private to the two: never shown."""

    list_display = ["pk", "mentor", "mentee", "status", "source", "started_at", "end_reason"]
    list_filter = ["status", "source", "end_reason"]
    list_select_related = ["mentor", "mentee"]
    search_fields = ["mentor__username", "mentee__username"]
    fields = readonly_fields = (
        "mentor",
        "mentee",
        "status",
        "source",
        "score",
        "explanation",
        "goal",
        "proposal_expires_at",
        "started_at",
        "ended_at",
        "ended_by",
        "end_reason",
        "end_note",
    )
    inlines = [ConversationInline, CheckInInline]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class MatchProposalInline(ReadOnlyInlineMixin, admin.TabularInline[MatchProposal, MatchRun]):
    model = MatchProposal
    fields = readonly_fields = (
        "mentee",
        "mentor",
        "score",
        "explanation",
        "mentorship",
        "skipped_reason",
    )
    max_num = 0
    verbose_name_plural = f"match proposals (the best {MAX_INLINE_PROPOSALS})"


@admin.register(MatchRun)
class MatchRunAdmin(admin.ModelAdmin[MatchRun]):
    """Runs are made, published and discarded on the matching screen (/mentorships/staff/
    matching/); here they are read-only."""

    list_display = ["pk", "status", "created_at", "started_by", "n_mentees", "n_proposals"]
    list_filter = ["status"]
    list_select_related = ["started_by"]
    readonly_fields = fields = (
        "status",
        "started_by",
        "n_mentees",
        "n_mentors",
        "n_proposals",
        "total_score",
        "seconds",
        "weights",
        "decided_at",
        "decided_by",
        "created_at",
    )
    inlines = [MatchProposalInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Any, inline: Any, prefix: str
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, MatchProposalInline) and obj is not None:
            # A run over a big community has tens of thousands of pairs: the best ones only.
            best = list(
                obj.proposals.order_by("-score", "mentee_id").values_list("pk", flat=True)[
                    :MAX_INLINE_PROPOSALS
                ]
            )
            kwargs["queryset"] = MatchProposal.objects.filter(pk__in=best).select_related(
                "mentee", "mentor", "mentorship"
            )
        return kwargs


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin[Flag]):
    list_display = [
        "pk",
        "priority",
        "topic",
        "mentorship",
        "raised_by",
        "created_at",
        "resolved_at",
    ]
    list_filter = ["priority", ("resolved_at", admin.EmptyFieldListFilter), "topic"]
    list_select_related = ["raised_by", "mentorship"]
    search_fields = ["raised_by__username"]
    readonly_fields = fields = (
        "mentorship",
        "raised_by",
        "topic",
        "priority",
        "note",
        "created_at",
        "resolved_at",
        "resolved_by",
    )
    actions = ["mark_resolved"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Mark the selected flags resolved", permissions=["change"])
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        actor = _actor(request)
        done = 0
        for flag_id in queryset.values_list("pk", flat=True):
            try:
                flags.resolve_flag(actor=actor, flag_id=flag_id)
            except Refused as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
            done += 1
        self.message_user(request, f"{done} flag(s) marked resolved.", messages.SUCCESS)


@admin.register(StaffTicket)
class StaffTicketAdmin(admin.ModelAdmin[StaffTicket]):
    list_display = ["pk", "status", "subject", "opened_by", "mentorship", "created_at"]
    list_filter = ["status"]
    list_select_related = ["opened_by", "mentorship"]
    search_fields = ["subject", "opened_by__username"]

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        """Open tickets first ("closed" sorts before "open" alphabetically), newest first."""
        open_first = Case(
            When(status=TicketStatus.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [open_first.asc(), "-created_at"]

    readonly_fields = ["opened_by", "mentorship", "subject", "body", "created_at", "closed_at"]
    fields = [*readonly_fields, "status"]
    actions = ["close_tickets"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Close the selected tickets", permissions=["change"])
    def close_tickets(self, request: HttpRequest, queryset: QuerySet[StaffTicket]) -> None:
        user = request.user
        assert isinstance(user, User)  # noqa: S101 - the admin requires a signed-in user
        n = tickets.close_tickets(
            actor=user, ticket_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(request, f"{n} ticket(s) closed.", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: StaffTicket, form: Any, change: bool) -> None:
        if obj.status == TicketStatus.CLOSED and obj.closed_at is None:
            # Closing one ticket is the bulk action's write (the service owns who may close).
            tickets.close_tickets(actor=_actor(request), ticket_ids=[obj.pk])
            return
        if obj.status == TicketStatus.OPEN:
            obj.closed_at = None  # reopening: no service, nothing else follows from it
        super().save_model(request, obj, form, change)
