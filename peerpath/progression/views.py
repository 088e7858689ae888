"""Placeholder until written."""

from __future__ import annotations

from typing import Any

from django.http import Http404


def _missing(*args: Any, **kwargs: Any) -> Any:
    raise Http404


my_path = _missing
apply = _missing
withdraw = _missing
review_queue = _missing
review_decide = _missing
