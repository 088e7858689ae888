"""Resource forms: the search filter and the staff form (parsing only; the service
validates)."""

from __future__ import annotations

from django import forms

from peerpath.core.forms import Form
from peerpath.resources.models import (
    BODY_MAX_CHARS,
    SUMMARY_MAX_CHARS,
    TITLE_MAX_CHARS,
    FlagTopic,
    ResourceAudience,
    ResourceTopic,
)
from peerpath.resources.selectors import SEARCH_MAX_CHARS


class ResourceSearchForm(Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX_CHARS,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. boundaries"}),
    )
    topic = forms.ChoiceField(
        label="Topic",
        required=False,
        choices=[("", "All topics"), *ResourceTopic.choices],
        error_messages={"invalid_choice": "There is no such topic. Choose one from the list."},
    )


class ResourceForm(Form):
    title = forms.CharField(max_length=TITLE_MAX_CHARS)
    summary = forms.CharField(max_length=SUMMARY_MAX_CHARS)
    body = forms.CharField(
        max_length=BODY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Plain text; leave a blank line between paragraphs. HTML is removed.",
    )
    topics = forms.MultipleChoiceField(
        choices=ResourceTopic.choices, widget=forms.CheckboxSelectMultiple
    )
    flag_topics = forms.MultipleChoiceField(
        choices=FlagTopic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Suggested when a concern on these topics is raised.",
    )
    audience = forms.ChoiceField(choices=ResourceAudience.choices, initial=ResourceAudience.BOTH)
    reading_minutes = forms.IntegerField(min_value=1, max_value=60, initial=2)
