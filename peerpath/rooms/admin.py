"""Staff configuration of rooms: the catalogue, communities, appointed moderators and hosts,
hosting quotas and the room knobs. Sanctions, reports and the log are read-only here: they
are written through the moderation tools (``rooms.services``), which log every action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from peerpath.core.forms import ModelForm
from peerpath.progression import ladder, rules
from peerpath.rooms.models import (
    HostingQuota,
    ModerationLog,
    Report,
    Room,
    RoomCommunity,
    RoomSession,
    RoomSettings,
    RoomStaff,
    Sanction,
)


class RoomForm(ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Room
        fields = (
            "slug",
            "name",
            "description",
            "category",
            "community",
            "band",
            "audience",
            "topic",
            "language",
            "lock_criteria",
            "host_required",
            "slow_mode_seconds",
            "opens_at",
            "closes_at",
            "is_active",
            "sort_order",
        )

    def clean_lock_criteria(self) -> Any:
        raw = self.cleaned_data.get("lock_criteria") or {}
        if raw:
            try:
                rules.parse(raw, ladder.vocabulary(), where="lock")
            except rules.CriteriaError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return raw


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = RoomForm
    list_display = ("name", "category", "band", "audience", "community", "is_active")
    list_filter = ("category", "band", "audience", "community", "is_active", "host_required")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request: HttpRequest, obj: Room, form: Any, change: bool) -> None:
        obj.edited = True  # the seed loader leaves staff edits alone
        super().save_model(request, obj, form, change)


@admin.register(RoomCommunity)
class RoomCommunityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(RoomStaff)
class RoomStaffAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "kind", "community", "room")
    list_filter = ("kind", "community")
    raw_id_fields = ("user", "room")


@admin.register(HostingQuota)
class HostingQuotaAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("role_slug", "minutes_per_month")


@admin.register(RoomSettings)
class RoomSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """One row, created on first look."""

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        RoomSettings.current()
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RoomSession)
class RoomSessionAdmin(ReadOnly):
    list_display = ("title", "room", "kind", "host", "starts_at", "started_at", "ended_at")
    list_filter = ("kind",)


@admin.register(Sanction)
class SanctionAdmin(ReadOnly):
    list_display = ("user", "kind", "room", "community", "created_at", "expires_at", "lifted_at")
    list_filter = ("kind", "automatic")


@admin.register(Report)
class ReportAdmin(ReadOnly):
    list_display = ("message", "reporter", "reason", "status", "created_at")
    list_filter = ("status", "reason")


@admin.register(ModerationLog)
class ModerationLogAdmin(ReadOnly):
    list_display = ("created_at", "action", "actor", "target", "room")
    list_filter = ("action",)
