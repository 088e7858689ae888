"""Test helpers: cohorts of the seeded programs, trainees enrolled through the service."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.tests.factories import UserFactory
from peerpath.training import services
from peerpath.training.models import Cohort, Discussion, Enrollment, Post, Program

_n = itertools.count(1)


def program(slug: str = "group-support-leadership") -> Program:
    return Program.objects.select_related("training").get(slug=slug)


def discussion(slug: str = "group-support-leadership", position: int = 1) -> Discussion:
    return Discussion.objects.select_related("program").get(program__slug=slug, position=position)


def make_cohort(
    slug: str = "group-support-leadership",
    *,
    band: str = "adult",
    facilitators: tuple[User, ...] = (),
    **kwargs: Any,
) -> Cohort:
    cohort = Cohort.objects.create(
        program=program(slug),
        name=kwargs.pop("name", f"Cohort {next(_n)}"),
        band=band,
        opens_at=kwargs.pop("opens_at", timezone.now() - dt.timedelta(days=1)),
        **kwargs,
    )
    cohort.facilitators.set(facilitators)
    return cohort


def trainee(cohort: Cohort, **kwargs: Any) -> User:
    user: User = UserFactory.create(teen=cohort.band == "teen", listener=True, **kwargs)
    services.join_cohort(user=user, cohort_id=cohort.pk)
    return user


def enrollment_of(user: User, cohort: Cohort) -> Enrollment:
    return Enrollment.objects.select_related("program__training", "cohort", "user").get(
        user=user, cohort=cohort
    )


def answer(user: User, disc: Discussion, body: str = "My three highs and lows.") -> Post:
    return services.post_answer(author=user, discussion=disc, body=body).post


def reply(user: User, post: Post, body: str = "Thank you for sharing this.") -> Post:
    return services.reply_to_post(author=user, post_id=post.pk, body=body).post


def complete_post_and_reply(user: User, disc: Discussion, peers: list[Post]) -> None:
    """``user`` answers ``disc`` and replies to each of ``peers`` (answers by others)."""
    answer(user, disc)
    for post in peers:
        reply(user, post)
