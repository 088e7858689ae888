"""Staff edit the safeguarding settings (escalation time, contacts) and may read the audit
of who read or handled which alert. Alerts themselves are not in the admin: their excerpts
are read only through the audited pages (``/staff/safety/``, ``/safety/alerts/<id>/``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from peerpath.core.forms import ModelForm
from peerpath.safety.models import AlertAccess, SafetySettings


class SafetySettingsForm(ModelForm[SafetySettings]):
    class Meta:
        model = SafetySettings
        fields = ("escalate_after_minutes", "contacts")
        widgets = {"contacts": forms.Textarea(attrs={"rows": 4})}

    def clean_contacts(self) -> str:
        raw = str(self.cleaned_data.get("contacts") or "")
        lines = [line.strip() for line in raw.splitlines() if line.strip()]
        wrong = []
        for line in lines:
            try:
                validate_email(line)
            except ValidationError:
                wrong.append(line)
        if wrong:
            raise ValidationError(
                "One e-mail address per line; these are not addresses: %(wrong)s",
                params={"wrong": ", ".join(wrong[:5])},
            )
        return "\n".join(lines)


@admin.register(SafetySettings)
class SafetySettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """One row, created on first look: staff edit it, never add another."""

    form = SafetySettingsForm
    list_display = ("__str__", "escalate_after_minutes")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: Any, extra_context: Any = None) -> Any:
        SafetySettings.current()
        return super().changelist_view(request, extra_context)


@admin.register(AlertAccess)
class AlertAccessAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The append-only audit: which alert (by number), who, what, when. No excerpt."""

    list_display = ("at", "alert_id", "actor", "kind")
    list_filter = ("kind",)
    date_hierarchy = "at"
    fields = ("at", "alert_id", "actor", "kind")
    readonly_fields = fields
    list_select_related = ("actor",)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
