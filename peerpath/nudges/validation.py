"""What makes a rule or variant valid (used by ``clean`` and the seed loader)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from peerpath.nudges import templating
from peerpath.nudges.triggers import TRIGGERS

if TYPE_CHECKING:
    from peerpath.nudges.models import NudgeRule, NudgeVariant

PAIR_AUDIENCES = {"mentee", "mentor", "both", "staff"}
PERSON_AUDIENCES = {"person", "staff"}
# Staff get one summary per run: their name, how many occasions, a list of them, and the
# staff page that lists them (``Trigger.staff_url``).
STAFF_VARS = ("name", "count", "list", "staff_url")
# A link is a path on this site, or a variable that holds one.
LINK_STARTS = ("/", "{mentorship_url}", "{event_url}", "{staff_url}")


def _categories() -> set[str]:
    from peerpath.notifications.categories import CATEGORIES

    return set(CATEGORIES)


def rule_errors(rule: NudgeRule) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    trigger = TRIGGERS.get(rule.trigger)
    if trigger is None:
        add("trigger", f"Unknown trigger {rule.trigger!r}. Choose one of: {', '.join(TRIGGERS)}.")
        return errors
    allowed = PAIR_AUDIENCES if trigger.pair else PERSON_AUDIENCES
    if rule.audience not in allowed:
        add(
            "audience",
            f"The trigger '{trigger.label}' is about "
            f"{'a mentorship pair' if trigger.pair else 'a person'}: choose "
            f"{', '.join(sorted(allowed))}.",
        )
    if rule.category not in _categories():
        add("category", f"Unknown notification category {rule.category!r}.")
    params: Any = rule.params
    if not isinstance(params, dict):
        add("params", 'Parameters are a JSON object, e.g. {"days": 7}.')
    else:
        for key, value in params.items():
            spec = trigger.params.get(key)
            if spec is None:
                known = ", ".join(trigger.params) or "none"
                add("params", f"Unknown parameter {key!r} (this trigger takes: {known}).")
            elif isinstance(value, bool) or not isinstance(value, int):
                add("params", f"{key} must be a whole number.")
            elif not spec.low <= value <= spec.high:
                add("params", f"{key} must be between {spec.low} and {spec.high}.")
    variables = STAFF_VARS if rule.audience == "staff" else trigger.variables
    for name, text, what in (
        ("title_template", rule.title_template, "title"),
        ("body_template", rule.body_template, "body"),
        ("url", rule.url, "link"),
    ):
        try:
            templating.validate(text or "", variables, what=what)
        except templating.TemplateError as exc:
            add(name, str(exc))
    if rule.url and not rule.url.startswith(
        ("/", "{mentorship_url}", "{event_url}", "{staff_url}")
    ):
        add("url", "The link is a path on this site, starting with /.")
    return errors


def variant_errors(variant: NudgeVariant) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    trigger = TRIGGERS.get(variant.rule.trigger) if variant.rule_id else None
    if variant.is_control:
        if variant.title_template or variant.body_template:
            errors["is_control"] = ["A control variant sends nothing: leave its texts empty."]
        return errors
    if trigger is None:
        return errors
    for name, text, what in (
        ("title_template", variant.title_template, "title"),
        ("body_template", variant.body_template, "body"),
    ):
        try:
            templating.validate(text or "", trigger.variables, what=what)
        except templating.TemplateError as exc:
            errors.setdefault(name, []).append(str(exc))
    return errors
