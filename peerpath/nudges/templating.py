"""Message templates of nudge rules: ``{name}`` placeholders over a fixed set of variables.

Pure (no Django). A template is plain text; the notification service escapes it for HTML.
Saving a rule validates every template: an unknown variable, attribute or index access
(``{a.b}``, ``{a[0]}``), a conversion or format spec, an unbalanced brace or anything that
looks like markup or a script URL is refused with a message that names the problem.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping

_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!]|javascript:|data:text/html|vbscript:", re.IGNORECASE)
_FORMATTER = string.Formatter()


class TemplateError(ValueError):
    """A template that cannot be saved; the message says why, for the person editing it."""


def placeholders(template: str) -> list[str]:
    """The variable names a template uses, or TemplateError."""
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise TemplateError(
            f"Unbalanced braces ({exc}). Write {{{{ or }}}} for a literal brace."
        ) from exc
    names: list[str] = []
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if not field:
            raise TemplateError("Empty placeholder {}: name a variable, e.g. {name}.")
        if not field.isidentifier():
            raise TemplateError(
                f"Placeholder {{{field}}} is not allowed: use plain variable names only "
                "(no dots, brackets or numbers)."
            )
        if spec or conversion:
            raise TemplateError(f"Placeholder {{{field}}} may not have a format or conversion.")
        names.append(field)
    return names


def validate(template: str, allowed: Iterable[str], *, what: str = "template") -> None:
    """Raise TemplateError unless ``template`` is safe and uses only ``allowed`` variables."""
    if _MARKUP.search(template):
        raise TemplateError(
            f"The {what} contains markup or a script link; messages are plain text."
        )
    known = set(allowed)
    unknown = sorted({n for n in placeholders(template) if n not in known})
    if unknown:
        listed = ", ".join("{" + n + "}" for n in unknown)
        choices = ", ".join("{" + n + "}" for n in sorted(known)) or "none"
        raise TemplateError(f"Unknown variable {listed} in the {what}. Available: {choices}.")


def render(template: str, values: Mapping[str, object]) -> str:
    """Fill a validated template (a missing value renders as an empty string)."""
    out: list[str] = []
    for literal, field, _spec, _conversion in _FORMATTER.parse(template):
        out.append(literal)
        if field:
            value = values.get(field, "")
            out.append("" if value is None else str(value))
    return "".join(out)
