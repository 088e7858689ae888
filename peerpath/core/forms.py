"""The base of every form: typed text goes through ``core.text.sanitize`` and ids through
``core.ids``, whatever field declares them, so a form needs no per-field boilerplate.

``Form`` and ``ModelForm`` (and ``CleanInputMixin`` for third-party forms such as allauth's
sign-up) harden their fields when a form is built (``harden_field``):

- a ``CharField`` (and its subclasses: regex, e-mail, slug, URL...) sanitizes the raw value
  before parsing it: NUL and lone surrogates are a field error, other control characters
  and bidi overrides are removed, newlines and tabs are kept only under a ``Textarea``; text
  is NFC. Passwords are left exactly as typed.
- a ``ModelChoiceField`` / ``ModelMultipleChoiceField`` keyed by an integer refuses anything
  that is not an id of the database's range (``"99999999999999999999"`` would overflow
  SQLite inside ``pk__in``) with the field's own "invalid choice" message; keyed by text it
  refuses NUL (PostgreSQL would fail the query).
- an ``IntegerField`` without bounds gets the database's 64-bit bounds.

Fields more than one app's forms use live here too: ``LocalDateTimeField`` (a date and
time typed in the person's own zone), ``HiddenIdField`` (an id in a hidden input).

The admin's forms get the same (``CoreConfig.ready`` makes ``ModelForm`` the admin's default
form class). ``tests/test_input_hygiene.py`` checks that every form class of the project
uses this base.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from peerpath.core.ids import MAX_DB_ID, parse_db_id
from peerpath.core.text import UnsafeText, sanitize

_M = TypeVar("_M", bound=models.Model)
_SHOWN_CHARS = 24  # how much of a refused value an error message repeats


class _Hardened:
    """Marks a field class already hardened."""


class _CleanText(_Hardened, forms.CharField):
    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = sanitize(value, multiline=isinstance(self.widget, forms.Textarea))
            except UnsafeText as exc:
                raise ValidationError(f"This text {exc.reason}", code="unsafe_text") from exc
        return super().to_python(value)


def _key_is_integer(field: forms.ModelChoiceField[Any]) -> bool:
    assert field.queryset is not None  # noqa: S101 - a choice field without rows is a bug
    opts = field.queryset.model._meta
    key: Any = opts.get_field(field.to_field_name) if field.to_field_name else opts.pk
    while key.is_relation:  # a one-to-one primary key: the id of the related row
        key = key.target_field
    return isinstance(key, models.IntegerField)


def acceptable_key(field: forms.ModelChoiceField[Any], value: Any) -> bool:
    """Whether ``value`` may be looked up as a key of ``field``'s queryset at all."""
    if field.queryset is not None and isinstance(value, field.queryset.model):
        return True
    if _key_is_integer(field):
        return parse_db_id(value) is not None
    return not (isinstance(value, str) and "\x00" in value)


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


class _IdChoice(_Hardened, forms.ModelChoiceField):  # type: ignore[type-arg]
    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not acceptable_key(self, value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": _shown(value)},
            )
        return super().to_python(value)


class _IdMultipleChoice(_Hardened, forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            for item in value:
                if item not in self.empty_values and not acceptable_key(self, item):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": _shown(item)},
                    )
        return super().clean(value)


_HARDENED: dict[tuple[type, type], type] = {}


def _hardened_class(cls: type, mixin: type) -> type:
    """``cls`` with ``mixin`` in front, made once per pair (the name and module stay)."""
    key = (cls, mixin)
    if key not in _HARDENED:
        _HARDENED[key] = type(cls.__name__, (mixin, cls), {"__module__": cls.__module__})
    return _HARDENED[key]


def harden_field(field: forms.Field) -> None:
    """Give ``field`` the project's input rules (see the module docstring), in place."""
    if isinstance(field, _Hardened):
        return
    mixin: type
    if isinstance(field, forms.ModelMultipleChoiceField):
        mixin = _IdMultipleChoice
    elif isinstance(field, forms.ModelChoiceField):
        mixin = _IdChoice
    elif isinstance(field, forms.CharField):
        if isinstance(field.widget, forms.PasswordInput):
            return  # a secret is checked as typed, never rewritten
        mixin = _CleanText
    elif isinstance(field, forms.IntegerField):
        if field.max_value is None:
            field.validators.append(MaxValueValidator(MAX_DB_ID))
        if field.min_value is None:
            field.validators.append(MinValueValidator(-MAX_DB_ID))
        return
    else:
        return
    instance: Any = field  # the class changes in place: the field keeps its settings
    instance.__class__ = _hardened_class(type(field), mixin)


class CleanInputMixin:
    """Hardens every field of the form it is mixed into (first, before the Django base) when
    the form validates, so fields a subclass adds in its ``__init__`` count too."""

    fields: dict[str, forms.Field]

    def full_clean(self) -> None:
        for field in self.fields.values():
            harden_field(field)
        super().full_clean()  # type: ignore[misc]


class Form(CleanInputMixin, forms.Form):
    """``django.forms.Form`` with the project's input rules."""


class ModelForm(CleanInputMixin, forms.ModelForm[_M]):
    """``django.forms.ModelForm`` with the project's input rules."""


#: What a ``datetime-local`` input sends, and what a person may type where it is missing.
LOCAL_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the person's own zone (the active zone when validating);
    times that do not exist or happen twice there (DST changes) are refused."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            input_formats=LOCAL_INPUT_FORMATS,
            widget=forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=LOCAL_INPUT_FORMATS[0]
            ),
            error_messages={
                "invalid": "Enter a date and time, like 2030-05-17 18:30.",
                "required": "Please enter a date and time.",
            },
            **kwargs,
        )


class HiddenIdField(forms.IntegerField):
    """A database id a page sends in a hidden input, with the person's words for each
    refusal: ``required`` (none sent), ``invalid`` (not a number), ``missing`` (a number no
    row could have)."""

    def __init__(self, *, required: str, invalid: str, missing: str, **kwargs: Any) -> None:
        super().__init__(
            min_value=1,
            max_value=MAX_DB_ID,
            widget=forms.HiddenInput,
            error_messages={
                "required": required,
                "invalid": invalid,
                "min_value": missing,
                "max_value": missing,
            },
            **kwargs,
        )
