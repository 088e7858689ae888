"""Training pages. Thin: look the object up and check the person's right to see it, then
read through ``selectors`` or write through ``services`` (which check everything again).

A program or cohort of the other age band answers exactly like a missing one (404); a
locked discussion is a 403 page that says what to finish first. Forms are POST-only; bad
input answers 400 with the reason and nothing saved. An htmx request gets the discussion's
activity partial back (or, on a refusal, the message, retargeted to the page's notice area
with ``HX-Retarget``); a plain post is redirected back with a flash message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from peerpath.accounts.http import signed_in_user
from peerpath.accounts.models import User
from peerpath.core.errors import NotFound, Refused
from peerpath.core.http import Back, View, is_htmx, refusals
from peerpath.core.ids import parse_db_id
from peerpath.training import policies, selectors, services
from peerpath.training.models import (
    NOTE_MAX_CHARS,
    POST_MAX_CHARS,
    Cohort,
    Discussion,
    Enrollment,
    Post,
    Program,
)

NO_SUCH_PROGRAM = "No such program."
NO_SUCH_DISCUSSION = "No such discussion."


def _refusals(*, back: Back) -> Callable[[View], View]:
    """Refusals answered by ``core.http``; to htmx, the message in the page's notice area."""
    return refusals(back=back, partial="training/_outcome.html", retarget="#training-notice")


def _to_program(request: HttpRequest, program_slug: str, **_: object) -> str:
    return reverse("training:program", kwargs={"program_slug": program_slug})


def _to_discussion(request: HttpRequest, program_slug: str, position: int) -> str:
    return reverse(
        "training:discussion", kwargs={"program_slug": program_slug, "position": position}
    )


def _post_url(post: Post, *, cohort: bool = False) -> str:
    """The discussion page of ``post`` (``cohort``: showing the post's cohort)."""
    disc = post.discussion
    url = reverse(
        "training:discussion",
        kwargs={"program_slug": disc.program.slug, "position": disc.position},
    )
    return f"{url}?cohort={post.cohort_id}" if cohort else url


def _program(user: User, slug: str) -> Program:
    program = Program.objects.select_related("training").filter(slug=slug).first()
    if program is None or not policies.can_see_program(user, program):
        raise NotFound(NO_SUCH_PROGRAM)
    return program


def _discussion(program: Program, position: int) -> Discussion:
    discussion = program.discussions.filter(position=position).first()
    if discussion is None:
        raise NotFound(NO_SUCH_DISCUSSION)
    discussion.program = program
    return discussion


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    now = timezone.now()
    band = policies.band_of(user, now)
    enrolled = {e.program_id: e for e in selectors.enrollments_of(user)}
    rows = []
    for program in selectors.programs_for(user, now):
        enrollment = enrolled.get(program.pk)
        states = selectors.progress(enrollment) if enrollment else []
        rows.append(
            {
                "program": program,
                "enrollment": enrollment,
                "done": sum(1 for s in states if s.complete),
                "total": len(states),
                "cohorts": [] if enrollment else selectors.open_cohorts(program, band, now),
            }
        )
    return TemplateResponse(request, "training/index.html", {"rows": rows, "band": band})


@require_safe
@login_required
def program(request: HttpRequest, program_slug: str) -> HttpResponse:
    user = signed_in_user(request)
    now = timezone.now()
    prog = _program(user, program_slug)
    enrollment = selectors.enrollment_in(user, prog)
    discussions = selectors.discussions_of(prog)
    states = selectors.progress(enrollment, discussions) if enrollment else []
    context = {
        "program": prog,
        "enrollment": enrollment,
        "discussions": discussions,
        "states": states,
        "done": sum(1 for s in states if s.complete),
        "cohorts": [] if enrollment else selectors.open_cohorts(prog, policies.band_of(user), now),
        "facilitated": selectors.cohorts_facilitated(user, prog),
    }
    return TemplateResponse(request, "training/program.html", context)


def _cohort_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("cohort", "")
    if not raw:
        return None
    cohort_id = parse_db_id(raw)
    if cohort_id is None:
        raise NotFound(policies.NO_SUCH_COHORT)
    return cohort_id


def _activity_context(
    user: User, prog: Program, disc: Discussion, cohort_id: int | None = None
) -> dict[str, Any]:
    """Everything the discussion page and its htmx partial show, or a refusal. ``cohort_id``
    selects a cohort the person facilitates; by default, their own cohort."""
    now = timezone.now()
    enrollment = selectors.enrollment_in(user, prog)
    cohort: Cohort | None = None
    facilitating = False
    if cohort_id is not None and not (enrollment and enrollment.cohort_id == cohort_id):
        cohort = Cohort.objects.filter(pk=cohort_id, program=prog).first()
        if cohort is None or not policies.can_see_cohort(user, cohort, now):
            raise NotFound(policies.NO_SUCH_COHORT)
        ids = selectors.facilitator_ids(cohort)
        if not policies.can_facilitate(user, cohort, facilitator_ids=ids, at=now):
            raise NotFound(policies.NO_SUCH_COHORT)  # another cohort's posts are invisible
        facilitating = True
        enrollment = None
    elif enrollment is not None:
        cohort = enrollment.cohort
        if not policies.can_see_cohort(user, cohort, now):
            raise NotFound(policies.NO_SUCH_COHORT)
        ids = selectors.facilitator_ids(cohort)
        facilitating = bool(policies.can_facilitate(user, cohort, facilitator_ids=ids, at=now))
    states = selectors.progress(enrollment) if enrollment else []
    step = next((s for s in states if s.discussion.pk == disc.pk), None)
    if step is not None and step.locked:
        raise Refused(step.lock.reason, status=403)
    feed = selectors.cohort_feed(cohort, disc) if cohort is not None else []
    return {
        "program": prog,
        "discussion": disc,
        "enrollment": enrollment,
        "cohort": cohort,
        "facilitating": facilitating,
        "step": step,
        "states": states,
        "feed": feed,
        "program_complete": bool(enrollment and enrollment.completed_at),
        "max_chars": POST_MAX_CHARS,
        "note_max_chars": NOTE_MAX_CHARS,
        "open_cohorts": (
            []
            if enrollment or facilitating
            else selectors.open_cohorts(prog, policies.band_of(user), now)
        ),
    }


