"""The preferences form: a checkbox per category and channel, quiet hours, the digest."""

from __future__ import annotations

from typing import Any

from django import forms

from peerpath.core.forms import Form
from peerpath.notifications.categories import CATEGORIES
from peerpath.notifications.selectors import PreferenceRow

HOURS = [(h, f"{h:02d}:00") for h in range(24)]


class PreferencesForm(Form):
    quiet_start = forms.TimeField(
        required=False,
        label="Quiet hours from",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="No e-mail between these times, in your own time zone (e.g. 22:00 to 07:00).",
    )
    quiet_end = forms.TimeField(
        required=False,
        label="Quiet hours until",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    daily_digest = forms.BooleanField(
        required=False,
        label="One daily digest instead of separate e-mails",
    )
    digest_hour = forms.TypedChoiceField(
        choices=HOURS, coerce=int, label="Send the digest at", initial=8
    )

    def __init__(self, *args: Any, rows: list[PreferenceRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in rows:
            slug, label = row.category.slug, row.category.label
            self.fields[f"in_app_{slug}"] = forms.BooleanField(
                required=False, initial=row.in_app, label=f"{label}: in the app"
            )
            self.fields[f"email_{slug}"] = forms.BooleanField(
                required=False,
                initial=row.email,
                label=f"{label}: by e-mail",
                disabled=not row.category.can_unsubscribe,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if "quiet_start" in data and "quiet_end" in data:
            if (start is None) != (end is None):
                raise forms.ValidationError(
                    "Give both the start and the end of quiet hours, or leave both empty."
                )
            if start is not None and start == end:
                raise forms.ValidationError("Quiet hours must start and end at different times.")
        return data

    def category_fields(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        """(category, in-app field, e-mail field) per category, for the table."""
        return [
            (cat, self[f"in_app_{slug}"], self[f"email_{slug}"])
            for slug, cat in CATEGORIES.items()
            if f"in_app_{slug}" in self.fields
        ]
