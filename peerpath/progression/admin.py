"""Staff configuration of the ladder. Editing an achievement validates the whole ladder with
the edit (unknown activity kinds, negative counts, prerequisite cycles are refused with the
reason) and records the change; awards are revoked through the service, with a reason.

The people admin (``accounts.admin.UserAdmin``) is registered again here, as
``LadderUserAdmin``: its role field gives and takes the roles the ladder knows (an
achievement's ``group_name``: Moderator, Ambassador) through ``grant_by_staff`` and
``revoke_award``, so a staff-granted Moderator is a held Chatroom Moderator with its date.
The admin lives above both apps at run time, but ``accounts`` sits below ``progression`` in
the import layers and may not call it; moving the whole people admin up to a top-layer app
would separate it from the accounts it edits, so progression extends it instead."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from peerpath.accounts import role_groups
from peerpath.accounts.admin import UserAdmin, UserChangeForm
from peerpath.accounts.models import User
from peerpath.core.errors import Refused
from peerpath.core.forms import Form, ModelForm
from peerpath.progression import ladder
from peerpath.progression.models import (
    Achievement,
    Application,
    Award,
    AwardLog,
    AwardState,
    BuddyPair,
    Certificate,
    CriteriaChange,
    EvaluationRun,
    LadderVersion,
    MockChatAssessment,
    Training,
)
from peerpath.progression.selectors.awards import achievements_by_group
from peerpath.progression.services.achievements import update_achievement
from peerpath.progression.services.awards import grant_by_staff, revoke_award


class AchievementForm(ModelForm[Achievement]):
    class Meta:
        model = Achievement
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        edited = Achievement(pk=self.instance.pk, slug=data.get("slug") or self.instance.slug)
        for field, value in data.items():
            setattr(edited, field, value)
        entries = [
            ladder.entry_of(a)
            for a in Achievement.objects.select_related("obligation_training").exclude(
                pk=self.instance.pk
            )
        ]
        entries.append(ladder.entry_of(edited))
        names = [(e["slug"], e["name"]) for e in entries]
        try:
            ladder.validate_definitions(entries, ladder.vocabulary(achievements=names))
        except ValidationError as exc:
            raise ValidationError(
                "; ".join(str(m) for m in exc.messages) or "These criteria are not valid."
            ) from exc
        return data


@admin.register(Achievement)
class AchievementAdmin(admin.ModelAdmin[Achievement]):
    form = AchievementForm
    list_display = ["name", "slug", "kind", "grant_mode", "audience", "community_default", "active"]
    list_filter = ["kind", "grant_mode", "audience", "community_default", "active"]
    search_fields = ["name", "slug", "series"]

    def save_model(self, request: HttpRequest, obj: Achievement, form: Any, change: bool) -> None:
        # Through the service that owns the rules: the ladder validated whole, the change
        # recorded (CriteriaChange). An edit applies the form's changed fields to the stored row.
        user = request.user if isinstance(request.user, User) else None
        if change:
            stored = Achievement.objects.get(pk=obj.pk)
            edits = {name: form.cleaned_data[name] for name in form.changed_data}
            update_achievement(achievement=stored, changes=edits, actor=user)
        else:
            update_achievement(achievement=obj, changes={}, actor=user)


class ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CriteriaChange)
class CriteriaChangeAdmin(ReadOnly):
    list_display = ["achievement", "source", "changed_by", "changed_at"]
    list_filter = ["source"]
    readonly_fields = [
        "achievement",
        "source",
        "changed_by",
        "changed_at",
        "before_json",
        "after_json",
    ]
    exclude = ["before", "after"]

    @admin.display(description="before")
    def before_json(self, obj: CriteriaChange) -> str:
        return json.dumps(obj.before, indent=2)

    @admin.display(description="after")
    def after_json(self, obj: CriteriaChange) -> str:
        return json.dumps(obj.after, indent=2)


class RevokeForm(Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text='The holder is told, and their path shows it: "Revoked on … because …".',
    )


@admin.action(description="Revoke the selected awards (with a reason)")
def revoke(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Award]
) -> TemplateResponse | None:
    """First a page asking why (the holder sees the reason), then ``revoke_award`` for each."""
    actor = _staff(request)
    form = RevokeForm(request.POST if "reason" in request.POST else None)
    if form.is_bound and form.is_valid():
        done = 0
        for award in queryset.select_related("user", "achievement"):
            try:
                revoke_award(award=award, actor=actor, reason=form.cleaned_data["reason"])
                done += 1
            except Refused as exc:
                messages.warning(request, f"{award}: {exc.message}")
        messages.info(request, f"{done} award(s) revoked.")
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Why are these awards revoked?",
        "awards": queryset.select_related("user", "achievement"),
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "progression/admin/revoke.html", context)


def _staff(request: HttpRequest) -> User:
    actor = request.user
    assert isinstance(actor, User)  # noqa: S101 - the admin requires a signed-in staff user
    return actor


@admin.register(Award)
class AwardAdmin(ReadOnly):
    list_display = ["user", "achievement", "state", "source", "granted_at", "obligation_due"]
    list_filter = ["state", "source", "achievement__kind", "achievement"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]
    actions = [revoke]
    list_select_related = ["user", "achievement"]


@admin.register(AwardLog)
class AwardLogAdmin(ReadOnly):
    list_display = ["at", "user", "achievement", "action", "reasons"]
    list_filter = ["action", "achievement"]
    search_fields = ["user__username"]
    list_select_related = ["user", "achievement"]


@admin.register(Application)
class ApplicationAdmin(ReadOnly):
    list_display = ["user", "achievement", "status", "created_at", "reviewer", "decided_at"]
    list_filter = ["status", "achievement"]
    search_fields = ["user__username"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnly):
    list_display = ["id", "award", "issued_at", "revoked_at"]


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ReadOnly):
    list_display = ["started_at", "mode", "users", "changes", "seconds", "as_of"]


@admin.register(LadderVersion)
class LadderVersionAdmin(ReadOnly):
    list_display = ["version", "loaded_at", "summary"]


@admin.register(Training)
class TrainingAdmin(admin.ModelAdmin[Training]):
    list_display = ["name", "slug"]


@admin.register(BuddyPair)
class BuddyPairAdmin(ReadOnly):
    list_display = ["newcomer", "buddy", "achievement", "status", "check_in_due", "checked_in_at"]


@admin.register(MockChatAssessment)
class MockChatAssessmentAdmin(ReadOnly):
    list_display = ["listener", "assessor", "held_on", "passed"]


# --- People: roles the ladder knows go through its service ------------------------------


class LadderUserChangeForm(UserChangeForm):
    role_reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why the ladder roles change",
        help_text=(
            "Required when you add or remove a role of the ladder (Moderator, Ambassador): "
            "it is a Chatroom Moderator / Group Support Ambassador award, and the person sees "
            "why in their path's history."
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "groups" in cleaned and self.instance.pk:
            wanted = {g.name for g in cleaned["groups"]}
            held = set(self.instance.groups.values_list("name", flat=True))
            if (
                set(achievements_by_group()) & (wanted ^ held)
                and not cleaned.get("role_reason", "").strip()
            ):
                self.add_error("role_reason", "Say why: the person is told.")
        return cleaned


class LadderUserAdmin(UserAdmin):
    form = LadderUserChangeForm

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return tuple(
            (
                name,
                {**opts, "fields": (*opts["fields"], "role_reason")}
                if "groups" in opts["fields"]
                else opts,
            )
            for name, opts in fieldsets
        )

    def write_roles(
        self, request: HttpRequest, form: Any, user: User, *, add: set[Group], remove: set[Group]
    ) -> None:
        ladder_roles = achievements_by_group()
        reason = form.cleaned_data.get("role_reason", "").strip()
        actor = _staff(request)
        plain_add = {g for g in add if g.name not in ladder_roles}
        plain_remove = {g for g in remove if g.name not in ladder_roles}
        super().write_roles(request, form, user, add=plain_add, remove=plain_remove)
        for group in add - plain_add:
            achievement = ladder_roles[group.name]
            try:
                grant_by_staff(user=user, achievement=achievement, by=actor, reason=reason)
            except Refused as exc:
                messages.warning(request, f"{achievement.name}: {exc.message}")
        for group in remove - plain_remove:
            award = Award.objects.filter(
                user=user, achievement=ladder_roles[group.name], state=AwardState.ACTIVE
            ).first()
            if award is None:  # a group without its award (held before the ladder knew it)
                role_groups.set_ladder_role_members(role=group.name, remove=[user])
                continue
            revoke_award(award=award, actor=actor, reason=reason)


admin.site.unregister(User)
admin.site.register(User, LadderUserAdmin)
