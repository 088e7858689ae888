from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from peerpath.accounts import services
from peerpath.accounts.models import Language, Profile, Topic, User


class ProfileInline(admin.StackedInline[Profile, User]):
    model = Profile
    can_delete = False
    filter_horizontal = ["topics", "languages"]
    exclude = ["availability"]


SUPER_ONLY = frozenset({"is_superuser", "is_staff", "groups"})


@admin.register(User)
class UserAdmin(DjangoUserAdmin):  # type: ignore[type-arg]
    list_display = ["username", "account_type", "age_band_label", "is_staff", "date_joined"]
    list_filter = ["account_type", "is_staff", "is_active", "groups"]
    search_fields = ["username", "email"]
    ordering = ["-date_joined"]
    show_full_result_count = False
    inlines = [ProfileInline]
    readonly_fields = ["teen_from", "adult_from", "last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Account", {"fields": ("email", "account_type", "date_of_birth", "timezone")}),
        ("Derived age thresholds", {"fields": ("teen_from", "adult_from")}),
        ("Suspension", {"fields": ("suspended_until", "suspension_reason")}),
        ("Roles", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "date_of_birth",
                    "timezone",
                    "account_type",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    @admin.display(description="Age band")
    def age_band_label(self, obj: User) -> str:
        return obj.age_band.label

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        user = request.user
        if obj is None or getattr(user, "is_superuser", False):
            return fieldsets
        # Only superusers hand out superuser or staff powers.
        return tuple(
            (name, {**opts, "fields": tuple(f for f in opts["fields"] if f not in SUPER_ONLY)})
            for name, opts in fieldsets
        )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # The derived age thresholds are kept exact by the service, whoever edits.
        services.apply_birth_details(obj, date_of_birth=obj.date_of_birth, tz_name=obj.timezone)
        super().save_model(request, obj, form, change)
        Profile.objects.get_or_create(user=obj)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin[Topic]):
    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin[Language]):
    list_display = ["name", "code"]
