"""Writes of applications for a role by application: applying (screened), the reviewers'
decision (an approval grants the role at once) and withdrawing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.core.text import clean_text
from peerpath.progression import policies
from peerpath.progression.models import (
    Achievement,
    Application,
    ApplicationStatus,
    Award,
    AwardSource,
    AwardState,
)
from peerpath.progression.selectors.awards import display_name, path_for
from peerpath.progression.services import notices
from peerpath.progression.services.awards import grant_award
from peerpath.safety import services as safety
from peerpath.safety.models import Channel


@dataclass(frozen=True, slots=True)
class Applied:
    application: Application
    screening: safety.Screening  # help for the applicant when the statement holds crisis language


@transaction.atomic
def apply_for_role(
    *, user: User, achievement: Achievement, statement: str, track: str = ""
) -> Applied:
    """An eligible person applies for a role. Refused (nothing saved) when the role is not
    open to applications, is for the other age band, is already held or applied for, or a
    criterion is unmet (the message lists what is missing).

    The statement is screened. Its readers are whichever reviewers open the queue, none of
    them responsible for the applicant, so a hit goes to the staff queue."""
    statement = clean_text(statement, what="statement", max_chars=1500, required=False)
    if not 20 <= len(statement) <= 1500:
        raise Refused("Write a short statement of 20 to 1,500 characters about why you apply.")
    if achievement.tracks and track not in achievement.tracks:
        raise Refused("Choose one of the role's tracks.")
    if not achievement.tracks and track:
        raise Refused("This role has no tracks.")
    path = path_for(user, only=[achievement.slug])
    item = path.item(achievement.slug)
    Refused.unless(policies.can_apply(user, achievement, item), status=400)
    if Application.objects.filter(
        user=user, achievement=achievement, status=ApplicationStatus.PENDING
    ).exists():
        raise Conflict("You have already applied for this role; the review is pending.")
    application = Application(user=user, achievement=achievement, statement=statement, track=track)
    application.full_clean()
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:
        raise Conflict("You have already applied for this role; the review is pending.") from exc
    space = safety.Space(
        channel=Channel.PROGRESSION,
        where=f"Application for {achievement.name}",
        url=reverse("progression-reviews"),
    )
    screening = safety.screen(writer=user, text=statement, space=space, source=application)
    return Applied(application, screening)


@transaction.atomic
def decide_application(
    *, application: Application, reviewer: User, approve: bool, note: str = ""
) -> Application:
    """A Mentor Leader or staff member approves (the role is granted at once) or declines
    (with a note the applicant sees)."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("achievement", "user")
        .get(pk=application.pk)
    )
    decision = policies.can_review(reviewer, application)
    if not decision:
        raise (NotFound if decision.reason == policies.NOT_FOUND else Forbidden)(decision.reason)
    if application.status != ApplicationStatus.PENDING:
        raise Conflict(f"This application was already {application.get_status_display().lower()}.")
    note = note.strip()
    if not approve and not note:
        raise Refused("Add a note for the applicant when declining: what to work on next.")
    if len(note) > 1500:
        raise Refused("Keep the note under 1,500 characters.")
    now = timezone.now()
    application.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.DECLINED
    application.reviewer = reviewer
    application.review_note = note
    application.decided_at = now
    application.save(
        update_fields=["status", "reviewer", "review_note", "decided_at", "updated_at"]
    )
    name = display_name(application.achievement, application.user)
    tell = notices.approved if approve else notices.declined
    notices.send([tell(application.user_id, name, note=note)])
    if approve:
        held = Award.objects.filter(
            user=application.user, achievement=application.achievement, state=AwardState.ACTIVE
        ).exists()
        if not held:
            grant_award(
                user=application.user,
                achievement=application.achievement,
                source=AwardSource.APPLICATION,
                reasons=f"Application approved by {reviewer}." + (f" {note}" if note else ""),
                actor=reviewer,
                track=application.track,
                at=now,
            )
    return application


@transaction.atomic
def withdraw_application(*, application: Application, user: User) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.user_id != user.pk:
        raise NotFound("No such application.")
    if application.status != ApplicationStatus.PENDING:
        raise Conflict("Only a pending application can be withdrawn.")
    application.status = ApplicationStatus.WITHDRAWN
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_at", "updated_at"])
    return application
