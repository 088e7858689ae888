"""Placeholder until written."""

from __future__ import annotations

from typing import Any

from django.http import Http404


def _missing(*args: Any, **kwargs: Any) -> Any:
    raise Http404


verify = _missing
pdf = _missing
credential = _missing
