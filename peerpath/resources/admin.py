"""Staff manage the library: edit any resource (an edit keeps it out of the library file's
reach), add custom ones."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import strip_tags

from peerpath.resources.models import Resource


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin[Resource]):
    list_display = ("title", "audience", "topics", "flag_topics", "is_custom", "is_published")
    list_filter = ("audience", "is_custom", "is_published", "edited")
    search_fields = ("title", "summary", "body", "slug")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("created_by", "created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: Resource, form: Any, change: bool) -> None:
        # Plain text only: any HTML typed in the admin is removed before saving.
        obj.title = strip_tags(obj.title).strip()
        obj.summary = strip_tags(obj.summary).strip()
        obj.body = strip_tags(obj.body).strip()
        if change:
            obj.edited = True
        else:
            obj.is_custom = True
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
