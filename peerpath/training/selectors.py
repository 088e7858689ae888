"""Reads of the training app: programs and cohorts a person may see, a trainee's progress
through a program (computed from posts, a few queries whatever its length), a cohort's feed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.models import User
from peerpath.core.decisions import Decision
from peerpath.mentorship.selectors import directory as mentor_directory
from peerpath.training import policies
from peerpath.training.models import (
    ActivityType,
    Cohort,
    Discussion,
    Enrollment,
    Post,
    Program,
    SavedMentor,
)


def programs_for(user: User, at: dt.datetime | None = None) -> list[Program]:
    """Active programs that fit the person's band (staff: every program)."""
    programs = Program.objects.select_related("training").order_by("sort_order", "name")
    if account_policies.is_staff_member(user):
        return list(programs)
    band = policies.band_of(user, at)
    return [p for p in programs.filter(is_active=True) if policies.program_fits_band(p, band)]


def enrollments_of(user: User) -> list[Enrollment]:
    return list(
        Enrollment.objects.filter(user=user)
        .select_related("program", "cohort")
        .order_by("program__sort_order", "program__name")
    )


def enrollment_in(user: User, program: Program) -> Enrollment | None:
    return (
        Enrollment.objects.filter(user=user, program=program)
        .select_related("cohort", "program__training", "user")
        .first()
    )


def open_cohorts(program: Program, band: str | None, at: dt.datetime | None = None) -> list[Cohort]:
    if band is None:
        return []
    at = at or timezone.now()
    return list(
        Cohort.objects.filter(program=program, band=band, opens_at__lte=at)
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=at))
        .order_by("-opens_at", "pk")
    )


def facilitator_ids(cohort: Cohort) -> set[int]:
    return set(cohort.facilitators.values_list("pk", flat=True))


def cohorts_facilitated(user: User, program: Program) -> list[Cohort]:
    """Cohorts of ``program`` that ``user`` may facilitate (staff: all of them)."""
    qs = Cohort.objects.filter(program=program).order_by("band", "-opens_at", "pk")
    if not account_policies.is_staff_member(user):
        if not policies.holds_leadership_role(user):
            return []
        qs = qs.filter(facilitators=user, band=policies.band_of(user))
    return list(qs)


def discussions_of(program: Program) -> list[Discussion]:
    return list(program.discussions.order_by("position"))


@dataclass
class StepState:
    discussion: Discussion
    complete: bool = False
    answered: bool = False
    peers: list[str] = field(default_factory=list)  # usernames replied to (distinct, sorted)
    rejected: list[Post] = field(default_factory=list)  # this trainee's rejected posts
    saved_mentor: bool = False
    lock: Decision = field(default_factory=Decision.allow)

    @property
    def position(self) -> int:
        return self.discussion.position

    @property
    def needed(self) -> int:
        return self.discussion.min_replies

    @property
    def locked(self) -> bool:
        return not self.lock

    @property
    def peers_count(self) -> int:
        return min(len(self.peers), self.needed)

    @property
    def reopened(self) -> bool:
        return bool(self.rejected) and not self.complete


def progress(
    enrollment: Enrollment, discussions: list[Discussion] | None = None
) -> list[StepState]:
    """The trainee's state in every discussion, in order, with locks. A step is complete when
    the trainee has a non-rejected answer and non-rejected replies to the answers of at least
    ``min_replies`` distinct other trainees of the cohort (save-a-mentor steps: a saved
    mentor). Three queries (+1 when the program has a save-a-mentor step)."""
    discussions = discussions if discussions is not None else discussions_of(enrollment.program)
    trainees = set(
        Enrollment.objects.filter(cohort_id=enrollment.cohort_id).values_list("user_id", flat=True)
    )
    states = {d.pk: StepState(discussion=d) for d in discussions}
    peers: dict[int, set[str]] = defaultdict(set)
    posts = Post.objects.filter(cohort_id=enrollment.cohort_id, author_id=enrollment.user_id)
    for post in posts.select_related("parent__author").order_by("created_at", "pk"):
        state = states.get(post.discussion_id)
        if state is None:
            continue
        if post.rejected_at is not None:
            state.rejected.append(post)
            continue
        if post.parent is None:
            state.answered = True
            continue
        peer = post.parent.author
        if peer.pk != enrollment.user_id and peer.pk in trainees and post.parent.parent_id is None:
            peers[post.discussion_id].add(peer.username)
    saved = False
    if any(d.activity == ActivityType.SAVE_MENTOR for d in discussions):
        saved = SavedMentor.objects.filter(user_id=enrollment.user_id).exists()
    out = []
    for d in discussions:
        state = states[d.pk]
        state.peers = sorted(peers[d.pk])
        if d.activity == ActivityType.SAVE_MENTOR:
            state.saved_mentor = saved
            state.complete = saved
        else:
            state.complete = state.answered and len(state.peers) >= d.min_replies
        out.append(state)
    facts = [policies.StepFacts(s.position, s.discussion.title, s.complete) for s in out]
    for state in out:
        state.lock = policies.step_lock(facts, state.position)
    return out


def is_program_complete(states: list[StepState]) -> bool:
    return bool(states) and all(s.complete for s in states)


def cohort_feed(cohort: Cohort, discussion: Discussion) -> list[Post]:
    """The answers posted in ``discussion`` by ``cohort``, oldest first, each with its replies
    (``post.replies.all()`` prefetched with authors): three queries."""
    replies = Post.objects.select_related("author", "rejected_by").order_by("created_at", "pk")
    return list(
        Post.objects.filter(cohort=cohort, discussion=discussion, parent__isnull=True)
        .select_related("author", "rejected_by")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "pk")
    )


def mentors_to_save(viewer: User, *, limit: int = 50) -> QuerySet[User]:
    """Mentors the viewer may see (the mentor directory's own rule), by name."""
    return mentor_directory.mentors_visible_to(viewer).order_by("username")[:limit]


def saved_mentor_ids(user: User) -> set[int]:
    return set(SavedMentor.objects.filter(user=user).values_list("mentor_id", flat=True))
