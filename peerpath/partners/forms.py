"""Validation of the table's query parameters and of the bulk message form.

The parameter names are a contract: the dashboard benchmark and the CSV export use them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms

from peerpath.core.forms import Form
from peerpath.partners.models import MessageKind, Recipients

MAX_PAGE = 100_000
TITLE_MAX = 120
BODY_MAX = 2_000
MAX_SELECTED = 5_000


class TableFilterForm(Form):
    conversations = forms.ChoiceField(
        required=False,
        choices=[("", "Any"), ("0", "0"), ("1-2", "1–2"), ("3+", "3 or more")],
    )
    no_contact_days = forms.IntegerField(
        required=False, min_value=1, max_value=365, label="No contact for (days)"
    )
    open_flags = forms.ChoiceField(
        required=False, choices=[("", "Any"), ("1", "Open flags only")], label="Flags"
    )
    band = forms.ChoiceField(
        required=False, choices=[("", "Any"), ("teen", "Teen"), ("adult", "Adult")]
    )
    mentor = forms.RegexField(
        required=False,
        max_length=30,
        regex=r"^[A-Za-z0-9._-]+$",
        error_messages={"invalid": "a mentor's username is 3–30 letters, digits, . _ or -."},
    )
    started_from = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"})
    )
    started_to = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("active", "Active"), ("ended", "Ended"), ("all", "All")],
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("-started", "Newest first"),
            ("started", "Oldest first"),
            ("-conversations", "Most conversations"),
            ("conversations", "Fewest conversations"),
            ("last_contact", "Longest without contact"),
            ("-last_contact", "Most recent contact"),
            ("mentor", "Mentor A–Z"),
            ("mentee", "Mentee A–Z"),
        ],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def full_clean(self) -> None:
        # "3+" typed into an address bar arrives as "3 " (a + is a space in a query string).
        if self.is_bound and self.data.get("conversations", "").strip() == "3":
            data = dict(self.data.items())
            data["conversations"] = "3+"
            self.data = data
        super().full_clean()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("started_from"), data.get("started_to")
        if start and end and start > end:
            self.add_error("started_to", "the end date is before the start date.")
        return data

    def error_sentence(self) -> str:
        parts = []
        for field, errors in self.errors.items():
            name = field if field != "__all__" else "filter"
            parts.append(f"{name}: {' '.join(str(e) for e in errors)}")
        return "Invalid filter — " + "; ".join(parts)


@dataclass(frozen=True)
class TableQuery:
    """The validated parameters, with defaults applied."""

    conversations: str = ""
    no_contact_days: int | None = None
    open_flags: bool = False
    band: str = ""
    mentor: str = ""
    started_from: dt.date | None = None
    started_to: dt.date | None = None
    status: str = "active"
    sort: str = "-started"
    page: int = 1

    @classmethod
    def from_form(cls, form: TableFilterForm) -> TableQuery:
        d = form.cleaned_data
        return cls(
            conversations=d.get("conversations") or "",
            no_contact_days=d.get("no_contact_days"),
            open_flags=d.get("open_flags") == "1",
            band=d.get("band") or "",
            mentor=d.get("mentor") or "",
            started_from=d.get("started_from"),
            started_to=d.get("started_to"),
            status=d.get("status") or "active",
            sort=d.get("sort") or "-started",
            page=d.get("page") or 1,
        )

    def params(self, *, page: int | None = None) -> dict[str, str]:
        """The non-default parameters, for links (pages, CSV) and hidden fields."""
        out: dict[str, str] = {}
        if self.conversations:
            out["conversations"] = self.conversations
        if self.no_contact_days:
            out["no_contact_days"] = str(self.no_contact_days)
        if self.open_flags:
            out["open_flags"] = "1"
        if self.band:
            out["band"] = self.band
        if self.mentor:
            out["mentor"] = self.mentor
        if self.started_from:
            out["started_from"] = self.started_from.isoformat()
        if self.started_to:
            out["started_to"] = self.started_to.isoformat()
        if self.status != "active":
            out["status"] = self.status
        if self.sort != "-started":
            out["sort"] = self.sort
        if page is not None and page > 1:
            out["page"] = str(page)
        return out

    def describe(self) -> str:
        words = [f"{k}={v}" for k, v in self.params().items() if k not in ("sort", "page")]
        return "pairs matching " + (", ".join(words) if words else "status=active")


def parse_query(data: Any) -> TableQuery | TableFilterForm:
    """The validated query, or the bound form carrying the errors."""
    form = TableFilterForm(data)
    if not form.is_valid():
        return form
    return TableQuery.from_form(form)


class BulkMessageForm(Form):
    scope = forms.ChoiceField(
        label="Send to",
        choices=[("selected", "The selected pairs"), ("filter", "Every pair matching the filter")],
        initial="selected",
        widget=forms.RadioSelect,
    )
    # The table's "select all" box: checked, the pairs of the page shown count as selected,
    # so selecting them all works without a script too (the script ticks each row as well).
    all_on_page = forms.BooleanField(required=False, label="Select every pair on this page")
    kind = forms.ChoiceField(choices=MessageKind.choices, initial=MessageKind.CUSTOM)
    recipients = forms.ChoiceField(choices=Recipients.choices, initial=Recipients.BOTH)
    title = forms.CharField(
        required=False,
        max_length=TITLE_MAX + 1000,
        strip=False,
        help_text=f"Custom messages: up to {TITLE_MAX} characters.",
    )
    body = forms.CharField(
        label="Message",
        required=False,
        max_length=BODY_MAX + 10_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"Custom messages: up to {BODY_MAX:,} characters, sent as plain text.",
    )
    confirm = forms.BooleanField(required=False)

    # The table's header holds the select-all box; the confirm step re-posts it hidden.
    MESSAGE_FIELDS = ("scope", "kind", "recipients", "title", "body")

    def message_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MESSAGE_FIELDS]
