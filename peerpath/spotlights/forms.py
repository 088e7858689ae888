"""The spotlight form (parsing only; the service validates)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms

from peerpath.core.forms import Form
from peerpath.spotlights.models import (
    ANSWER_MAX_CHARS,
    DEFAULT_QUESTIONS,
    INTRO_MAX_CHARS,
    MAX_ANSWERS,
    QUESTION_MAX_CHARS,
    TITLE_MAX_CHARS,
    Spotlight,
    SpotlightKind,
)

_MONTH = re.compile(r"(\d{4})-(\d{2})")


class MonthField(forms.CharField):
    """``YYYY-MM`` (an ``<input type="month">``) → the first day of that month.

    The text is cleaned as text (sanitized, ``max_length`` checked on the string) and parsed
    last: parsing in ``to_python`` handed the date to the length validator (a 500)."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2025-05"})

    def clean(self, value: Any) -> dt.date | None:
        text = super().clean(value)
        if not text:
            return None
        match = _MONTH.fullmatch(text)
        if match is None or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
            raise forms.ValidationError("Enter a month as YYYY-MM.")
        return dt.date(int(match[1]), int(match[2]), 1)


class SpotlightForm(Form):
    mentor = forms.CharField(
        label="Mentor (username)",
        max_length=30,
        required=False,
        help_text="Staff only: the mentor this spotlight is about.",
    )
    kind = forms.ChoiceField(choices=SpotlightKind.choices, initial=SpotlightKind.INTERVIEW)
    month = MonthField(
        required=False, max_length=7, help_text="For a mentor of the month (YYYY-MM)."
    )
    title = forms.CharField(max_length=TITLE_MAX_CHARS)
    intro = forms.CharField(
        label="Introduction",
        max_length=INTRO_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, staff: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["mentor"]
        for n in range(1, MAX_ANSWERS + 1):
            default = DEFAULT_QUESTIONS[n - 1] if n <= len(DEFAULT_QUESTIONS) else ""
            self.fields[f"question_{n}"] = forms.CharField(
                label=f"Question {n}",
                max_length=QUESTION_MAX_CHARS,
                required=False,
                initial=default,
            )
            self.fields[f"answer_{n}"] = forms.CharField(
                label=f"Answer {n}",
                max_length=ANSWER_MAX_CHARS,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    @classmethod
    def initial_for(cls, spotlight: Spotlight) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "mentor": spotlight.mentor.username,
            "kind": spotlight.kind,
            "month": f"{spotlight.month:%Y-%m}" if spotlight.month else "",
            "title": spotlight.title,
            "intro": spotlight.intro,
        }
        for n in range(1, MAX_ANSWERS + 1):
            initial[f"question_{n}"] = ""
        for a in spotlight.answers.all():
            initial[f"question_{a.position}"] = a.question
            initial[f"answer_{a.position}"] = a.answer
        return initial

    def answers(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [
            (data.get(f"question_{n}", ""), data.get(f"answer_{n}", ""))
            for n in range(1, MAX_ANSWERS + 1)
        ]
