from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0002_status_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="bulkmessage",
            name="skipped_pairs",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Pairs left out because they had ended since the table was refreshed.",
            ),
        ),
    ]
