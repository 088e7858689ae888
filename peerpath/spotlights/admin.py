"""Staff read and correct spotlights in the admin; drafting and publishing go through the
pages (the service checks the mentor of the month rule and tells the mentor). Texts corrected
here are screened by the same service as the pages'."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from peerpath.accounts.models import User
from peerpath.safety.web import show_help
from peerpath.spotlights import services
from peerpath.spotlights.models import Spotlight, SpotlightAnswer


class SpotlightAnswerInline(admin.TabularInline[SpotlightAnswer, Spotlight]):
    model = SpotlightAnswer
    extra = 0


def _actor(request: HttpRequest) -> User:
    actor = request.user
    assert isinstance(actor, User)  # noqa: S101 - the admin requires a signed-in user
    return actor


@admin.register(Spotlight)
class SpotlightAdmin(admin.ModelAdmin[Spotlight]):
    list_display = ("title", "mentor", "kind", "month", "band", "status", "published_at")
    list_filter = ("kind", "band", "status")
    search_fields = ("title", "mentor__username")
    readonly_fields = ("mentor", "band", "status", "drafted_by", "published_by", "published_at")
    inlines = [SpotlightAnswerInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Spotlight, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # inside the admin's transaction
        changed = [f for f in services.TEXT_FIELDS if f in form.changed_data]
        if changed:
            screening = services.screen_spotlight(
                writer=_actor(request), spotlight=obj, fields=changed
            )
            show_help(request, screening)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        rows = [
            *formset.new_objects,
            *(row for row, fields in formset.changed_objects if {"question", "answer"} & {*fields}),
        ]
        if rows:
            screening = services.screen_spotlight(
                writer=_actor(request), spotlight=form.instance, fields=(), answers=rows
            )
            show_help(request, screening)
