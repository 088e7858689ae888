"""Forms for the rooms pages: they parse and bound input; policies and services decide.

Text fields go through ``core.forms`` (NUL refused, control and bidi characters removed)
and refuse text over the model's limit, ids are bounded integers (an absurd number never
reaches a query), choices are closed lists. Times typed by
a person are read in their own time zone (the view activates it around validation).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from peerpath.core.forms import Form, HiddenIdField, LocalDateTimeField
from peerpath.core.idempotency import IdempotencyKeyField
from peerpath.rooms.models import (
    REASON_MAX_CHARS,
    ReportReason,
    ReportStatus,
    RoomAudience,
    RoomCategory,
    SessionKind,
)
from peerpath.safety.models import Outcome

SEARCH_MAX_CHARS = 100
MAX_LIST_PAGE = 1000
USERNAME_MAX_CHARS = 150
TITLE_MAX_CHARS = 120
DESCRIPTION_MAX_CHARS = 2000
SLOW_MODE_CHOICES = [
    (0, "Off"),
    (10, "10 seconds"),
    (30, "30 seconds"),
    (60, "1 minute"),
    (300, "5 minutes"),
]
BAN_SCOPE_CHOICES = [
    ("room", "This room"),
    ("community", "Every room of this community"),
    ("everywhere", "Every room (staff only)"),
]
MAX_MUTE_MINUTES = 60 * 24 * 30
MAX_BAN_DAYS = 3650
MAX_SESSION = dt.timedelta(hours=4)
MAX_SCHEDULE_AHEAD = dt.timedelta(days=366)
PAST_GRACE = dt.timedelta(minutes=5)


def _reason(label: str, *, required: bool = True, textarea: bool = False) -> forms.CharField:
    attrs = {"maxlength": REASON_MAX_CHARS}
    widget: forms.Widget = (
        forms.Textarea(attrs={**attrs, "rows": 2}) if textarea else forms.TextInput(attrs=attrs)
    )
    return forms.CharField(
        label=label,
        required=required,
        max_length=REASON_MAX_CHARS,
        widget=widget,
        error_messages={"required": "Please give a reason."},
    )


# --- The room list ---------------------------------------------------------------------------


class FlagInput(forms.CheckboxInput):
    """A checkbox whose raw value reaches the field, so ``open=banana`` is refused rather
    than read as "on" (Django's checkbox treats any text as checked)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class FlagField(forms.Field):
    widget = FlagInput
    TRUE = frozenset({"1", "on", "true"})
    FALSE = frozenset({"", "0", "off", "false"})

    def to_python(self, value: Any) -> bool:
        if value is None or value is False:
            return False
        if value is True:
            return True
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("Use 1 to show only rooms you can join.")

    def validate(self, value: Any) -> None:
        """Unchecked is a valid answer."""


class RoomFilterForm(Form):
    """The room list's filters (a GET form; every field optional, nothing unknown accepted)."""

    q = forms.CharField(
        label="Search rooms",
        required=False,
        max_length=SEARCH_MAX_CHARS,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Name, topic or description",
                "maxlength": SEARCH_MAX_CHARS,
            }
        ),
    )
    category = forms.ChoiceField(
        label="Kind of room",
        required=False,
        choices=[("", "All kinds"), *RoomCategory.choices],
        error_messages={"invalid_choice": "Choose a kind of room from the list."},
    )
    audience = forms.ChoiceField(
        label="Who it is for",
        required=False,
        choices=[("", "Anyone"), *RoomAudience.choices],
        error_messages={"invalid_choice": "Choose who the room is for from the list."},
    )
    open = FlagField(
        label="Only rooms I can join now",
        required=False,
        widget=FlagInput(attrs={"value": "1"}),
    )
    # Which page of the list ("Show more rooms"); not a filter: the form does not carry it,
    # so changing a filter starts again from the first page.
    page = forms.IntegerField(
        label="Page",
        required=False,
        min_value=1,
        max_value=MAX_LIST_PAGE,
        widget=forms.HiddenInput,
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value"),
            f"The page must be a whole number from 1 to {MAX_LIST_PAGE}.",
        ),
    )


# --- Messages and people ---------------------------------------------------------------------


class ReportForm(Form):
    key = IdempotencyKeyField()  # a resent form stores one row
    reason = forms.ChoiceField(
        label="What is wrong?",
        choices=[("", "Choose a reason"), *ReportReason.choices],
        error_messages={
            "required": "Choose a reason for the report.",
            "invalid_choice": "Choose a reason for the report from the list.",
        },
    )
    note = _reason("Anything moderators should know (optional)", required=False, textarea=True)


class TargetField(HiddenIdField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required="Choose the person this is about.",
            invalid="The person must be given by their id.",
            missing="No such person.",
            **kwargs,
        )


class WarnForm(Form):
    target = TargetField()
    reason = _reason("Reason (the person sees it)")


class KickForm(WarnForm):
    pass


