"""Staff configuration: programs with their discussions, cohorts and their facilitators.
Enrolments, posts and saved mentors are written by the product and read here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from peerpath.core.forms import ModelForm
from peerpath.training import policies
from peerpath.training.models import Cohort, Discussion, Enrollment, Post, Program, SavedMentor


class DiscussionInline(admin.StackedInline[Discussion, Program]):
    model = Discussion
    extra = 0
    fields = ("position", "title", "prompt", "activity", "min_replies")


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin[Program]):
    list_display = ("name", "slug", "training", "audience", "is_active", "edited")
    list_filter = ("audience", "is_active")
    search_fields = ("name", "slug")
    inlines = (DiscussionInline,)

    def save_model(self, request: HttpRequest, obj: Program, form: Any, change: bool) -> None:
        obj.edited = True  # the seed file leaves a program staff have touched alone
        super().save_model(request, obj, form, change)


class CohortForm(ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Cohort
        fields = ("program", "name", "band", "facilitators", "opens_at", "closes_at")

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        band = data.get("band")
        for person in data.get("facilitators") or []:
            if band and not (decision := policies.may_be_facilitator(person, band)):
                raise ValidationError(decision.reason)
        return data


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin[Cohort]):
    form = CohortForm
    list_display = ("name", "program", "band", "opens_at", "closes_at")
    list_filter = ("program", "band")
    autocomplete_fields = ("facilitators",)


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin[Enrollment]):
    list_display = ("user", "cohort", "enrolled_at", "completed_at")
    list_filter = ("program",)
    search_fields = ("user__username",)
    readonly_fields = ("program", "cohort", "user", "enrolled_at", "completed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin[Post]):
    list_display = ("author", "discussion", "cohort", "created_at", "crisis", "rejected_at")
    list_filter = ("crisis", "discussion__program")
    search_fields = ("author__username",)
    readonly_fields = (
        "discussion",
        "cohort",
        "author",
        "parent",
        "body",
        "crisis",
        "created_at",
        "rejected_at",
        "rejected_by",
        "rejection_note",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Post | None = None) -> bool:
        return False


@admin.register(SavedMentor)
class SavedMentorAdmin(admin.ModelAdmin[SavedMentor]):
    list_display = ("user", "mentor", "created_at")
    readonly_fields = ("user", "mentor", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
