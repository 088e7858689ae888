"""The seeded staff summary linked staff to ``/mentorships/`` (a person's own hub, not a
staff page); it now links to the staff page of its occasions (``{staff_url}``: the
mentorships table filtered to pairs with no conversation). Only an unedited row moves."""

from typing import Any

from django.db import migrations

SLUG = "no-conversation-21d-staff"
OLD = {
    "url": "/mentorships/",
    "title_template": "{count} pairs without a conversation after 21 days",
}
NEW = {
    "url": "{staff_url}",
    "title_template": "Pairs without a conversation after 21 days: {count}",
}


def forwards(apps: Any, schema_editor: Any) -> None:
    rules = apps.get_model("nudges", "NudgeRule").objects.filter(slug=SLUG)
    for field, old in OLD.items():
        rules.filter(**{field: old}).update(**{field: NEW[field]})


class Migration(migrations.Migration):
    dependencies = [("nudges", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