class MuteForm(WarnForm):
    minutes = forms.IntegerField(
        label="Minutes (empty: the next length on the escalation ladder)",
        required=False,
        min_value=1,
        max_value=MAX_MUTE_MINUTES,
        error_messages={
            "invalid": "A mute is a whole number of minutes.",
            "min_value": "A mute lasts at least 1 minute.",
            "max_value": "A mute lasts at most 30 days (43,200 minutes).",
        },
    )


class BanForm(WarnForm):
    scope = forms.ChoiceField(
        label="Where (empty: this room)",
        choices=BAN_SCOPE_CHOICES,
        initial="room",
        required=False,
        error_messages={
            "invalid_choice": "Choose where the ban applies: room, community or everywhere.",
        },
    )
    days = forms.IntegerField(
        label="Days (empty: until lifted)",
        required=False,
        min_value=1,
        max_value=MAX_BAN_DAYS,
        error_messages={
            "invalid": "A ban is a whole number of days.",
            "min_value": "A ban lasts at least 1 day.",
            "max_value": "A ban lasts at most 10 years; leave it empty for until lifted.",
        },
    )

    def clean_scope(self) -> str:
        scope: str = self.cleaned_data.get("scope") or "room"
        return scope


MODERATION_FORMS: dict[str, type[WarnForm]] = {
    "warn": WarnForm,
    "mute": MuteForm,
    "kick": KickForm,
    "ban": BanForm,
}


class OptionalReasonForm(Form):
    reason = _reason("Reason (optional)", required=False)


class PauseForm(Form):
    reason = _reason("Why are you pausing the room? (everyone sees it)")


class SlowModeForm(Form):
    seconds = forms.TypedChoiceField(
        label="Slow mode",
        choices=SLOW_MODE_CHOICES,
        coerce=int,
        error_messages={
            "required": "Choose a slow mode setting.",
            "invalid_choice": "Choose off, 10, 30, 60 or 300 seconds.",
        },
    )


# --- The moderation queue --------------------------------------------------------------------


class ResolveReportForm(Form):
    status = forms.ChoiceField(
        label="Outcome",
        choices=[
            (ReportStatus.ACTIONED.value, ReportStatus.ACTIONED.label),
            (ReportStatus.DISMISSED.value, ReportStatus.DISMISSED.label),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose an outcome: action taken or no action needed.",
            "invalid_choice": "Choose an outcome: action taken or no action needed.",
        },
    )
    outcome = forms.CharField(
        label="What you did, or why nothing was needed",
        max_length=REASON_MAX_CHARS,
        widget=forms.TextInput(attrs={"maxlength": REASON_MAX_CHARS}),
        error_messages={"required": "Please write what you did."},
    )


class AlertNoteForm(Form):
    """Following up a safeguarding alert: what happened (``safety.models.Outcome``) and how."""

    outcome = forms.ChoiceField(
        label="What happened",
        choices=Outcome.choices,
        error_messages={
            "required": "Choose what happened.",
            "invalid_choice": "Choose what happened.",
        },
    )
    note = forms.CharField(
        label="Follow-up note",
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX_CHARS}),
        help_text="How you checked in with this person, and anything the next moderator "
        "should know.",
        error_messages={"required": "Please write how you followed up."},
    )


# --- Sessions --------------------------------------------------------------------------------


class SessionForm(Form):
    kind = forms.ChoiceField(
        label="Kind of session",
        choices=SessionKind.choices,
        error_messages={"invalid_choice": "Choose the kind of session from the list."},
    )
    title = forms.CharField(
        label="Title",
        max_length=TITLE_MAX_CHARS,
        widget=forms.TextInput(attrs={"maxlength": TITLE_MAX_CHARS}),
        error_messages={"required": "Please give the session a title."},
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=DESCRIPTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": DESCRIPTION_MAX_CHARS}),
    )
    starts_at = LocalDateTimeField(label="Starts")
    ends_at = LocalDateTimeField(label="Ends")
    host = forms.CharField(
        label="Host (optional)",
        required=False,
        max_length=USERNAME_MAX_CHARS,
        widget=forms.TextInput(attrs={"maxlength": USERNAME_MAX_CHARS, "autocomplete": "off"}),
        help_text="A username. Leave empty to host it yourself.",
    )

    def __init__(self, *args: Any, now: dt.datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    def clean_starts_at(self) -> dt.datetime:
        starts: dt.datetime = self.cleaned_data["starts_at"]
        if starts < self.now - PAST_GRACE:
            raise forms.ValidationError("A session cannot start in the past.")
        if starts > self.now + MAX_SCHEDULE_AHEAD:
            raise forms.ValidationError("Sessions can be scheduled up to a year ahead.")
        return starts

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts is not None and ends is not None:
            if ends <= starts:
                self.add_error("ends_at", "A session must end after it starts.")
            elif ends - starts > MAX_SESSION:
                self.add_error("ends_at", "A session lasts at most 4 hours.")
        return cleaned
