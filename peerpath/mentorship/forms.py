"""Forms for the mentoring pages: they parse and bound input; the services decide."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from peerpath.accounts.forms import AvailabilityField
from peerpath.accounts.models import Language, Topic
from peerpath.core.forms import Form
from peerpath.core.idempotency import IdempotencyKeyField
from peerpath.mentorship.models import (
    GOAL_MAX_CHARS,
    MAX_CAPACITY,
    MAX_RANKED_MENTORS,
    NOTE_MAX_CHARS,
    ConversationKind,
    FlagPriority,
)
from peerpath.resources.models import FlagTopic

REASON_MAX_CHARS = 500
Choices = list[tuple[str, str]]
SEARCH_MAX_CHARS = 100


class DirectoryFilterForm(Form):
    """The directory's filters (a GET form; every field optional)."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX_CHARS,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, topic, approach"}),
    )
    topic = forms.ModelChoiceField(
        label="Topic",
        queryset=Topic.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Any topic",
    )
    language = forms.ModelChoiceField(
        label="Language",
        queryset=Language.objects.all(),
        to_field_name="code",
        required=False,
        empty_label="Any language",
    )
    accepting = forms.BooleanField(label="Accepting mentees now", required=False)
    overlap = forms.BooleanField(label="Shares some of my available hours", required=False)
    page = forms.IntegerField(
        required=False, min_value=1, max_value=100_000, widget=forms.HiddenInput
    )

    def __init__(
        self, *args: Any, menus: tuple[Choices, Choices] | None = None, **kwargs: Any
    ) -> None:
        """``menus``: the topic and language menus as (value, label) pairs, to render them
        from a cache (``selectors.directory.directory_menus``); a chosen value is still looked
        up."""
        super().__init__(*args, **kwargs)
        if menus is not None:
            topics, languages = menus
            cast(forms.ModelChoiceField[Any], self.fields["topic"]).choices = [
                ("", "Any topic"),
                *topics,
            ]
            cast(forms.ModelChoiceField[Any], self.fields["language"]).choices = [
                ("", "Any language"),
                *languages,
            ]


class GoalForm(Form):
    goal = forms.CharField(
        label="What would you like help with?",
        max_length=GOAL_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": GOAL_MAX_CHARS}),
        help_text="A sentence or two about your goal. The mentor reads this before answering.",
        error_messages={"required": "Please write a goal for your mentor."},
    )


class RankedRequestForm(GoalForm):
    """Up to three mentors in order of preference, chosen among those the viewer may ask."""

    first = forms.ChoiceField(label="First choice")
    second = forms.ChoiceField(label="Second choice", required=False)
    third = forms.ChoiceField(label="Third choice", required=False)

    field_order = ["first", "second", "third", "goal"]
    RANK_FIELDS = ("first", "second", "third")

    def __init__(self, *args: Any, mentors: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *mentors]
        for name in self.RANK_FIELDS[:MAX_RANKED_MENTORS]:
            cast("forms.ChoiceField", self.fields[name]).choices = choices
        self.fields["first"].error_messages["required"] = "Choose at least one mentor."

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        chosen = [cleaned.get(name) for name in self.RANK_FIELDS if cleaned.get(name)]
        if len(set(chosen)) != len(chosen):
            raise forms.ValidationError("Each mentor can appear only once in your list.")
        if not cleaned.get("second") and cleaned.get("third"):
            self.add_error("second", "Fill your second choice before your third.")
        return cleaned

    @property
    def usernames(self) -> list[str]:
        return [self.cleaned_data[n] for n in self.RANK_FIELDS if self.cleaned_data.get(n)]


class MentorSettingsForm(Form):
    capacity = forms.IntegerField(
        label="How many mentees at once",
        min_value=0,
        max_value=MAX_CAPACITY,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_CAPACITY)],
        help_text=f"0 pauses new requests and matches. At most {MAX_CAPACITY}.",
    )
    specialties = forms.ModelMultipleChoiceField(
        label="Topics you can help with",
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    track_listeners = forms.BooleanField(label="Listener mentoring", required=False)
    track_group_i = forms.BooleanField(label="Group support, track I", required=False)
    track_group_ii = forms.BooleanField(label="Group support, track II", required=False)
    approach = forms.CharField(
        label="How I mentor",
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": NOTE_MAX_CHARS}),
        help_text="A few sentences listeners read before asking you.",
    )
    availability = AvailabilityField(label="When are you usually around?")

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        tracks = ("track_listeners", "track_group_i", "track_group_ii")
        if not any(cleaned.get(t) for t in tracks):
            self.add_error("track_listeners", "Choose at least one mentoring track.")
        return cleaned


class ReasonForm(Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=REASON_MAX_CHARS,
        widget=forms.TextInput(attrs={"maxlength": REASON_MAX_CHARS}),
    )


class NoteForm(Form):
    note = forms.CharField(
        label="Anything you'd like to add (optional)",
        required=False,
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX_CHARS}),
    )


class ConfirmForm(Form):
    """An action that cannot be undone (ending a mentorship, leaving the program, publishing
    a matching run) is confirmed by a ticked box: it works without any script, and a form
    posted without it changes nothing."""

    confirm = forms.BooleanField(
        label="Yes, I'm sure: this can't be undone",
        error_messages={"required": "Tick the box to confirm: this can't be undone."},
    )

    def __init__(self, *args: Any, confirm_label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if confirm_label:
            self.fields["confirm"].label = confirm_label


class EndForm(NoteForm, ConfirmForm):
    """Ending a mentorship or leaving the program: an optional note and the confirmation."""

    field_order = ["note", "confirm"]


class StaffTicketForm(Form):
    key = IdempotencyKeyField()  # a resent form stores one row
    body = forms.CharField(
        label="What would you like to tell staff?",
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": NOTE_MAX_CHARS}),
        error_messages={"required": "Please write a message for staff."},
    )


LOGGABLE_KINDS = [
    (k.value, k.label)
    for k in (ConversationKind.CALL, ConversationKind.VIDEO, ConversationKind.OTHER)
]


class ConversationForm(Form):
    key = IdempotencyKeyField()  # a resent form stores one row
    kind = forms.ChoiceField(label="How did you talk?", choices=LOGGABLE_KINDS)
    day = forms.DateField(
        label="Day",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the day as YYYY-MM-DD."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=REASON_MAX_CHARS,
        widget=forms.TextInput(attrs={"maxlength": REASON_MAX_CHARS}),
    )

    def clean_day(self) -> dt.date:
        day: dt.date = self.cleaned_data["day"]
        if day.year < 2000:
            raise forms.ValidationError("That date is too far in the past.")
        return day


RATING_CHOICES = [
    (1, "1 · Not well"),
    (2, "2"),
    (3, "3 · OK"),
    (4, "4"),
    (5, "5 · Very well"),
]


class CheckInForm(Form):
    key = IdempotencyKeyField()  # a resent form stores one row
    rating = forms.TypedChoiceField(
        label="How is it going?",
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it's going on a scale of 1 to 5."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": NOTE_MAX_CHARS}),
    )


class FlagForm(Form):
    key = IdempotencyKeyField()  # a resent form stores one row
    topic = forms.ChoiceField(label="What is the concern about?", choices=FlagTopic.choices)
    priority = forms.ChoiceField(
        label="How urgent is it?",
        choices=[
            (FlagPriority.IMMEDIATE.value, "Immediate: staff are told at once"),
            (FlagPriority.CAN_WAIT.value, "It can wait"),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="What happened? (optional)",
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_CHARS}),
    )
