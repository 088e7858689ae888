"""Staff read and correct spotlights in the admin; drafting and publishing go through the
pages (the service checks the mentor of the month rule and tells the mentor)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from peerpath.spotlights.models import Spotlight, SpotlightAnswer


class SpotlightAnswerInline(admin.TabularInline[SpotlightAnswer, Spotlight]):
    model = SpotlightAnswer
    extra = 0


@admin.register(Spotlight)
class SpotlightAdmin(admin.ModelAdmin[Spotlight]):
    list_display = ("title", "mentor", "kind", "month", "band", "status", "published_at")
    list_filter = ("kind", "band", "status")
    search_fields = ("title", "mentor__username")
    readonly_fields = ("mentor", "band", "status", "drafted_by", "published_by", "published_at")
    inlines = [SpotlightAnswerInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
