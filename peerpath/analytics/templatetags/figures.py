"""``{{ value|figure:"pct" }}``: a dashboard figure in its unit (``analytics.formatting``)."""

from __future__ import annotations

from django import template

from peerpath.analytics.formatting import fmt

register = template.Library()


@register.filter
def figure(value: float | None, unit: str) -> str:
    return fmt(value, unit)
