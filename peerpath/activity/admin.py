from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from peerpath.activity.models import ActivityEvent


@admin.register(ActivityEvent)
class ActivityEventAdmin(admin.ModelAdmin[ActivityEvent]):
    """Read-only: the log is append-only and written by services."""

    list_display = ["occurred_at", "user", "kind", "ref_type", "ref_id"]
    list_filter = ["kind"]
    search_fields = ["user__username"]
    date_hierarchy = "occurred_at"
    raw_id_fields = ["user"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False
