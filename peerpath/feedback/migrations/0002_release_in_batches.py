"""Responses are released in batches of at least k (``Feedback.released_at``). Responses
already shown (every response of a listener with at least k) count as released now; the
others wait for their batch, as they waited for the threshold before."""

import django.core.validators
from django.db import migrations, models
from django.db.models import Count
from django.utils import timezone


def release_what_was_shown(apps, schema_editor):
    Feedback = apps.get_model("feedback", "Feedback")
    FeedbackSettings = apps.get_model("feedback", "FeedbackSettings")
    row = FeedbackSettings.objects.filter(pk=1).first()
    k = row.k if row is not None else 5
    shown = (
        Feedback.objects.values("listener_id")
        .annotate(n=Count("id"))
        .filter(n__gte=k)
        .order_by()
        .values("listener_id")
    )
    Feedback.objects.filter(listener_id__in=shown).update(released_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedback",
            name="released_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="feedbacksettings",
            name="k",
            field=models.PositiveSmallIntegerField(
                default=5,
                help_text=(
                    "Feedback is shown only once a listener has at least this many responses, "
                    "and new responses are shown in batches of at least this many."
                ),
                validators=[
                    django.core.validators.MinValueValidator(2),
                    django.core.validators.MaxValueValidator(100),
                ],
            ),
        ),
        migrations.RunPython(release_what_was_shown, migrations.RunPython.noop),
    ]
