"""Writes of awards one at a time: grants (``grant_award``, which also issues the certificate
and keeps the role's staff group in step; by hand through ``grant_by_staff``, on approval
through ``services.applications``; many staff grants at once through
``grant_many_by_staff``), staff revocations (``revoke_award``), and the training completions
other apps report. The batch (``services/batch.py``) writes the same tables in bulk.

Every change to an award writes an ``AwardLog`` row with its reasons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from peerpath.accounts import role_groups
from peerpath.accounts.models import User
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import Ref, record_activity
from peerpath.core.errors import Conflict, Refused
from peerpath.progression import policies
from peerpath.progression.awarding import REVOCATION_DAYS
from peerpath.progression.facts import TRAINING_REF
from peerpath.progression.models import (
    Achievement,
    Award,
    AwardAction,
    AwardLog,
    AwardSource,
    AwardState,
    Certificate,
    Training,
    certificate_ids,
)
from peerpath.progression.selectors.awards import (
    completed_training,
    display_name,
    has_completed_training,
)
from peerpath.progression.services import notices


def _sync_group(award: Award) -> None:
    """Keep the staff role (group) a ladder role carries in step with the award."""
    name = award.achievement.group_name
    if not name:
        return
    held = award.state == AwardState.ACTIVE
    role_groups.set_ladder_role_members(
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
        done = has_completed_training(user, achievement.obligation_training_id)
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


def _staff_grant_reason(by: User, reason: str) -> str:
    """What every staff grant checks first: staff only (403), and a reason the holder reads."""
    Refused.unless(policies.can_manage_awards(by), status=403)
    reason = reason.strip()
    if not reason:
        raise Refused("Say why you grant it; the holder sees it in their history.")
    return reason


@transaction.atomic
def grant_by_staff(
    *,
    user: User,
    achievement: Achievement,
    by: User,
    reason: str,
    at: dt.datetime | None = None,
    track: str = "",
) -> Award:
    """Staff give someone an achievement by hand: the one way a staff-granted role that the
    ladder knows (``Achievement.group_name``, ``accounts.roles.LADDER_ROLES``: Moderator,
    Ambassador) is given. It is a held award like any other (source ``staff``; its tenure
    counts from ``at``), with its audit row, certificate and staff group; the batch never
    takes it away by criteria. Many at once: ``grant_many_by_staff``."""
    reason = _staff_grant_reason(by, reason)
    Refused.unless(policies.can_hold(user, achievement))
    award = grant_award(
        user=user,
        achievement=achievement,
        source=AwardSource.STAFF,
        reasons=reason,
        actor=by,
        track=track,
        at=at,
    )
    name = display_name(achievement, user)
    notices.send(
        [notices.changed(user.pk, name, "granted", kind=achievement.kind, why=f"Staff: {reason}")]
    )
    return award


@transaction.atomic
def grant_many_by_staff(
    *,
    achievement: Achievement,
    grants: Sequence[tuple[int, dt.datetime]],
    by: User,
    reason: str,
    tell: bool = True,
) -> list[Award]:
    """``grant_by_staff`` for many people at once, each ``(user id, granted at)``: a bulk
    variant because volume needs one (the demo seeder hands Moderator and Ambassador to
    thousands of generated people at its large size, and ``grant_by_staff`` costs about a
    dozen queries and a notice per person); here the cost is a fixed handful of queries.

    The same rules and rows: staff only with a reason, every person in the role's audience
    (else nothing is written and the refusal names them), a held award (source ``staff``,
    tenure from its own date), its ``AwardLog`` row, its certificate, the obligation's
    deadline, the role's group, and (``tell``) one notice each in one send. Only for people
    with no award of it yet (409 otherwise): a re-grant after a lapse or a revocation is
    ``grant_by_staff``'s."""
    reason = _staff_grant_reason(by, reason)
    when = dict(grants)
    if len(when) != len(grants):
        raise Refused("Each person can be granted it once.")
    people = {u.pk: u for u in User.objects.filter(pk__in=list(when))}
    if missing := sorted(set(when) - set(people)):
        raise Refused(f"No such people: {missing[:5]}.", status=404)
    for person in people.values():
        Refused.unless(policies.can_hold(person, achievement))
    have = Award.objects.filter(achievement=achievement, user_id__in=list(when))
    if have.exists():
        raise Conflict(
            f"{have.count()} of them have an award of {achievement.name} already: "
            "grant it again with grant_by_staff."
        )
    training, days = achievement.obligation_training_id, achievement.obligation_days
    trained = completed_training(list(when), training) if training and days else set()
    order = sorted(when)
    awards = Award.objects.bulk_create(
        [
            Award(
                user_id=pk,
                achievement=achievement,
                state=AwardState.ACTIVE,
                source=AwardSource.STAFF,
                granted_at=when[pk],
                changed_at=when[pk],
                obligation_due=(
                    when[pk] + dt.timedelta(days=days)
                    if training and days and pk not in trained
                    else None
                ),
            )
            for pk in order
        ]
    )
    AwardLog.objects.bulk_create(
        [
            AwardLog(
                user_id=pk,
                achievement=achievement,
                action=AwardAction.GRANTED,
                at=when[pk],
                reasons=reason,
                actor=by,
            )
            for pk in order
        ]
    )
    if achievement.certificate:
        Certificate.objects.bulk_create(
            [
                Certificate(id=cid, award=award, issued_at=award.granted_at)
                for cid, award in zip(certificate_ids(len(awards)), awards, strict=True)
            ]
        )
    if achievement.group_name:
        role_groups.set_ladder_role_members(role=achievement.group_name, add=order)
    if tell:
        why = f"Staff: {reason}"
        notices.send(
            [
                notices.changed(
                    pk,
                    display_name(achievement, people[pk]),
                    "granted",
                    kind=achievement.kind,
                    why=why,
                )
                for pk in order
            ]
        )
    return awards


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
    name = display_name(award.achievement, award.user)
    again = at + dt.timedelta(days=REVOCATION_DAYS)
    notices.send([notices.revoked(award.user_id, name, at=at, reason=reason, again=again)])
    return award


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
