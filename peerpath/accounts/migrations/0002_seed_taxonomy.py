"""The fixed taxonomy of support topics, the languages offered, and the staff-granted role
groups. Versioned here; staff may add more in admin."""

from django.db import migrations

TOPICS = [
    ("anxiety", "Anxiety"),
    ("depression", "Depression"),
    ("stress", "Stress"),
    ("loneliness", "Loneliness"),
    ("relationships", "Relationships"),
    ("breakups", "Breakups"),
    ("family", "Family"),
    ("parenting", "Parenting"),
    ("grief-loss", "Grief and loss"),
    ("self-esteem", "Self-esteem"),
    ("bullying", "Bullying"),
    ("school-studies", "School and studies"),
    ("work-career", "Work and career"),
    ("lgbtqia", "LGBTQIA+ support"),
    ("eating-body-image", "Eating and body image"),
    ("sleep", "Sleep"),
    ("anger", "Managing anger"),
    ("panic", "Panic attacks"),
    ("trauma", "Trauma"),
    ("chronic-illness", "Chronic illness"),
    ("self-harm-recovery", "Self-harm recovery"),
    ("substance-use", "Substance use"),
    ("social-anxiety", "Social anxiety"),
    ("life-changes", "Life changes"),
    ("listening-skills", "Listening skills"),
]

LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("pt", "Portuguese"),
    ("fr", "French"),
    ("de", "German"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("ar", "Arabic"),
    ("hi", "Hindi"),
    ("bn", "Bengali"),
    ("ur", "Urdu"),
    ("zh", "Chinese"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("ru", "Russian"),
    ("tr", "Turkish"),
    ("pl", "Polish"),
    ("id", "Indonesian"),
    ("tl", "Tagalog"),
    ("sw", "Swahili"),
    ("vi", "Vietnamese"),
    ("fa", "Persian"),
]

ROLE_GROUPS = ["Staff", "Ambassador", "Moderator", "Mentor"]


def seed(apps, schema_editor):
    Topic = apps.get_model("accounts", "Topic")
    Language = apps.get_model("accounts", "Language")
    Group = apps.get_model("auth", "Group")
    for position, (slug, name) in enumerate(TOPICS):
        Topic.objects.update_or_create(slug=slug, defaults={"name": name, "position": position})
    for code, name in LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name})
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
