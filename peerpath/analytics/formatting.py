"""How the dashboard writes a figure: one function per unit, used by the selectors (the
overview's cards) and, as the ``figure`` template filter, by every analytics template, so a
proportion reads "25.0%" everywhere (never 0.250 beside 25%)."""

from __future__ import annotations

from collections.abc import Callable

#: A figure's unit -> how it is written. "int": a count ("1,234"); "pct": a proportion as a
#: percentage with one decimal ("25.0%"); "float": a mean or a number of days ("2.3").
UNITS: dict[str, Callable[[float], str]] = {
    "int": lambda v: f"{round(v):,}",
    "pct": lambda v: f"{v * 100:.1f}%",
    "float": lambda v: f"{v:.1f}",
}

#: What a missing figure reads (no data yet, or nobody to divide by).
MISSING = "—"


def fmt(value: float | None, unit: str) -> str:
    """``value`` written in ``unit`` (one of ``UNITS``); ``MISSING`` for None."""
    write = UNITS[unit]  # an unknown unit is a programming error: fail loudly
    if value is None:
        return MISSING
    return write(float(value))
