"""Writes of the progression app: awards one at a time (staff grants, approved
applications, revocations), applications and their review, staff edits of the rules, and
certificates. The batch (``progression/batch.py``) writes the same tables in bulk.

Every change to an award writes an ``AwardLog`` row with its reasons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts import services as account_services
from peerpath.accounts.models import User
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import Ref, record_activity
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.core.text import clean_text
from peerpath.progression import ladder, policies, selectors
from peerpath.progression.models import (
    Achievement,
    Application,
    ApplicationStatus,
    Award,
    AwardAction,
    AwardLog,
    AwardSource,
    AwardState,
    Certificate,
    CriteriaChange,
    GrantMode,
    Training,
    certificate_ids,
)
from peerpath.safety import services as safety
from peerpath.safety.models import Channel

TRAINING_REF = "progression.training"


def _sync_group(award: Award) -> None:
    """Keep the staff role (group) a ladder role carries in step with the award."""
    name = award.achievement.group_name
    if not name:
        return
    held = award.state == AwardState.ACTIVE
    account_services.set_role_members(
        role=name, add=[award.user] if held else [], remove=[] if held else [award.user]
    )


def _log(
    award: Award, action: AwardAction, reasons: str, *, at: dt.datetime, actor: User | None
) -> None:
    AwardLog.objects.create(
        user_id=award.user_id,
        achievement_id=award.achievement_id,
        action=action,
        at=at,
        reasons=reasons,
        actor=actor,
    )


@transaction.atomic
def grant_award(
    *,
    user: User,
    achievement: Achievement,
    source: AwardSource,
    reasons: str,
    actor: User | None = None,
    track: str = "",
    at: dt.datetime | None = None,
) -> Award:
    """Grant (or re-grant) an achievement. Sets the obligation deadline when the role has
    one and the training is not done yet, issues the certificate, syncs the staff group."""
    at = at or timezone.now()
    award = Award.objects.select_for_update().filter(user=user, achievement=achievement).first()
    if award is not None and award.state == AwardState.ACTIVE:
        raise Conflict(f"{user} already holds {achievement.name}.")
    if award is None:
        award = Award(user=user, achievement=achievement)
    award.state = AwardState.ACTIVE
    award.source = source
    award.granted_at = at
    award.changed_at = at
    award.below_since = None
    award.track = track
    award.obligation_due = None
    award.reminded_at = None
    if achievement.obligation_training_id and achievement.obligation_days:
        done = selectors.has_completed_training(user, achievement.obligation_training_id)
        if not done:
            award.obligation_due = at + dt.timedelta(days=achievement.obligation_days)
    award.save()
    _log(award, AwardAction.GRANTED, reasons, at=at, actor=actor)
    if achievement.certificate:
        # One certificate per award: a re-grant revalidates it (same link) as of now.
        updated = Certificate.objects.filter(award=award).update(
            issued_at=at, revoked_at=None, revoked_reason=""
        )
        if not updated:
            Certificate.objects.create(id=certificate_ids()[0], award=award, issued_at=at)
    _sync_group(award)
    return award


@transaction.atomic
def revoke_award(*, award: Award, actor: User, reason: str, at: dt.datetime | None = None) -> Award:
    """Staff take an award away (it is not given back automatically); its certificate then
    verifies as revoked."""
    Refused.unless(policies.can_manage_awards(actor), status=403)
    reason = reason.strip()
    if not reason:
        raise Refused("Say why the award is revoked; the holder will see it.")
    at = at or timezone.now()
    award = Award.objects.select_for_update().select_related("achievement", "user").get(pk=award.pk)
    if award.state == AwardState.REVOKED:
        raise Conflict("This award is already revoked.")
    award.state = AwardState.REVOKED
    award.changed_at = at
    award.save(update_fields=["state", "changed_at"])
    Certificate.objects.filter(award=award, revoked_at__isnull=True).update(
        revoked_at=at, revoked_reason=reason[:300]
    )
    _log(award, AwardAction.REVOKED, reason, at=at, actor=actor)
    _sync_group(award)
    return award


# --- Applications -------------------------------------------------------------------------


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
    path = selectors.path_for(user, only=[achievement.slug])
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


# --- Rules edited by staff ----------------------------------------------------------------


@transaction.atomic
def update_achievement(
    *, achievement: Achievement, changes: dict[str, Any], actor: User | None
) -> Achievement:
    """Apply a staff edit after validating the whole ladder with it (unknown kinds, negative
    counts, cycles in prerequisites are refused with the reason); record the change. An
    unsaved ``achievement`` is a new one (recorded with no "before")."""
    before = ladder.snapshot(achievement) if achievement.pk else None
    for field, value in changes.items():
        setattr(achievement, field, value)
    entries = [
        ladder.entry_of(a)
        for a in Achievement.objects.select_related("obligation_training").exclude(
            pk=achievement.pk
        )
    ]
    entries.append(ladder.entry_of(achievement))
    ladder.validate_definitions(entries, ladder.vocabulary())
    achievement.full_clean()
    achievement.save()
    after = ladder.snapshot(achievement)
    if after != before:
        CriteriaChange.objects.create(
            achievement=achievement, changed_by=actor, source="admin", before=before, after=after
        )
    return achievement


# --- Facts other apps report --------------------------------------------------------------


def record_training_completed(
    *, user: User, training: Training, at: dt.datetime | None = None
) -> None:
    """A training was completed: the fact that meets criteria and obligations (the batch and
    ``/path/`` read it). Safe to call twice."""
    record_activity(
        user=user,
        kind=ActivityKind.TRAINING_COMPLETED,
        occurred_at=at,
        ref=Ref(TRAINING_REF, training.pk),
    )


def automatic(achievement: Achievement) -> bool:
    return achievement.grant_mode == GrantMode.AUTOMATIC


__all__ = [
    "ValidationError",
    "apply_for_role",
    "decide_application",
    "grant_award",
    "record_training_completed",
    "revoke_award",
    "update_achievement",
    "withdraw_application",
]
