"""Staff configuration: events (hosts, slots and RSVPs shown read-only) and the rota's
commitment. Events are created on /events/new/ (validated by the service), never here; a
title or description corrected here is screened by the same service as the page's."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from peerpath.accounts.models import User
from peerpath.events import services
from peerpath.events.models import RSVP, Event, RotaSettings, RotaSlot
from peerpath.safety.web import show_help


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RSVPInline(ReadOnlyInline):
    model = RSVP
    fields = ("user", "status", "queued_at", "attended")
    readonly_fields = fields


class SlotInline(ReadOnlyInline):
    model = RotaSlot
    fields = ("position", "mentor", "taken_at")
    readonly_fields = fields


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "kind", "band", "starts_at", "status", "capacity")
    list_filter = ("kind", "band", "status")
    search_fields = ("title",)
    date_hierarchy = "starts_at"
    fields = (
        "kind",
        "title",
        "description",
        "band",
        "starts_at",
        "ends_at",
        "room",
        "video_url",
        "capacity",
        "waitlist",
        "hosts",
        "status",
        "held_at",
        "cancelled_at",
        "created_by",
    )
    readonly_fields = ("band", "status", "held_at", "cancelled_at", "created_by", "hosts")
    raw_id_fields = ("room",)
    inlines = (SlotInline, RSVPInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Event, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # inside the admin's transaction
        changed = [f for f in services.TEXT_FIELDS if f in form.changed_data]
        if changed:
            actor = request.user
            assert isinstance(actor, User)  # noqa: S101 - the admin requires a signed-in user
            show_help(request, services.screen_event(writer=actor, event=obj, fields=changed))


@admin.register(RotaSettings)
class RotaSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "commitment_events", "commitment_months", "coverage_weeks")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the one row is created on first use (RotaSettings.load)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
