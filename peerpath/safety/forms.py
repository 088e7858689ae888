"""What the safeguarding pages accept: the queue's filters and the resolve form.

The service (``safety.services.resolve``) checks the outcome and the note again; the form
only gives a person their mistake back as a clear message before anything is looked up.
"""

from __future__ import annotations

from django import forms

from peerpath.core.forms import Form
from peerpath.safety.models import NOTE_MAX_CHARS, Outcome
from peerpath.safety.selectors import QUEUE_STATUSES

MAX_PAGE = 100_000
STATUS_LABELS = {
    "open": "Open (new and acknowledged)",
    "new": "New (nobody acknowledged yet)",
    "acknowledged": "Acknowledged, not resolved",
    "resolved": "Resolved",
    "all": "All",
}
MINE_STATUSES = (("open", "Open"), ("all", "All, including resolved"))


def _first_error(form: forms.Form) -> str:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        first = str(errors[0])
        return f"{label or name.capitalize()}: {first}" if name != "__all__" else first
    return "Check the form."


class QueueFilterForm(Form):
    """``?status=`` (default ``open``) and ``?page=`` of the staff queue."""

    status = forms.ChoiceField(
        required=False,
        choices=[(s, STATUS_LABELS[s]) for s in QUEUE_STATUSES],
        label="Status",
        error_messages={
            "invalid_choice": "“%(value)s” is not a status: use open, new, acknowledged, "
            "resolved or all."
        },
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        label="Page",
        error_messages={"invalid": "a page is a whole number from 1."},
    )

    def error_sentence(self) -> str:
        return _first_error(self)

    @property
    def chosen_status(self) -> str:
        return str(self.cleaned_data.get("status") or "open")

    @property
    def chosen_page(self) -> int:
        return int(self.cleaned_data.get("page") or 1)


class MineFilterForm(QueueFilterForm):
    """``?status=open|all`` of a responder's own alerts."""

    status = forms.ChoiceField(
        required=False,
        choices=MINE_STATUSES,
        label="Status",
        error_messages={"invalid_choice": "“%(value)s” is not a status: use open or all."},
    )


class ResolveForm(Form):
    outcome = forms.ChoiceField(
        choices=[("", "Choose what happened…"), *Outcome.choices],
        label="What happened",
        error_messages={"required": "choose what happened."},
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note (for the safeguarding record)",
    )

    def error_sentence(self) -> str:
        return _first_error(self)
