"""Reference data every community starts with: the fixed taxonomy of support topics, the
languages offered, and the staff-granted role groups.

``ensure_reference_data`` runs after every ``migrate`` (and after each test flush, which
emits post_migrate too), adding what is missing and never touching what staff edited.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group

from peerpath.accounts.models import Language, Topic
from peerpath.accounts.roles import Role

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


def ensure_reference_data(**_: Any) -> None:
    """Create missing topics, languages and role groups; idempotent and cheap (3 reads)."""
    have_topics = set(Topic.objects.values_list("slug", flat=True))
    Topic.objects.bulk_create(
        [
            Topic(slug=slug, name=name, position=position)
            for position, (slug, name) in enumerate(TOPICS)
            if slug not in have_topics
        ],
        ignore_conflicts=True,
    )
    have_languages = set(Language.objects.values_list("code", flat=True))
    Language.objects.bulk_create(
        [Language(code=code, name=name) for code, name in LANGUAGES if code not in have_languages],
        ignore_conflicts=True,
    )
    have_groups = set(Group.objects.values_list("name", flat=True))
    Group.objects.bulk_create(
        [Group(name=role.value) for role in Role if role.value not in have_groups],
        ignore_conflicts=True,
    )
