"""POST data that re-submits an admin change page as it was shown (the main form and every
inline), so a test changes only what it means to and posts like a staff member's browser."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.widgets import MultiWidget
from django.http import HttpResponseBase


def _put(data: dict[str, Any], bound: forms.BoundField) -> None:
    widget = bound.field.widget
    if bound.field.disabled:
        return
    value = bound.value()
    if isinstance(widget, MultiWidget):
        parts = value if isinstance(value, list | tuple) else widget.decompress(value)
        for i, part in enumerate(parts or ()):
            data[f"{bound.html_name}_{i}"] = "" if part is None else str(part)
    elif isinstance(widget, forms.CheckboxInput):
        if value:
            data[bound.html_name] = "on"
    elif isinstance(value, list | tuple):
        data[bound.html_name] = [str(v) for v in value]
    else:
        data[bound.html_name] = "" if value is None else str(value)


def change_form_data(response: HttpResponseBase, **changes: Any) -> dict[str, Any]:
    """The admin change page ``response`` as POST data, with ``changes`` (html names)."""
    context = response.context  # type: ignore[attr-defined]
    data: dict[str, Any] = {}
    for bound in context["adminform"].form:
        _put(data, bound)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in formset.management_form:
            data[bound.html_name] = "" if bound.value() is None else str(bound.value())
        for form in formset.forms:
            for bound in form:
                _put(data, bound)
    data.update(changes)
    return data
