"""Writes: drafting, editing and publishing spotlights. Keyword-only, atomic; refusals are
``core.errors`` with a sentence for the person, and nothing is saved when refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.policies import is_staff_member
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.core.text import clean_text
from peerpath.safety import services as safety
from peerpath.safety.models import Channel
from peerpath.spotlights import policies
from peerpath.spotlights.models import (
    ANSWER_MAX_CHARS,
    INTRO_MAX_CHARS,
    MAX_ANSWERS,
    QUESTION_MAX_CHARS,
    TITLE_MAX_CHARS,
    Spotlight,
    SpotlightAnswer,
    SpotlightBand,
    SpotlightKind,
    SpotlightStatus,
)

SOURCE = "spotlights"
TEXT_FIELDS = ("title", "intro")


@dataclass(frozen=True, slots=True)
class SpotlightSaved:
    spotlight: Spotlight
    screening: safety.Screening  # help for the writer when the texts hold crisis language


def screen_spotlight(
    *,
    writer: User,
    spotlight: Spotlight,
    fields: Sequence[str] = TEXT_FIELDS,
    answers: Iterable[SpotlightAnswer] = (),
) -> safety.Screening:
    """Screen what ``writer`` just saved: the spotlight's ``fields`` that changed, then each
    new or changed answer row (question and answer), up to the first hit (one alert per
    save). The community reads spotlights; staff answer for them (the staff queue). The
    pages and the admin both call this, inside their transaction."""
    space = safety.Space(
        channel=Channel.SPOTLIGHT,
        where=f"Spotlight “{spotlight.title}”",
        url=spotlight.get_absolute_url(),
    )
    texts = [str(getattr(spotlight, f)) for f in TEXT_FIELDS if f in fields]
    screening = safety.screen(writer=writer, text=texts, space=space, source=spotlight)
    for row in answers:
        if screening.flagged:
            break
        screening = safety.screen(
            writer=writer, text=[row.question, row.answer], space=space, source=row
        )
    return screening


def _band_label(band: str) -> str:
    return "teens" if band == SpotlightBand.TEEN else "adults"


def _check_month_free(*, band: str, month: dt.date, exclude_id: int | None = None) -> None:
    rows = Spotlight.objects.published().filter(
        kind=SpotlightKind.MENTOR_OF_MONTH, band=band, month=month
    )
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    taken = rows.select_related("mentor").first()
    if taken is not None:
        raise Conflict(
            f"{taken.mentor.username} is already mentor of the month for "
            f"{_band_label(band)} in {month:%B %Y}. Choose another month, or make this an "
            "interview."
        )


def _clean(
    *,
    kind: str,
    month: dt.date | None,
    title: str,
    intro: str,
    answers: list[tuple[str, str]],
) -> tuple[dt.date | None, str, str, list[tuple[str, str]]]:
    if kind not in SpotlightKind.values:
        raise Refused("Choose the kind of spotlight.")
    if kind == SpotlightKind.MENTOR_OF_MONTH:
        if month is None:
            raise Refused("Choose the month for a mentor of the month.")
        month = month.replace(day=1)
    else:
        month = None
    title = clean_text(title, what="title", max_chars=TITLE_MAX_CHARS)
    intro = clean_text(intro, what="introduction", max_chars=INTRO_MAX_CHARS, required=False)
    cleaned: list[tuple[str, str]] = []
    for question, answer in answers:
        q = clean_text(question, what="question", max_chars=QUESTION_MAX_CHARS, required=False)
        a = clean_text(answer, what="answer", max_chars=ANSWER_MAX_CHARS, required=False)
        if a and not q:
            raise Refused("Every answer needs its question.")
        if q and a:
            cleaned.append((q, a))
    if not cleaned:
        raise Refused("Please answer at least one question.")
    if len(cleaned) > MAX_ANSWERS:
        raise Refused(f"A spotlight has at most {MAX_ANSWERS} questions.")
    return month, title, intro, cleaned


def _write_answers(spotlight: Spotlight, answers: list[tuple[str, str]]) -> list[SpotlightAnswer]:
    """Replace the answers; returns the rows whose question and answer are new."""
    before = set(spotlight.answers.values_list("question", "answer"))
    spotlight.answers.all().delete()
    rows = [
        SpotlightAnswer(spotlight=spotlight, position=n, question=q, answer=a)
        for n, (q, a) in enumerate(answers, start=1)
    ]
    for row in rows:
        row.full_clean(validate_unique=False, validate_constraints=False)
    SpotlightAnswer.objects.bulk_create(rows)
    return [row for row in rows if (row.question, row.answer) not in before]


@transaction.atomic
def draft_spotlight(
    *,
    actor: User,
    mentor: User,
    kind: str,
    month: dt.date | None,
    title: str,
    intro: str,
    answers: list[tuple[str, str]],
) -> SpotlightSaved:
    """A draft about ``mentor`` (a mentor drafts their own; staff draft for any mentor).
    Its texts are screened."""
    Forbidden.unless(policies.can_draft_for(actor, mentor))
    month, title, intro, cleaned = _clean(
        kind=kind, month=month, title=title, intro=intro, answers=answers
    )
    band = policies.band_of(mentor)
    if month is not None:
        _check_month_free(band=band, month=month)
    spotlight = Spotlight(
        mentor=mentor,
        kind=kind,
        month=month,
        title=title,
        intro=intro,
        band=band,
        drafted_by=actor,
    )
    spotlight.full_clean(validate_constraints=False)
    spotlight.save()
    new_rows = _write_answers(spotlight, cleaned)
    return SpotlightSaved(
        spotlight, screen_spotlight(writer=actor, spotlight=spotlight, answers=new_rows)
    )


def _locked(actor: User, spotlight_id: int) -> Spotlight:
    spotlight = (
        Spotlight.objects.select_for_update(of=("self",))
        .select_related("mentor")
        .filter(pk=spotlight_id)
        .first()
    )
    if spotlight is None or not policies.can_see_spotlight(actor, spotlight):
        raise NotFound(policies.NOT_FOUND)
    return spotlight


@transaction.atomic
def update_spotlight(
    *,
    actor: User,
    spotlight_id: int,
    kind: str,
    month: dt.date | None,
    title: str,
    intro: str,
    answers: list[tuple[str, str]],
) -> SpotlightSaved:
    """Edit a spotlight; the texts that changed are screened."""
    spotlight = _locked(actor, spotlight_id)
    Forbidden.unless(policies.can_edit_spotlight(actor, spotlight))
    month, title, intro, cleaned = _clean(
        kind=kind, month=month, title=title, intro=intro, answers=answers
    )
    if month is not None:
        _check_month_free(band=spotlight.band, month=month, exclude_id=spotlight.pk)
    changed = [
        f
        for f, new in zip(TEXT_FIELDS, (title, intro), strict=True)
        if new != getattr(spotlight, f)
    ]
    spotlight.kind, spotlight.month, spotlight.title, spotlight.intro = kind, month, title, intro
    spotlight.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            spotlight.save()
    except IntegrityError as exc:  # a published mentor of the month just took the month
        raise Conflict("That month was just taken by another mentor of the month.") from exc
    new_rows = _write_answers(spotlight, cleaned)
    screening = screen_spotlight(
        writer=actor, spotlight=spotlight, fields=changed, answers=new_rows
    )
    return SpotlightSaved(spotlight, screening)


@transaction.atomic
def publish_spotlight(
    *, actor: User, spotlight_id: int, now: dt.datetime | None = None
) -> Spotlight:
    """Staff publish a draft; the mentor is told. One mentor of the month per band and
    month: a second is refused (409) with who holds the month."""
    spotlight = _locked(actor, spotlight_id)
    decision = policies.can_publish_spotlight(actor, spotlight)
    if not decision:  # staff asking twice is a state conflict; anyone else is forbidden
        raise (Conflict if is_staff_member(actor) else Forbidden)(decision.reason)
    if spotlight.month is not None:
        _check_month_free(band=spotlight.band, month=spotlight.month, exclude_id=spotlight.pk)
    spotlight.status = SpotlightStatus.PUBLISHED
    spotlight.published_by = actor
    spotlight.published_at = now or timezone.now()
    try:
        with transaction.atomic():
            spotlight.save(update_fields=["status", "published_by", "published_at", "updated_at"])
    except IntegrityError as exc:
        raise Conflict("That month was just taken by another mentor of the month.") from exc
    mentor_id, url, title = spotlight.mentor_id, spotlight.get_absolute_url(), spotlight.title
    transaction.on_commit(lambda: _notify_published(mentor_id, title, url))
    return spotlight


def _notify_published(mentor_id: int, title: str, url: str) -> None:
    from peerpath.notifications.services import notify

    notify(
        [mentor_id],
        "progression",
        "Your spotlight is published",
        f"“{title}” is now live for the community. Thank you for sharing your story.",
        url=url,
        source=SOURCE,
    )
