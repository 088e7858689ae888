"""Forms of the events pages: they parse and bound input; policies and services decide.
Times are typed in the person's own zone (the view activates it around validation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from peerpath.core.forms import Form, LocalDateTimeField
from peerpath.events.models import (
    DESCRIPTION_MAX_CHARS,
    MAX_CAPACITY,
    MAX_HOST_SLOTS,
    TITLE_MAX_CHARS,
    VIDEO_URL_MAX_CHARS,
    EventBand,
    EventKind,
)
from peerpath.rooms.models import Room


class EventFilterForm(Form):
    kind = forms.ChoiceField(
        required=False,
        choices=[("", "All kinds"), *EventKind.choices],
        error_messages={"invalid_choice": "Choose a kind of event from the list."},
    )


class EventForm(Form):
    kind = forms.ChoiceField(
        label="Kind of event",
        choices=EventKind.choices,
        error_messages={"invalid_choice": "Choose the kind of event from the list."},
    )
    title = forms.CharField(
        label="Title",
        max_length=TITLE_MAX_CHARS,
        widget=forms.TextInput(attrs={"maxlength": TITLE_MAX_CHARS}),
        error_messages={"required": "Please give the event a title."},
    )
    description = forms.CharField(
        label="Description (optional, plain text)",
        required=False,
        max_length=DESCRIPTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": DESCRIPTION_MAX_CHARS}),
    )
    band = forms.ChoiceField(
        label="For",
        choices=EventBand.choices,
        error_messages={"invalid_choice": "Choose teens or adults."},
    )
    starts_at = LocalDateTimeField(label="Starts")
    ends_at = LocalDateTimeField(label="Ends")
    room = forms.ModelChoiceField(
        label="Room (or give a video link)",
        required=False,
        queryset=Room.objects.none(),
        error_messages={"invalid_choice": "Choose a room from the list."},
    )
    video_url = forms.CharField(
        label="Video link (https://…)",
        required=False,
        max_length=VIDEO_URL_MAX_CHARS,
        widget=forms.URLInput(attrs={"maxlength": VIDEO_URL_MAX_CHARS}),
    )
    capacity = forms.IntegerField(label="Places", min_value=1, max_value=MAX_CAPACITY, initial=30)
    waitlist = forms.BooleanField(label="Keep a waitlist when full", required=False, initial=True)
    host_slots = forms.IntegerField(
        label="Open host slots for mentors",
        min_value=0,
        max_value=MAX_HOST_SLOTS,
        initial=0,
        help_text="Mentors volunteer for these on the event page and become its hosts.",
    )

    def __init__(
        self, *args: Any, bands: list[str], now: dt.datetime | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        band_field = self.fields["band"]
        assert isinstance(band_field, forms.ChoiceField)  # noqa: S101 - declared above
        band_field.choices = [c for c in EventBand.choices if c[0] in bands]
        room_field = self.fields["room"]
        assert isinstance(room_field, forms.ModelChoiceField)  # noqa: S101 - declared above
        room_field.queryset = Room.objects.filter(is_active=True, band__in=bands).order_by(
            "band", "name"
        )

    def clean_starts_at(self) -> dt.datetime:
        starts: dt.datetime = self.cleaned_data["starts_at"]
        if starts < self.now:
            raise forms.ValidationError("An event cannot start in the past.")
        return starts

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts is not None and ends is not None and ends <= starts:
            self.add_error("ends_at", "An event must end after it starts.")
        room, link = cleaned.get("room"), (cleaned.get("video_url") or "").strip()
        if "room" in cleaned and "video_url" in cleaned and (room is None) == (not link):
            self.add_error("video_url", "Give the event one place: a room or a video link.")
        if link and not link.lower().startswith("https://"):
            self.add_error("video_url", "The video link must be a full https:// address.")
        return cleaned


class AttendanceForm(Form):
    """Who came: ticked people with a confirmed place."""

    attended = forms.TypedMultipleChoiceField(
        required=False, coerce=int, widget=forms.CheckboxSelectMultiple, label="Who came"
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attended"]
        assert isinstance(field, forms.TypedMultipleChoiceField)  # noqa: S101 - declared above
        field.choices = people
        field.initial = [pk for pk, _ in people]
