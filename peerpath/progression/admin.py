"""Staff configuration of the ladder. Editing an achievement validates the whole ladder with
the edit (unknown activity kinds, negative counts, prerequisite cycles are refused with the
reason) and records the change; awards are revoked through the service."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from peerpath.accounts.models import User
from peerpath.core.errors import Refused
from peerpath.core.forms import ModelForm
from peerpath.progression import ladder
from peerpath.progression.models import (
    Achievement,
    Application,
    Award,
    AwardLog,
    BuddyPair,
    Certificate,
    CriteriaChange,
    EvaluationRun,
    LadderVersion,
    MockChatAssessment,
    Training,
)
from peerpath.progression.services.achievements import update_achievement
from peerpath.progression.services.awards import revoke_award


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


@admin.action(description="Revoke the selected awards (reason: 'Revoked by staff')")
def revoke(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Award]) -> None:
    actor = request.user
    assert isinstance(actor, User)  # noqa: S101 - the admin requires a signed-in staff user
    done = 0
    for award in queryset:
        try:
            revoke_award(award=award, actor=actor, reason="Revoked by staff")
            done += 1
        except Refused as exc:
            messages.warning(request, f"{award}: {exc.message}")
    messages.info(request, f"{done} award(s) revoked.")


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
