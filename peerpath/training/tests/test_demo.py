from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.training.demo import _REPLIES, seed_training
from peerpath.training.models import Cohort, Enrollment, Post

pytestmark = pytest.mark.django_db


def test_seed_training_enrols_the_demo_listeners_with_peers_of_their_band(settings) -> None:
    settings.DEBUG = True  # demo names are reserved otherwise
    make = UserFactory.create
    listener = make(username="demo-listener", listener=True)
    teen = make(username="demo-teen-listener", listener=True, teen=True)
    make(username="demo-moderator", listener=True, roles=[Role.MODERATOR])
    for n in range(5):
        make(username=f"adult-peer-{n}", listener=True)
        make(username=f"teen-peer-{n}", listener=True, teen=True)
    summary = seed_training(seed=1, anchor=timezone.now())
    assert summary.cohorts == 8
    assert summary.posts > 0
    adult = Enrollment.objects.get(user=listener, program__slug="listener-onboarding")
    teen_e = Enrollment.objects.get(user=teen, program__slug="listener-onboarding")
    assert (adult.cohort.band, teen_e.cohort.band) == ("adult", "teen")
    for cohort in Cohort.objects.all():
        bands = {e.user.is_teen for e in cohort.enrollments.select_related("user")}
        assert bands <= {cohort.band == "teen"}
    assert not Post.objects.filter(parent__author=F("author")).exists()
    # Replies answer what they reply to: written for that answer, and never repeated on it.
    replies = Post.objects.filter(parent__isnull=False).select_related("parent")
    assert replies.exists()
    for reply in replies:
        assert reply.parent is not None
        assert reply.body in _REPLIES[reply.parent.body]
    pairs = list(replies.values_list("parent_id", "body"))
    assert len(pairs) == len(set(pairs))
    for cohort in Cohort.objects.all():
        for discussion in cohort.program.discussions.all():
            bodies = list(
                Post.objects.filter(
                    cohort=cohort, discussion=discussion, parent__isnull=True
                ).values_list("body", flat=True)
            )
            assert len(bodies) == len(set(bodies))
    # A newcomer joining the demo onboarding cohort finds two fellow trainees' answers to reply
    # to in every written discussion, so onboarding can be finished in the demo.
    onboarding = adult.cohort
    for discussion in onboarding.program.discussions.exclude(activity="save_mentor"):
        authors = set(
            Post.objects.filter(
                cohort=onboarding, discussion=discussion, parent__isnull=True
            ).values_list("author", flat=True)
        )
        assert len(authors - {listener.pk}) >= 2, discussion.title
    again = seed_training(seed=1, anchor=timezone.now() + dt.timedelta(minutes=1))
    assert again.cohorts == 0
