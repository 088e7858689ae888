from __future__ import annotations

import copy

import pytest

from peerpath.progression.models import Training
from peerpath.training.models import ActivityType, Discussion, Program
from peerpath.training.seed import load_programs, read_programs, validate_programs

pytestmark = pytest.mark.django_db


def test_the_seed_file_validates_and_is_loaded_on_migrate() -> None:
    specs = read_programs()
    validate_programs(specs, trainings=set(Training.objects.values_list("slug", flat=True)))
    assert set(Program.objects.values_list("slug", flat=True)) >= {
        "group-support-leadership",
        "global-mod",
        "listener-onboarding",
        "mentoring-basics",
    }
    gsl = Program.objects.get(slug="group-support-leadership")
    assert gsl.training.slug == "group-support-leadership"
    titles = list(gsl.discussions.order_by("position").values_list("title", flat=True))
    assert titles[0] == "Introduction to group support"
    assert len(titles) == 5
    assert "3 highs and 3 lows" in gsl.discussions.get(position=1).prompt
    assert Discussion.objects.filter(
        program__slug="listener-onboarding", activity=ActivityType.SAVE_MENTOR
    ).exists()


def test_loading_again_creates_nothing_and_keeps_staff_edits() -> None:
    program = Program.objects.get(slug="global-mod")
    program.name = "Our own Global Mod course"
    program.edited = True
    program.save()
    assert load_programs() == 0
    assert Program.objects.get(slug="global-mod").name == "Our own Global Mod course"


def test_unedited_programs_follow_the_file() -> None:
    Program.objects.filter(slug="mentoring-basics").update(name="Old name")
    Discussion.objects.filter(program__slug="mentoring-basics", position=3).delete()
    load_programs()
    program = Program.objects.get(slug="mentoring-basics")
    assert program.name == "Mentoring basics"
    assert program.discussions.count() == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s[0].update(training="nope"), "unknown training"),
        (lambda s: s[0].update(colour="red"), "unknown keys"),
        (lambda s: s[0].update(slug="posts"), "reserved"),
        (lambda s: s[1].update(slug=s[0]["slug"]), "duplicate slug"),
        (lambda s: s[0]["discussions"][0].update(activity="dance"), "unknown activity"),
        (lambda s: s[0]["discussions"][0].update(min_replies=99), "min_replies"),
        (lambda s: s[0]["discussions"][0].update(min_replies=0), "min_replies"),
        (lambda s: s[0]["discussions"][0].update(prompt=" "), "prompt is required"),
    ],
)
def test_a_broken_seed_is_refused(change, message) -> None:
    specs = copy.deepcopy(read_programs())
    change(specs)
    with pytest.raises(ValueError, match=message):
        validate_programs(specs, trainings=set(Training.objects.values_list("slug", flat=True)))
