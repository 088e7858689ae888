"""Staff moderation of feedback (the only place authors are shown) and the k-anonymity
settings. Feedback is written by people on /feedback/give/…, never added here; staff hide
or unhide a comment by writing or clearing its reason."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from peerpath.accounts.models import User
from peerpath.feedback import services
from peerpath.feedback.models import Feedback, FeedbackSettings


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "listener", "author", "rating", "created_at", "hidden_at")
    list_filter = ("rating", "context_kind")
    search_fields = ("listener__username", "author__username", "comment")
    date_hierarchy = "created_at"
    fields = (
        "listener",
        "author",
        "rating",
        "comment",
        "context_kind",
        "context_id",
        "created_at",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
    )
    readonly_fields = tuple(f for f in fields if f != "hidden_reason")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Feedback, form: Any, change: bool) -> None:
        actor = request.user
        assert isinstance(actor, User)  # noqa: S101 - the admin requires a signed-in user
        reason = (obj.hidden_reason or "").strip()
        if reason and obj.hidden_at is None:
            services.hide_feedback(actor=actor, feedback_id=obj.pk, reason=reason)
        elif not reason and obj.hidden_at is not None:
            services.unhide_feedback(actor=actor, feedback_id=obj.pk)
        elif reason:
            Feedback.objects.filter(pk=obj.pk).update(hidden_reason=reason)


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "k", "window_hours")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the one row is created on first use (FeedbackSettings.load)

    def get_queryset(self, request: HttpRequest) -> Any:
        FeedbackSettings.load()
        return super().get_queryset(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
