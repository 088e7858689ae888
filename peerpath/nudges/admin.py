"""Staff configure nudges here: rules, variants (experiments), settings; the ledger is read-only.

A rule's page shows its dry run ("this rule would message 132 people now") with a sample;
saving an active rule whose dry run reaches more than the configured share of everyone
requires ticking "confirmed large audience".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from peerpath.accounts.models import User
from peerpath.core.forms import ModelForm
from peerpath.nudges import engine
from peerpath.nudges.models import NudgeRule, NudgeRun, NudgeSend, NudgeSettings, NudgeVariant
from peerpath.nudges.triggers import TRIGGERS


class NudgeRuleForm(ModelForm):  # type: ignore[type-arg]
    trigger = forms.ChoiceField(choices=[(k, t.label) for k, t in TRIGGERS.items()])

    class Meta:
        model = NudgeRule
        fields = (  # noqa: RUF100
            "slug",
            "name",
            "description",
            "trigger",
            "params",
            "audience",
            "category",
            "channel",
            "title_template",
            "body_template",
            "url",
            "cooldown_days",
            "cap",
            "group",
            "is_active",
            "confirmed_large_audience",
            "outcome",
            "outcome_days",
            "experiment_salt",
        )

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        rule = self.instance
        if self.errors or not rule.is_active or rule.confirmed_large_audience:
            return
        ev = engine.evaluate(rule, timezone.now())
        everyone = User.objects.filter(is_active=True).count()
        cfg = NudgeSettings.current()
        share = cfg.max_share
        if everyone and ev.people > max(share * everyone, cfg.confirm_floor):
            self.add_error(
                "confirmed_large_audience",
                f"This rule would message {ev.people:,} of {everyone:,} people "
                f"({ev.people / everyone:.0%}, more than {share:.0%}). Tick this box to "
                "confirm, or narrow the rule.",
            )


class VariantInline(admin.TabularInline):  # type: ignore[type-arg]
    model = NudgeVariant
    extra = 0


@admin.register(NudgeRule)
class NudgeRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = NudgeRuleForm
    inlines = [VariantInline]
    list_display = ("slug", "name", "trigger", "audience", "channel", "is_active")
    list_filter = ("is_active", "trigger", "audience", "channel")
    search_fields = ("slug", "name")
    readonly_fields = ("dry_run", "trigger_help")

    @admin.display(description="Dry run")
    def dry_run(self, obj: NudgeRule) -> str:
        if obj.pk is None or obj.trigger not in TRIGGERS:
            return "Save the rule to see its dry run."
        ev = engine.evaluate(obj, timezone.now(), sample=5)
        head = format_html(
            "This rule would message <strong>{}</strong> people now.{}",
            f"{ev.people:,}",
            f" It will not run: {ev.skipped}." if ev.skipped else "",
        )
        rows = format_html_join(
            "", "<li><strong>{}</strong>: {} — {}</li>", ((w, t, b[:160]) for w, t, b in ev.sample)
        )
        return format_html("{}<ul>{}</ul>", head, rows)

    @admin.display(description="Triggers and their variables")
    def trigger_help(self, obj: NudgeRule) -> str:
        return format_html_join(
            "",
            "<li><code>{}</code> {}: parameters {}; variables {}</li>",
            (
                (
                    t.kind,
                    t.label,
                    ", ".join(f"{k} (default {p.default})" for k, p in t.params.items()),
                    ", ".join("{" + v + "}" for v in t.variables),
                )
                for t in TRIGGERS.values()
            ),
        )

    def get_fields(self, request: Any, obj: NudgeRule | None = None) -> Any:
        fields = [str(f) for f in super().get_fields(request, obj) if f not in self.readonly_fields]
        return ["dry_run", *fields, "trigger_help"]


@admin.register(NudgeSend)
class NudgeSendAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("rule", "user", "window", "variant", "sent", "created_at")
    list_filter = ("rule", "variant", "sent")
    raw_id_fields = ("user",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(NudgeRun)
class NudgeRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("as_of", "sent", "held_back", "seconds", "finished_at")

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(NudgeSettings)
class NudgeSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """One row, created on first look: staff edit it, never add another."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def changelist_view(self, request: Any, extra_context: Any = None) -> Any:
        NudgeSettings.current()
        return super().changelist_view(request, extra_context)
