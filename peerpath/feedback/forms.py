"""Input of the feedback pages. Plain text only: comments are always rendered escaped."""

from __future__ import annotations

from django import forms

from peerpath.core.forms import Form
from peerpath.feedback.models import COMMENT_MAX_CHARS, HIDDEN_REASON_MAX_CHARS

RATING_CHOICES = [
    (5, "5 · Excellent"),
    (4, "4 · Good"),
    (3, "3 · Okay"),
    (2, "2 · Not great"),
    (1, "1 · Poor"),
]


class FeedbackForm(Form):
    rating = forms.TypedChoiceField(
        choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect, label="Your rating"
    )
    # CharField refuses NUL characters by default; the service checks again.
    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Anything you'd like them to know? (optional, shown without your name)",
    )


class HideForm(Form):
    reason = forms.CharField(max_length=HIDDEN_REASON_MAX_CHARS, label="Reason")
