"""Staff look at what was sent (read-only: notifications come from the service only) and
at people's preferences."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from peerpath.notifications.models import Notification, NotificationSettings, Preference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ("title", "recipient", "category", "created_at", "read_at", "email_state")
    list_filter = ("category", "email_state", "in_app", "created_at")
    search_fields = ("title", "source", "recipient__username")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient",)
    readonly_fields = (
        "recipient",
        "category",
        "title",
        "body",
        "url",
        "source",
        "created_at",
        "in_app",
        "read_at",
        "email_state",
        "email_attempts",
        "email_next_try_at",
        "email_claim",
        "emailed_at",
        "email_error",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin[Preference]):
    list_display = ("user", "category", "in_app", "email")
    list_filter = ("category", "in_app", "email")
    search_fields = ("user__username",)
    raw_id_fields = ("user",)


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin[NotificationSettings]):
    list_display = ("user", "quiet_start", "quiet_end", "daily_digest", "digest_hour")
    list_filter = ("daily_digest",)
    search_fields = ("user__username",)
    raw_id_fields = ("user",)
