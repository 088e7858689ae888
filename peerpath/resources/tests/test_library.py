from __future__ import annotations

import pytest

from peerpath.resources.models import FlagTopic, Resource, ResourceAudience, ResourceTopic
from peerpath.resources.seed import (
    MAX_WORDS,
    MIN_WORDS,
    load_library,
    read_library,
    validate_library,
    word_count,
)

pytestmark = pytest.mark.django_db


def test_the_library_is_loaded_on_migrate_with_at_least_40_valid_resources():
    specs = read_library()
    assert len(specs) >= 42
    validate_library(specs)
    assert Resource.objects.count() >= 40
    for r in Resource.objects.all():
        assert r.title
        assert r.summary
        assert MIN_WORDS <= word_count(r.body) <= MAX_WORDS, r.slug
        assert set(r.topic_list) <= set(ResourceTopic.values)
        assert set(r.flag_topic_list) <= set(FlagTopic.values)


def test_the_library_covers_every_topic_and_the_flag_topics_that_need_help():
    for topic in ResourceTopic.values:
        assert Resource.objects.with_topic(topic).exists(), topic
    for flag_topic in ("safety", "wellbeing", "conduct", "boundaries", "no_contact"):
        assert Resource.objects.with_flag_topic(flag_topic).exists(), flag_topic
    assert Resource.objects.filter(audience=ResourceAudience.TEEN).exists()
    assert Resource.objects.filter(audience=ResourceAudience.ADULT).exists()


def test_reloading_keeps_staff_edits_and_recreates_missing_ones():
    # given
    edited = Resource.objects.get(slug="saying-no-kindly")
    edited.title, edited.edited = "Our own title", True
    edited.save()
    Resource.objects.filter(slug="open-questions").delete()
    drifted = Resource.objects.get(slug="moderation-basics")
    drifted.summary = "changed"
    drifted.save()
    # when
    created = load_library()
    # then
    assert created == 1
    assert Resource.objects.get(slug="saying-no-kindly").title == "Our own title"
    assert Resource.objects.filter(slug="open-questions").exists()
    assert Resource.objects.get(slug="moderation-basics").summary != "changed"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"topics": ["nope"]}, "unknown topics"),
        ({"flag_topics": ["aliens"]}, "unknown flag topics"),
        ({"audience": "kids"}, "unknown audience"),
        ({"body": "too short"}, "words"),
        ({"slug": "new"}, "bad slug"),
        ({"colour": "red"}, "unknown keys"),
    ],
)
def test_a_broken_library_is_refused(change, message):
    spec = dict(read_library()[0], **change)
    with pytest.raises(ValueError, match=message):
        validate_library([spec])


def test_duplicate_slugs_are_refused():
    spec = read_library()[0]
    with pytest.raises(ValueError, match="duplicate"):
        validate_library([spec, spec])
