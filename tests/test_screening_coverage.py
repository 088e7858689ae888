"""Every text field people write is screened, and no screened channel can leave an alert with
nobody (issue 17).

* Introspection: every ``CharField`` / ``TextField`` (without choices; slugs, e-mail addresses
  and URLs are not prose) of every model of every peerpath app is declared in exactly one of
  ``safety.registry.SCREENED`` / ``NOT_SCREENED``, and neither table names a field that is not
  one of those.
* Writes: for every screened field a writer in ``tests/screening/<app>.py`` (``WRITERS``) puts
  crisis text into that field through the real service a person's form or socket calls; the
  alert it raises names the saved row, and it reached somebody: responders, or the staff
  queue. A teen's alert never reaches an adult who is not staff.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.policies import is_staff_member
from peerpath.safety import registry
from peerpath.safety.models import SafetyAlert

CRISIS = "honestly i want to end my life tonight"
NOT_PROSE = (models.SlugField, models.EmailField, models.URLField)


def _is_text(field: Any) -> bool:
    return (
        isinstance(field, models.CharField | models.TextField)
        and not isinstance(field, NOT_PROSE)
        and not field.choices
    )


def text_fields() -> dict[str, models.Field[Any, Any]]:
    """``app_label.Model.field`` -> field, for every text field declared by a peerpath model
    (a field inherited from a concrete parent is the parent's)."""
    found: dict[str, models.Field[Any, Any]] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("peerpath."):
            continue
        for model in config.get_models():
            if model._meta.proxy:
                continue
            for field in model._meta.local_fields:
                if _is_text(field):
                    found[f"{config.label}.{model._meta.object_name}.{field.name}"] = field
    return found


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def writers() -> tuple[dict[str, Callable[[str], models.Model]], list[str]]:
    """The ``WRITERS`` of every module in ``tests/screening``, and the keys two modules
    both claim."""
    import tests.screening as package

    merged: dict[str, Callable[[str], models.Model]] = {}
    twice: list[str] = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for key, write in getattr(module, "WRITERS", {}).items():
            if key in merged:
                twice.append(key)
            merged[key] = write
    return merged, twice


# --- Introspection -------------------------------------------------------------------------


def test_every_text_field_is_declared_screened_or_not() -> None:
    undeclared = sorted(set(text_fields()) - set(registry.SCREENED) - set(registry.NOT_SCREENED))
    assert not undeclared, (
        "Text fields in neither safety.registry.SCREENED nor NOT_SCREENED (screen the "
        f"service that writes them, or say why not): {undeclared}"
    )


def test_no_field_is_declared_both_ways() -> None:
    assert not sorted(set(registry.SCREENED) & set(registry.NOT_SCREENED))


@pytest.mark.parametrize("table", ["SCREENED", "NOT_SCREENED"])
def test_the_tables_name_only_text_fields_that_exist(table: str) -> None:
    stale = sorted(set(getattr(registry, table)) - set(text_fields()))
    assert not stale, f"registry.{table} names fields that are not model text fields: {stale}"


def test_every_not_screened_field_says_why() -> None:
    assert all(reason.strip() for reason in registry.NOT_SCREENED.values())


def test_the_introspection_sees_the_fields_it_should() -> None:
    fields = text_fields()
    assert "accounts.Profile.bio" in fields  # a TextField
    assert "accounts.User.username" in fields  # a CharField
    assert "mentorship.Message.body" in fields  # another app
    assert "rooms.RoomMessage.body" in fields
    assert not any(k.startswith(("auth.", "account.", "sessions.")) for k in fields)
    assert not any(isinstance(f, NOT_PROSE) or f.choices for f in fields.values())


# --- Writes ---------------------------------------------------------------------------------


def test_writer_modules_do_not_claim_a_field_twice() -> None:
    _, twice = writers()
    assert not twice


def test_every_screened_field_has_a_writer() -> None:
    found, _ = writers()
    missing = sorted(set(registry.SCREENED) - set(found))
    assert not missing, f"Screened fields without a writer in tests/screening/*.py: {missing}"
    unknown = sorted(set(found) - set(registry.SCREENED))
    assert not unknown, f"Writers for fields that are not in registry.SCREENED: {unknown}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", sorted(registry.SCREENED))
def test_crisis_text_in_every_screened_field_reaches_somebody(key: str) -> None:
    write = writers()[0].get(key)
    if write is None:
        pytest.fail(f"No writer for {key} in tests/screening/*.py")
    app_label, model_name, field_name = key.split(".")

    row = write(CRISIS)

    assert row.pk is not None
    assert f"{row._meta.app_label}.{row._meta.object_name}" == f"{app_label}.{model_name}"
    written = _words(str(getattr(row, field_name)))
    assert written, f"The writer for {key} left the field empty"
    assert written in CRISIS or CRISIS in written, f"The writer for {key} wrote elsewhere"
    source = f"{app_label}.{model_name}"
    alert = SafetyAlert.objects.filter(source=source, source_id=row.pk).first()
    if alert is None:
        # A copy of words the same person just wrote elsewhere (a request's goal copied into
        # the profile and the mentorship) joins that open alert instead of raising another.
        alert = next((a for a in SafetyAlert.objects.all() if [source, row.pk] in a.repeats), None)
    else:
        assert alert.channel == registry.SCREENED[key]
    assert alert is not None, f"Crisis text in {key} raised no alert"
    responders = list(alert.responders.all())
    assert responders or alert.queued, f"The alert for {key} reached nobody"
    if alert.writer_band == AgeBand.TEEN.value:
        adults = [
            u.username for u in responders if u.age_band is AgeBand.ADULT and not is_staff_member(u)
        ]
        assert not adults, f"A teen's alert for {key} reached adults who are not staff: {adults}"
