"""Staff edit the dashboard's settings (the bulk-message confirmation threshold) and read
the audit of bulk messages; the rollup itself is derived data, not edited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from peerpath.partners.models import BulkMessage, PartnerSettings


@admin.register(PartnerSettings)
class PartnerSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """One row, created on first look: staff edit it, never add another."""

    list_display = ("__str__", "bulk_confirm_over")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: Any, extra_context: Any = None) -> Any:
        PartnerSettings.load()
        return super().changelist_view(request, extra_context)


@admin.register(BulkMessage)
class BulkMessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "sender", "kind", "recipients", "target", "recipient_count")
    list_filter = ("kind", "recipients")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
