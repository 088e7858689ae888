"""Screening writers for training: an answer in a teen cohort without facilitators (the
designed fallback: nobody to tell but the staff queue)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model

from peerpath.training import services
from peerpath.training.tests.factories import discussion, make_cohort, trainee


def answer(text: str) -> Model:
    cohort = make_cohort(band="teen")
    return services.post_answer(author=trainee(cohort), discussion=discussion(), body=text).post


WRITERS: dict[str, Callable[[str], Model]] = {
    "training.Post.body": answer,
}
