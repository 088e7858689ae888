"""Forms for the path pages: they parse and bound input; the services decide (eligibility,
the statement's minimum length, a note when declining)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from django import forms

from peerpath.core.forms import Form
from peerpath.progression import policies
from peerpath.progression.policies import NOTES_MAX_CHARS
from peerpath.progression.selectors.mock_chats import PSEUDONYM_MAX_CHARS, listener_by_pseudonym
from peerpath.progression.services.buddies import NOTE_MAX_CHARS as CHECK_IN_NOTE_MAX_CHARS

STATEMENT_MAX_CHARS: Final = 1500
NOTE_MAX_CHARS: Final = 1500


class ApplicationForm(Form):
    """Apply for a role: a track when the role has tracks, and a statement."""

    track = forms.ChoiceField(
        label="Track",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose one of the role's tracks.",
            "invalid_choice": "Choose one of the role's tracks.",
        },
    )
    statement = forms.CharField(
        label="Why do you apply?",
        max_length=STATEMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": STATEMENT_MAX_CHARS}),
        help_text=(
            "20 to 1,500 characters: what you bring to the role and what you'd like to learn. "
            "Reviewers read it with your current criteria."
        ),
        error_messages={
            "required": "Write a short statement of 20 to 1,500 characters about why you apply.",
            "max_length": "Keep your statement under 1,500 characters (it has %(show_value)d).",
        },
    )

    def __init__(self, *args: Any, tracks: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if tracks:
            track = self.fields["track"]
            assert isinstance(track, forms.ChoiceField)  # noqa: S101 - declared above
            track.choices = [(t, t) for t in tracks]
        else:
            del self.fields["track"]

    @property
    def chosen_track(self) -> str:
        value = self.cleaned_data.get("track") if hasattr(self, "cleaned_data") else None
        return str(value or "")


class ReviewForm(Form):
    """A reviewer's decision on one application. The service requires the note when
    declining (the applicant reads it)."""

    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("decline", "Decline")],
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose to approve or decline the application.",
            "invalid_choice": "Choose to approve or decline the application.",
        },
    )
    note = forms.CharField(
        label="Note for the applicant",
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_CHARS}),
        help_text="Required when declining: what to work on next.",
        error_messages={
            "max_length": "Keep the note under 1,500 characters (it has %(show_value)d).",
        },
    )

    @property
    def approve(self) -> bool:
        return bool(self.cleaned_data.get("decision") == "approve")


# --- Buddies and mock chats ----------------------------------------------------------------


class BuddyCheckInForm(Form):
    note = forms.CharField(
        label="How are the first weeks going?",
        max_length=CHECK_IN_NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": CHECK_IN_NOTE_MAX_CHARS}),
        error_messages={"required": "Write a few words about how the first weeks went."},
    )


RESULT_CHOICES = [("yes", "Passed"), ("no", "Not yet: more practice needed")]


class MockChatForm(Form):
    listener = forms.CharField(
        label="Listener's pseudonym",
        max_length=PSEUDONYM_MAX_CHARS,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Enter the listener's pseudonym."},
    )
    held_on = forms.DateField(
        label="Date of the mock chat",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the date of the mock chat.",
            "invalid": "Enter the date as YYYY-MM-DD.",
        },
    )
    passed = forms.TypedChoiceField(
        label="Result",
        choices=RESULT_CHOICES,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the mock chat was passed."},
    )
    notes = forms.CharField(
        label="Notes (required when not passed: say what to practise)",
        required=False,
        max_length=NOTES_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": NOTES_MAX_CHARS}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "mock_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = data.get("listener")
        if name:
            listener = listener_by_pseudonym(name)
            if listener is None:
                self.add_error("listener", policies.NO_LISTENER)
            else:
                data["listener_user"] = listener
        return data
