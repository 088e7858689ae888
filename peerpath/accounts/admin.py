from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet
from django.http import HttpRequest

from peerpath.accounts import services
from peerpath.accounts.models import AccountType, Language, Profile, Topic, User
from peerpath.core.forms import CleanInputMixin


class ProfileInline(admin.StackedInline[Profile, User]):
    model = Profile
    can_delete = False
    filter_horizontal = ["topics", "languages"]
    exclude = ["availability"]


SUPER_ONLY = frozenset({"is_superuser", "is_staff", "groups"})
# Fields the services own: the form reads them, save_model hands them to the service.
SERVICE_FIELDS = ("account_type", "suspended_until", "suspension_reason")
NEW_ACCOUNT = {"account_type": AccountType.MEMBER, "suspended_until": None, "suspension_reason": ""}


class UserChangeForm(CleanInputMixin, DjangoUserChangeForm):  # type: ignore[type-arg]
    """Django's change form with the project's input rules. A changed suspension is checked
    by the service's rule here, so a past end date is an error on the form, not a failed
    save."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned: dict[str, Any] = self.cleaned_data
        until = cleaned.get("suspended_until")
        touched = {"suspended_until", "suspension_reason"} & set(self.changed_data)
        if until is not None and touched:
            try:
                services.check_suspension_end(until)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(User)
class UserAdmin(DjangoUserAdmin):  # type: ignore[type-arg]
    """Staff edit people here, through the services like any page: the account type
    (``listener_since``), the suspension and the roles (groups) are written by
    ``set_account_type``, ``suspend_user``/``lift_suspension`` and ``set_role_members``."""

    form = UserChangeForm
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
        wanted = {name: getattr(obj, name) for name in SERVICE_FIELDS}
        stored = (
            User.objects.filter(pk=obj.pk).values(*SERVICE_FIELDS).get() if change else NEW_ACCOUNT
        )
        for name, value in stored.items():  # the form saves the rest; the services these
            setattr(obj, name, value)
        # The derived age thresholds are kept exact by the service, whoever edits.
        services.apply_birth_details(obj, date_of_birth=obj.date_of_birth, tz_name=obj.timezone)
        super().save_model(request, obj, form, change)
        Profile.objects.get_or_create(user=obj)
        services.set_account_type(user=obj, account_type=wanted["account_type"])
        until, reason = wanted["suspended_until"], wanted["suspension_reason"]
        if (until, reason) == (stored["suspended_until"], stored["suspension_reason"]):
            return
        actor: Any = request.user
        if until is None:
            services.lift_suspension(actor=actor, user=obj)
        else:
            services.suspend_user(actor=actor, user=obj, until=until, reason=reason)

    def save_related(
        self,
        request: HttpRequest,
        form: Any,
        formsets: list[BaseInlineFormSet[Any, Any, Any]],
        change: bool,
    ) -> None:
        # Roles are not saved by the form's many-to-many step but by the roles' one writer.
        wanted: set[Group] | None = (
            set(form.cleaned_data.pop("groups")) if "groups" in form.cleaned_data else None
        )
        super().save_related(request, form, formsets, change)
        if wanted is None:
            return
        user: User = form.instance
        held = set(user.groups.all())
        self.write_roles(request, form, user, add=wanted - held, remove=held - wanted)

    def write_roles(
        self, request: HttpRequest, form: Any, user: User, *, add: set[Group], remove: set[Group]
    ) -> None:
        """Give and take roles. The roles the ladder knows (Moderator, Ambassador) are
        awards: ``progression.admin`` registers this admin again with a ``write_roles`` that
        hands those to the ladder's service (accounts sits below progression and cannot)."""
        for group in add:
            services.set_role_members(role=group.name, add=[user])
        for group in remove:
            services.set_role_members(role=group.name, remove=[user])


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin[Topic]):
    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin[Language]):
    list_display = ["name", "code"]