@require_safe
@login_required
@_refusals(back=_to_program)
def discussion(request: HttpRequest, program_slug: str, position: int) -> HttpResponse:
    user = signed_in_user(request)
    prog = _program(user, program_slug)
    disc = _discussion(prog, position)
    context = _activity_context(user, prog, disc, _cohort_param(request))
    template = "training/_activity.html" if is_htmx(request) else "training/discussion.html"
    return TemplateResponse(request, template, context)


def _after_post(
    request: HttpRequest,
    user: User,
    prog: Program,
    disc: Discussion,
    posted: services.Posted,
    notice: str,
) -> HttpResponse:
    if posted.program_complete:
        notice += f" You completed {prog.name}!"
    elif posted.step_complete:
        notice += " This discussion is complete."
    url = reverse(
        "training:discussion", kwargs={"program_slug": prog.slug, "position": disc.position}
    )
    if posted.screening.resources or is_htmx(request):
        context = _activity_context(user, prog, disc)
        context.update(notice=notice, resources=posted.screening.resources)
        template = "training/_activity.html" if is_htmx(request) else "training/discussion.html"
        return TemplateResponse(request, template, context)
    messages.success(request, notice)
    return redirect(url)


@require_POST
@login_required
@_refusals(back=_to_discussion)
def answer(request: HttpRequest, program_slug: str, position: int) -> HttpResponse:
    user = signed_in_user(request)
    prog = _program(user, program_slug)
    disc = _discussion(prog, position)
    posted = services.post_answer(author=user, discussion=disc, body=request.POST.get("body"))
    return _after_post(request, user, prog, disc, posted, "Your answer is posted.")


def _post(post_id: int) -> Post:
    post = Post.objects.select_related("discussion__program", "cohort").filter(pk=post_id).first()
    if post is None:
        raise NotFound(policies.NO_SUCH_POST)
    return post


@require_POST
@login_required
@_refusals(back=lambda request, post_id: _post_url(_post(post_id)))
def reply(request: HttpRequest, post_id: int) -> HttpResponse:
    user = signed_in_user(request)
    parent = _post(post_id)
    prog, disc = parent.discussion.program, parent.discussion
    posted = services.reply_to_post(author=user, post_id=post_id, body=request.POST.get("body"))
    notice = f"Your reply to {parent.author} is posted."
    return _after_post(request, user, prog, disc, posted, notice)


@require_POST
@login_required
@_refusals(back=lambda request, post_id: _post_url(_post(post_id), cohort=True))
def reject(request: HttpRequest, post_id: int) -> HttpResponse:
    user = signed_in_user(request)
    post = _post(post_id)
    prog, disc = post.discussion.program, post.discussion
    url = _post_url(post, cohort=True)
    services.reject_post(actor=user, post_id=post_id, note=request.POST.get("note"))
    notice = "The post is marked as not meeting the activity; its author has been told."
    if is_htmx(request):
        context = _activity_context(user, prog, disc, post.cohort_id)
        context["notice"] = notice
        return TemplateResponse(request, "training/_activity.html", context)
    messages.success(request, notice)
    return redirect(url)


@require_POST
@login_required
@_refusals(back="training:index")
def join(request: HttpRequest, cohort_id: int) -> HttpResponse:
    user = signed_in_user(request)
    enrollment: Enrollment = services.join_cohort(user=user, cohort_id=cohort_id)
    messages.success(request, f"Welcome to {enrollment.cohort.name}!")
    return redirect("training:program", program_slug=enrollment.program.slug)


@require_safe
@login_required
def mentors(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    context = {
        "mentors": list(selectors.mentors_to_save(user)),
        "saved": selectors.saved_mentor_ids(user),
    }
    return TemplateResponse(request, "training/mentors.html", context)


@require_POST
@login_required
@_refusals(back="training:mentors")
def save_mentor(request: HttpRequest, username: str) -> HttpResponse:
    user = signed_in_user(request)
    saved = services.save_mentor(user=user, mentor_username=username)
    notice = f"You saved {saved.mentor}."
    if is_htmx(request):
        return TemplateResponse(request, "training/_outcome.html", {"ok": True, "message": notice})
    messages.success(request, notice)
    return redirect("training:mentors")
