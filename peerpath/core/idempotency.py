"""Idempotency keys: a form post that creates something stores one row, however often it
arrives (a double click, a retry after an error page, a browser resending after a timeout).

The chats already do this with ``client_id``; this is the same pattern for forms:

* the model: ``IdempotentModel`` adds ``idempotency_key`` (blank = none) and
  ``key_constraint(author_field, name)`` makes it unique per author (ignoring blanks);
* the form: ``IdempotencyKeyField`` renders a hidden input with a fresh UUID each time the
  form is shown; a re-shown bound form (after an error) keeps the key it was posted with;
* the service: ``once(model, author_field=..., author=..., key=..., create=...)`` answers the
  row this author already stored under the key, or creates it (a concurrent duplicate that
  loses the race on the unique constraint answers the winner's row). The caller runs the
  side effects (notifications) only when the row is new.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.db import IntegrityError, models, transaction

from peerpath.core.errors import Refused
from peerpath.core.text import clean_client_id

KEY_MAX_CHARS = 64
FIELD = "idempotency_key"

_M = TypeVar("_M", bound=models.Model)


class IdempotentModel(models.Model):
    """Mixin for a model created from a form: where its idempotency key is stored."""

    idempotency_key = models.CharField(
        max_length=KEY_MAX_CHARS,
        blank=True,
        default="",
        editable=False,
        help_text="The creating form's key: a resent form finds this row instead of a new one.",
    )

    class Meta:
        abstract = True


def key_constraint(author_field: str, name: str) -> models.UniqueConstraint:
    """At most one row per (author, key); rows without a key are not constrained."""
    return models.UniqueConstraint(
        fields=[author_field, FIELD], condition=~models.Q(**{FIELD: ""}), name=name
    )


def new_key() -> str:
    return str(uuid.uuid4())


class IdempotencyKeyField(forms.CharField):
    """The hidden key of a creating form: a fresh UUID per rendering; optional (a post
    without one simply is not de-duplicated); anything but a plain token is refused."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", new_key)
        kwargs.setdefault("label", "")
        super().__init__(max_length=KEY_MAX_CHARS, **kwargs)

    def clean(self, value: Any) -> str:
        try:
            return clean_client_id(super().clean(value))
        except Refused as exc:
            raise forms.ValidationError(
                "This form's key is damaged: reload the page and try again."
            ) from exc


def once(
    model: type[_M], *, author_field: str, author: Any, key: str, create: Callable[[], _M]
) -> tuple[_M, bool]:
    """``(row, created)``: the row ``author`` stored under ``key`` before, or ``create()``'s.

    Call inside the service's transaction, after its checks; ``create`` must set the key on
    the row it makes (``idempotency_key=key``). An empty key always creates."""
    if not key:
        return create(), True
    found = model._default_manager.filter(**{author_field: author, FIELD: key}).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        # The same key arrived through another request a moment ago: answer its row.
        found = model._default_manager.filter(**{author_field: author, FIELD: key}).first()
        if found is None:
            raise
        return found, False
