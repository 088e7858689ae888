"""Every write in mentoring. Keyword-only, atomic, policy-checked; refusals raise
``core.errors.Refused`` subclasses (a message for the person, a 4xx status) and write nothing.

Capacity is exact under races: any path that gives a mentor a new current mentee (accepting a
request, publishing a proposal) first takes a row lock on the mentor's ``MentorProfile``
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite runs every transaction ``IMMEDIATE``, which
serialises writers) and counts inside the lock. "One current mentorship per mentee" and "one
open request per pair" are database constraints, so a lost race surfaces as ``Conflict``.

Every text a person writes here is screened for crisis language inside the same transaction
(``peerpath.mentorship.screening``: where it was written and who responds); the services that
store such a text return a ``Written`` (or ``Posted``) carrying the ``Screening``, whose help
lines every answer (page, socket ack) shows the writer at once. Screening never blocks a write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.models import Topic, User
from peerpath.accounts.validators import validate_availability
from peerpath.activity.models import ActivityKind
from peerpath.activity.services import Ref, record_activity
from peerpath.core.aftercommit import after_commit
from peerpath.core.errors import Conflict, Forbidden, NotFound, RateLimited, Refused
from peerpath.core.idempotency import once
from peerpath.core.text import clean_client_id, clean_text
from peerpath.mentorship import notify, policies, realtime, screening, selectors
from peerpath.mentorship.models import (
    CURRENT_STATUSES,
    GOAL_MAX_CHARS,
    MAX_CAPACITY,
    MAX_RANKED_MENTORS,
    MESSAGE_MAX_CHARS,
    NOTE_MAX_CHARS,
    OPEN_TARGET_STATUSES,
    CheckIn,
    Conversation,
    ConversationKind,
    EndReason,
    Flag,
    FlagPriority,
    FlagTopic,
    MenteeProfile,
    MentorProfile,
    MentorRequest,
    Mentorship,
    MentorshipSettings,
    MentorshipSource,
    MentorshipStatus,
    Message,
    RequestStatus,
    RequestTarget,
    StaffTicket,
    TargetStatus,
    TicketStatus,
)
from peerpath.mentorship.screening import NOTHING, Screening, Written

OUTREACH_TEMPLATE = (
    "Hi {name}! I'm glad we've been matched. I'd love to find a time to talk. "
    "When are you usually free this week? A short chat here is a great start."
)


def _touch_mentor(user_id: int, at: dt.datetime) -> None:
    MentorProfile.objects.filter(pk=user_id).update(last_active_at=at)


def _lock_mentor(mentor_id: int) -> MentorProfile:
    profile = MentorProfile.objects.select_for_update().filter(pk=mentor_id).first()
    if profile is None:
        raise NotFound(policies.NOT_FOUND)
    return profile


def _lock_user(user_id: int) -> User:
    user: User = User.objects.select_for_update().get(pk=user_id)
    return user


# --- becoming a mentor --------------------------------------------------------------------


@transaction.atomic
def save_mentor_profile(
    *,
    user: User,
    capacity: int,
    specialties: Sequence[Topic],
    track_listeners: bool,
    track_group_i: bool,
    track_group_ii: bool,
    approach: str,
    availability: str | None = None,
) -> Written[MentorProfile]:
    Refused.unless(policies.may_mentor(user), status=403)
    if not 0 <= capacity <= MAX_CAPACITY:
        raise Refused(f"Capacity must be between 0 (paused) and {MAX_CAPACITY}.")
    if not (track_listeners or track_group_i or track_group_ii):
        raise Refused("Choose at least one mentoring track.")
    profile, _ = MentorProfile.objects.select_for_update().get_or_create(user=user)
    before = profile.approach
    profile.capacity = capacity
    profile.track_listeners = track_listeners
    profile.track_group_i = track_group_i
    profile.track_group_ii = track_group_ii
    profile.approach = clean_text(
        approach, what="“how I mentor” text", max_chars=NOTE_MAX_CHARS, required=False
    )
    profile.last_active_at = timezone.now()
    profile.full_clean()
    profile.save()
    found = NOTHING
    if profile.approach != before:  # an unchanged text was screened when it was written
        found = screening.screen(
            writer=user,
            source=profile,
            field="approach",
            at=profile.last_active_at,
            url=reverse("mentorship:mentor", args=[user.username]),
        )
    profile.specialties.set(list(specialties))
    if availability is not None:
        try:
            validate_availability(availability)
        except ValidationError as exc:
            raise Refused("The availability grid was not understood.") from exc
        user.profile.availability = availability
        user.profile.save(update_fields=["availability", "updated_at"])
    return Written(profile, found)


# --- requests -----------------------------------------------------------------------------


def _refuse(decision_reason: str) -> Refused:
    if decision_reason == policies.NOT_FOUND:
        return NotFound(decision_reason)
    return Refused(decision_reason, status=409 if "already" in decision_reason else 400)


@transaction.atomic
def request_mentors(*, mentee: User, mentors: Sequence[User], goal: str) -> Written[MentorRequest]:
    """Ask one mentor, or up to three in order: the first is asked now, the next only when
    the one before declines or lets the request expire."""
    now = timezone.now()
    goal = clean_text(goal, what="goal", max_chars=GOAL_MAX_CHARS, required=True)
    if not 1 <= len(mentors) <= MAX_RANKED_MENTORS:
        raise Refused(f"Choose between 1 and {MAX_RANKED_MENTORS} mentors.")
    if len({m.pk for m in mentors}) != len(mentors):
        raise Refused("Each mentor can appear only once in your list.")
    _lock_user(mentee.pk)  # serialises one mentee's double-submits
    cfg = selectors.community_settings()
    for mentor in mentors:
        facts = selectors.request_facts(mentee, mentor, cfg)
        decision = policies.can_request_mentor(mentee, mentor, facts, now)
        if not decision:
            raise _refuse(decision.reason)
    request = MentorRequest.objects.create(mentee=mentee, goal=goal)
    try:
        with transaction.atomic():
            RequestTarget.objects.bulk_create(
                [
                    RequestTarget(request=request, mentee=mentee, mentor=m, rank=rank)
                    for rank, m in enumerate(mentors, start=1)
                ]
            )
    except IntegrityError as exc:
        raise Conflict("You already have a request waiting with one of these mentors.") from exc
    found = screening.screen(writer=mentee, source=request, field="goal", at=now)
    profile, created = MenteeProfile.objects.select_for_update().get_or_create(
        user=mentee, defaults={"goal": goal}
    )
    changed = created or profile.goal != goal
    profile.goal = goal
    profile.opted_out_at = None
    profile.save(update_fields=["goal", "opted_out_at", "updated_at"])
    if changed:  # the goal mentors and matching read; the same words raise one help panel
        screening.screen(writer=mentee, source=profile, field="goal", at=now)
    _send_next(request, now, cfg)
    return Written(request, found)


def _send_next(request: MentorRequest, now: dt.datetime, cfg: MentorshipSettings) -> None:
    """Make the next queued mentor the one being asked, skipping anyone who can no longer
    take it; close the request when nobody is left."""
    for target in request.targets.filter(status=TargetStatus.QUEUED).select_related("mentor"):
        mentor = target.mentor
        ok = (
            policies.may_mentor(mentor, now)
            and account_policies.can_contact_privately(request.mentee, mentor, now)
            and not selectors.is_excluded_pair(request.mentee_id, mentor.pk)
        )
        if not ok:
            target.status = TargetStatus.CANCELLED
            target.save(update_fields=["status"])
            continue
        target.status = TargetStatus.PENDING
        target.sent_at = now
        target.expires_at = now + cfg.request_expiry
        target.save(update_fields=["status", "sent_at", "expires_at"])
        notify.notify(
            [mentor],
            "A listener asked you to mentor them",
            f"{request.mentee.username} would like you as their mentor. Their goal:\n\n"
            f"{request.goal}\n\nPlease accept or decline within {cfg.request_expiry_days} days.",
        )
        return
    request.status = RequestStatus.EXHAUSTED
    request.closed_at = now
    request.save(update_fields=["status", "closed_at", "updated_at"])
    notify.notify(
        [request.mentee],
        "Your mentor request",
        "None of the mentors you chose could take your request. We'll include you in the "
        "next matching round, or you can pick other mentors in the directory.",
    )


@transaction.atomic
def withdraw_request(*, mentee: User, request_id: int) -> MentorRequest:
    request = MentorRequest.objects.select_for_update().filter(pk=request_id, mentee=mentee).first()
    if request is None:
        raise NotFound("No such request.")
    if request.status != RequestStatus.OPEN:
        raise Conflict("This request is already closed.")
    now = timezone.now()
    request.status = RequestStatus.WITHDRAWN
    request.closed_at = now
    request.save(update_fields=["status", "closed_at", "updated_at"])
    request.targets.filter(status__in=OPEN_TARGET_STATUSES).update(status=TargetStatus.CANCELLED)
    return request


@transaction.atomic
def respond_to_request(
    *, mentor: User, target_id: int, accept: bool, reason: str = ""
) -> Written[Mentorship | None]:
    """Accept (the new mentorship) or decline (None, with the mentor's optional reason, which
    the listener reads)."""
    now = timezone.now()
    target = (
        RequestTarget.objects.select_for_update(of=("self",))
        .select_related("request", "mentee", "mentor")
        .filter(pk=target_id)
        .first()
    )
    if target is None or target.mentor_id != mentor.pk:
        raise NotFound("No such request.")
    decision = policies.can_answer_request(mentor, target)
    if not decision:
        raise Conflict(decision.reason)
    request = target.request
    reason = clean_text(reason, what="reason", max_chars=500, required=False)
    cfg = selectors.community_settings()
    _touch_mentor(mentor.pk, now)
    if not accept:
        target.status = TargetStatus.DECLINED
        target.responded_at = now
        target.decline_reason = reason
        target.save(update_fields=["status", "responded_at", "decline_reason"])
        found = screening.screen(
            writer=mentor,
            source=target,
            field="decline_reason",
            at=now,
            url=screening.admin_url(request),
        )
        notify.notify(
            [target.mentee],
            "Your mentor request",
            f"{mentor.username} can't take you on right now"
            + (f": “{reason}”" if reason else ".")
            + " We've passed your request on to the next mentor on your list, if any.",
        )
        _send_next(request, now, cfg)
        return Written(None, found)
    mentee = target.mentee
    if not account_policies.can_contact_privately(mentor, mentee, now):
        raise NotFound("No such request.")
    if selectors.is_excluded_pair(mentee.pk, mentor.pk):
        raise NotFound("No such request.")
    profile = _lock_mentor(mentor.pk)
    load = selectors.mentor_load(mentor.pk)
    if load >= profile.capacity:
        raise Conflict(
            "You're at capacity. Raise your capacity in mentor settings or decline the request."
        )
    mentorship = _start(
        mentor=mentor,
        mentee=mentee,
        source=MentorshipSource.REQUEST,
        status=MentorshipStatus.ACTIVE,
        goal=request.goal,
        now=now,
    )
    target.status = TargetStatus.ACCEPTED
    target.responded_at = now
    target.save(update_fields=["status", "responded_at"])
    request.status = RequestStatus.ACCEPTED
    request.closed_at = now
    request.save(update_fields=["status", "closed_at", "updated_at"])
    _close_other_requests(mentee.pk, now)
    notify.notify(
        [mentee],
        "You have a mentor",
        f"{mentor.username} accepted your request. Say hello in your mentorship space.",
    )
    return Written(mentorship)


def _start(
    *,
    mentor: User,
    mentee: User,
    source: MentorshipSource,
    status: MentorshipStatus,
    now: dt.datetime,
    goal: str = "",
    score: float | None = None,
    explanation: list[str] | None = None,
    proposal_expires_at: dt.datetime | None = None,
) -> Mentorship:
    try:
        with transaction.atomic():
            m = Mentorship.objects.create(
                mentor=mentor,
                mentee=mentee,
                source=source,
                status=status,
                goal=goal,
                score=score,
                explanation=explanation or [],
                started_at=now if status == MentorshipStatus.ACTIVE else None,
                proposal_expires_at=proposal_expires_at,
            )
    except IntegrityError as exc:
        raise Conflict(f"{mentee.username} already has a mentor.") from exc
    # The mentee's goal becomes the pair's: an active pair's mentor is told too. (Its writer
    # saw help when they wrote it; nobody here is its writer, so no help is returned.)
    screening.screen(writer=mentee, source=m, field="goal", at=now, m=m)
    return m


def _close_other_requests(mentee_id: int, now: dt.datetime) -> None:
    """A mentee with a mentor has nothing else to wait for."""
    open_ids = list(
        MentorRequest.objects.filter(mentee_id=mentee_id, status=RequestStatus.OPEN).values_list(
            "pk", flat=True
        )
    )
    if not open_ids:
        return
    RequestTarget.objects.filter(request_id__in=open_ids, status__in=OPEN_TARGET_STATUSES).update(
        status=TargetStatus.CANCELLED
    )
    MentorRequest.objects.filter(pk__in=open_ids).update(
        status=RequestStatus.CANCELLED, closed_at=now, updated_at=now
    )


def advance_requests(now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic step: remind mentors of waiting requests, expire unanswered ones and
    cascade each to the next mentor on the list. Each request moves in its own transaction."""
    now = now or timezone.now()
    cfg = selectors.community_settings()
    reminded = expired = 0
    remind_before = now - dt.timedelta(days=cfg.reminder_after_days)
    for target in RequestTarget.objects.filter(
        status=TargetStatus.PENDING,
        reminders_sent=0,
        sent_at__lte=remind_before,
        expires_at__gt=now,
    ).select_related("mentor", "mentee"):
        with transaction.atomic():
            updated = RequestTarget.objects.filter(
                pk=target.pk, status=TargetStatus.PENDING, reminders_sent=0
            ).update(reminders_sent=1)
            if updated:
                reminded += 1
                days_left = max((target.expires_at - now).days, 0) if target.expires_at else 0
                notify.notify(
                    [target.mentor],
                    "Reminder: a listener is waiting for your answer",
                    f"{target.mentee.username} asked you to mentor them. The request moves on "
                    f"in {days_left} day(s) if you don't answer.",
                )
    for target_id in RequestTarget.objects.filter(
        status=TargetStatus.PENDING, expires_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            due = (
                RequestTarget.objects.select_for_update(of=("self",))
                .select_related("request", "request__mentee")
                .filter(pk=target_id, status=TargetStatus.PENDING)
                .first()
            )
            if due is None:
                continue
            due.status = TargetStatus.EXPIRED
            due.responded_at = now
            due.save(update_fields=["status", "responded_at"])
            expired += 1
            _send_next(due.request, now, cfg)
    return {"reminded": reminded, "expired": expired}


# --- proposals (matching) -----------------------------------------------------------------


@transaction.atomic
def accept_proposal(*, mentor: User, mentorship_id: int) -> Mentorship:
    now = timezone.now()
    m = (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("mentee", "mentor")
        .filter(pk=mentorship_id)
        .first()
    )
    if m is None or m.mentor_id != mentor.pk:
        raise NotFound("No such proposal.")
    decision = policies.can_answer_proposal(mentor, m)
    if not decision:
        raise Conflict(decision.reason)
    if not account_policies.can_contact_privately(mentor, m.mentee, now):
        raise NotFound("No such proposal.")
    m.status = MentorshipStatus.ACTIVE
    m.started_at = now
    m.save(update_fields=["status", "started_at", "updated_at"])
    _touch_mentor(mentor.pk, now)
    _close_other_requests(m.mentee_id, now)
    notify.notify(
        [m.mentee],
        "You have a mentor",
        f"{mentor.username} accepted the match. Say hello in your mentorship space.",
    )
    return m


@transaction.atomic
def decline_proposal(*, mentor: User, mentorship_id: int, reason: str = "") -> Written[Mentorship]:
    now = timezone.now()
    m = Mentorship.objects.select_for_update().filter(pk=mentorship_id).first()
    if m is None or m.mentor_id != mentor.pk:
        raise NotFound("No such proposal.")
    decision = policies.can_answer_proposal(mentor, m)
    if not decision:
        raise Conflict(decision.reason)
    m.status = MentorshipStatus.DECLINED
    m.ended_at = now
    m.ended_by = mentor
    m.end_reason = EndReason.DECLINED
    m.end_note = clean_text(reason, what="reason", max_chars=500, required=False)
    m.save()
    _touch_mentor(mentor.pk, now)
    return Written(m, _screen_end_note(m, mentor, now))


def expire_proposals(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return Mentorship.objects.filter(
        status=MentorshipStatus.PROPOSED, proposal_expires_at__lte=now
    ).update(
        status=MentorshipStatus.DECLINED,
        ended_at=now,
        end_reason=EndReason.PROPOSAL_EXPIRED,
        updated_at=now,
    )


# --- ending and "I can't get in touch" ----------------------------------------------------


def _screen_end_note(m: Mentorship, writer: User, now: dt.datetime) -> Screening:
    """An end note (the other person reads it; the pair is over): the safeguarding team."""
    return screening.screen(writer=writer, source=m, field="end_note", at=now)


def _end(m: Mentorship, *, by: User | None, reason: EndReason, note: str, now: dt.datetime) -> None:
    was_active = m.status == MentorshipStatus.ACTIVE
    m.status = MentorshipStatus.ENDED if was_active else MentorshipStatus.DECLINED
    m.ended_at = now
    m.ended_by = by
    m.end_reason = reason
    m.end_note = note
    m.save()
    after_commit(
        lambda: realtime.broadcast_closed(m.pk, reason.label), what="mentorship chat broadcast"
    )


@transaction.atomic
def end_mentorship(
    *, actor: User, mentorship_id: int, reason: EndReason, note: str = ""
) -> Written[Mentorship]:
    now = timezone.now()
    m = (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("mentor", "mentee")
        .filter(pk=mentorship_id)
        .first()
    )
    if m is None or not policies.is_party(actor, m):
        raise NotFound("No such mentorship.")
    decision = policies.can_end(actor, m, reason)
    if not decision:
        raise (
            Conflict(decision.reason) if "ended" in decision.reason else Forbidden(decision.reason)
        )
    note = clean_text(note, what="note", max_chars=500, required=False)
    _end(m, by=actor, reason=reason, note=note, now=now)
    found = _screen_end_note(m, actor, now)
    other = m.mentee if actor.pk == m.mentor_id else m.mentor
    notify.notify(
        [other],
        "Your mentorship has ended",
        f"Your mentorship with {actor.username} has ended ({reason.label.lower()}).",
    )
    return Written(m, found)


@transaction.atomic
def request_rematch(*, user: User, mentorship_id: int, note: str = "") -> Written[Mentorship]:
    """“Unmatch me and find me a new match”: end, never rematch this pair, and put the user
    back into matching (a mentee becomes unmatched; a mentor's slot frees)."""
    ended = end_mentorship(
        actor=user, mentorship_id=mentorship_id, reason=EndReason.REMATCH, note=note
    )
    if user.pk == ended.obj.mentee_id:
        MenteeProfile.objects.update_or_create(user=user, defaults={"opted_out_at": None})
    return ended


@transaction.atomic
def mentor_unmatch_no_rematch(
    *, mentor: User, mentorship_id: int, note: str = ""
) -> Written[Mentorship]:
    """Mentors only: end, never rematch this pair, and take one slot off their capacity."""
    ended = end_mentorship(
        actor=mentor, mentorship_id=mentorship_id, reason=EndReason.MENTOR_NO_REMATCH, note=note
    )
    profile = _lock_mentor(mentor.pk)
    if profile.capacity > 0:
        profile.capacity -= 1
        profile.save(update_fields=["capacity", "updated_at"])
    return ended


@transaction.atomic
def leave_program(*, user: User, mentorship_id: int | None = None, note: str = "") -> Written[int]:
    """“Remove me from the program”: end every current mentorship, withdraw waiting
    requests, stop auto-pairing (and pause mentoring for a mentor). Returns how many ended."""
    now = timezone.now()
    note = clean_text(note, what="note", max_chars=500, required=False)
    ended = 0
    found = NOTHING
    for m in (
        Mentorship.objects.select_for_update(of=("self",))
        .filter(status__in=CURRENT_STATUSES)
        .filter(Q(mentor=user) | Q(mentee=user))
        .select_related("mentor", "mentee")
    ):
        _end(m, by=user, reason=EndReason.LEFT_PROGRAM, note=note, now=now)
        if not ended:  # the same words end every pair: one alert is enough
            found = _screen_end_note(m, user, now)
        other = m.mentee if user.pk == m.mentor_id else m.mentor
        notify.notify(
            [other],
            "Your mentorship has ended",
            f"{user.username} has left the mentoring program. We'll help you find a new match.",
        )
        ended += 1
    _close_other_requests(user.pk, now)
    MenteeProfile.objects.update_or_create(user=user, defaults={"opted_out_at": now})
    MentorProfile.objects.filter(pk=user.pk).update(capacity=0, updated_at=now)
    return Written(ended, found)


def outreach_text(mentorship: Mentorship, user: User) -> str:
    other = mentorship.mentee if user.pk == mentorship.mentor_id else mentorship.mentor
    return OUTREACH_TEMPLATE.format(name=other.username)


def send_outreach_template(*, user: User, mentorship_id: int) -> Message:
    """“I don't know how to reach out”: send the ready-made opening message in one click."""
    m = Mentorship.objects.select_related("mentor", "mentee").filter(pk=mentorship_id).first()
    if m is None or not policies.is_party(user, m):
        raise NotFound("No such mentorship.")
    return post_message(
        sender=user, mentorship_id=m.pk, body=outreach_text(m, user), client_id=""
    ).message


@transaction.atomic
def open_staff_ticket(
    *, user: User, body: str, mentorship_id: int | None = None, key: str = ""
) -> Written[StaffTicket]:
    """“I want to talk to staff”: a ticket staff see in the admin, and an e-mail to them.
    A resent form (same ``key``) answers the ticket already opened, telling nobody twice."""
    body = clean_text(body, what="message", max_chars=NOTE_MAX_CHARS, required=True)
    m = None
    if mentorship_id is not None:
        m = Mentorship.objects.filter(pk=mentorship_id).first()
        if m is None or not policies.is_party(user, m):
            raise NotFound("No such mentorship.")
    recent = StaffTicket.objects.filter(
        opened_by=user, created_at__gte=timezone.now() - dt.timedelta(hours=1)
    ).count()
    if recent >= 5:
        raise RateLimited("You've opened several tickets in the last hour. Staff will be in touch.")
    ticket, created = once(
        StaffTicket,
        author_field="opened_by",
        author=user,
        key=key,
        create=lambda: StaffTicket.objects.create(
            opened_by=user,
            mentorship=m,
            subject=f"Can't get in touch (mentorship #{m.pk})" if m else "Talk to staff",
            body=body,
            idempotency_key=key,
        ),
    )
    if not created:
        return Written(
            ticket,
            screening.replay(
                writer=user, text=[ticket.subject, ticket.body], source=ticket, at=timezone.now()
            ),
        )
    found = screening.screen(
        writer=user,
        source=ticket,
        field="body",
        text=[ticket.subject, ticket.body],
        at=ticket.created_at,
    )
    notify.notify_staff(
        f"New ticket #{ticket.pk}: {ticket.subject}",
        f"{user.username} asked to talk to staff. See the ticket in the admin.",
    )
    return Written(ticket, found)


@transaction.atomic
def close_tickets(*, actor: User, ticket_ids: Sequence[int]) -> int:
    """Staff close tickets (the admin's bulk action). Returns how many were open."""
    if not account_policies.is_staff_member(actor):
        raise Forbidden("Only staff can close tickets.")
    now = timezone.now()
    return StaffTicket.objects.filter(pk__in=list(ticket_ids), status=TicketStatus.OPEN).update(
        status=TicketStatus.CLOSED, closed_at=now, updated_at=now
    )


# --- chat ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Posted:
    """A chat message as stored, whether this call stored it, and the help for its writer."""

    message: Message
    created: bool
    screening: Screening = NOTHING


def post_message(*, sender: User, mentorship_id: int, body: str, client_id: str = "") -> Posted:
    """Persist a chat message (the caller acks only after this returns) and broadcast it on
    commit. Resending the same ``client_id`` returns the stored message, created=False.
    The text is screened in the same transaction: a mentee's crisis alerts their mentor and
    the safeguarding team, a mentor's the safeguarding team; the message is always stored."""
    now = timezone.now()
    client_id = clean_client_id(client_id)
    with transaction.atomic():
        m = Mentorship.objects.select_related("mentor", "mentee").filter(pk=mentorship_id).first()
        if m is None or not policies.is_party(sender, m):
            raise NotFound("No such mentorship.")
        Refused.unless(policies.can_chat(sender, m, now), status=403)
        # After the party check: a non-party learns nothing, not even that the text is bad.
        body = clean_text(body, what="message", max_chars=MESSAGE_MAX_CHARS, required=True)
        if client_id:
            existing = _resent(sender, client_id, m.pk)
            if existing is not None:
                return _posted_again(sender, existing, now)
        cfg = selectors.community_settings()
        recent = Message.objects.filter(
            sender=sender, created_at__gte=now - dt.timedelta(minutes=1)
        ).count()
        if recent >= cfg.messages_per_minute:
            raise RateLimited("You're sending messages very fast. Please wait a moment.")
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    mentorship=m, sender=sender, body=body, client_id=client_id, created_at=now
                )
        except IntegrityError:
            # The same client id arrived through another process a moment ago.
            existing = _resent(sender, client_id, m.pk) if client_id else None
            if existing is None:
                raise
            return _posted_again(sender, existing, now)
        field = "mentor_last_read" if sender.pk == m.mentor_id else "mentee_last_read"
        Mentorship.objects.filter(pk=m.pk).update(**{field: message.pk})
        if sender.pk == m.mentor_id:
            _touch_mentor(sender.pk, now)
        _count_chat_day(m, now)
        found = screening.screen(writer=sender, source=message, field="body", at=now, m=m)
        sender_name = sender.username
        after_commit(
            lambda: realtime.broadcast_message(message, sender_name),
            what="mentorship chat broadcast",
        )
    return Posted(message, True, found)


def _posted_again(sender: User, message: Message, now: dt.datetime) -> Posted:
    return Posted(
        message, False, screening.replay(writer=sender, text=message.body, source=message, at=now)
    )


def _resent(sender: User, client_id: str, mentorship_id: int) -> Message | None:
    """The message this sender already stored under ``client_id`` (a resend), if any."""
    existing = Message.objects.filter(sender=sender, client_id=client_id).first()
    if existing is not None and existing.mentorship_id != mentorship_id:
        raise Conflict("That message id was already used in another conversation.")
    return existing


def _count_chat_day(m: Mentorship, now: dt.datetime) -> None:
    """A (UTC) day on which both people wrote is one conversation, recorded once."""
    day = now.astimezone(dt.UTC).date()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    senders = set(
        Message.objects.filter(mentorship=m, created_at__gte=start, created_at__lte=now)
        .values_list("sender_id", flat=True)
        .distinct()
    )
    if not {m.mentor_id, m.mentee_id} <= senders:
        return
    if Conversation.objects.filter(mentorship=m, day=day, kind=ConversationKind.CHAT).exists():
        return
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                mentorship=m, kind=ConversationKind.CHAT, day=day, created_at=now
            )
    except IntegrityError:
        return  # the other side's message counted it a moment ago
    _record_conversation(m, conversation, now)


def _record_conversation(m: Mentorship, conversation: Conversation, at: dt.datetime) -> None:
    ref = Ref("mentorship.conversation", conversation.pk)
    for user in (m.mentor, m.mentee):
        record_activity(user=user, kind=ActivityKind.MENTOR_CONVERSATION, occurred_at=at, ref=ref)


@transaction.atomic
def mark_read(*, user: User, mentorship_id: int, up_to: int) -> int:
    """Move the user's read marker forward (never back, never past the last message)."""
    m = Mentorship.objects.select_for_update().filter(pk=mentorship_id).first()
    if m is None or not policies.is_party(user, m):
        raise NotFound("No such mentorship.")
    last_id = (
        Message.objects.filter(mentorship=m, id__lte=max(up_to, 0))
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )
    field = "mentor_last_read" if user.pk == m.mentor_id else "mentee_last_read"
    current = getattr(m, field)
    if last_id > current:
        setattr(m, field, last_id)
        m.save(update_fields=[field])
        after_commit(
            lambda: realtime.broadcast_read(m.pk, user.pk, last_id),
            what="mentorship chat broadcast",
        )
        return last_id
    return int(current)


# --- conversation log, check-ins, flags ---------------------------------------------------


def _party_mentorship(user: User, mentorship_id: int, *, active: bool = True) -> Mentorship:
    m = Mentorship.objects.select_related("mentor", "mentee").filter(pk=mentorship_id).first()
    if m is None or not policies.is_party(user, m):
        raise NotFound("No such mentorship.")
    if active:
        decision = policies.can_log(user, m)
        if not decision:
            raise Conflict(decision.reason)
    return m


@transaction.atomic
def log_conversation(
    *, user: User, mentorship_id: int, kind: str, day: dt.date, note: str = "", key: str = ""
) -> Written[Conversation]:
    """Either side logs a call, video or other conversation the chat can't see (once per
    form ``key``)."""
    m = _party_mentorship(user, mentorship_id)
    if kind not in (ConversationKind.CALL, ConversationKind.VIDEO, ConversationKind.OTHER):
        raise Refused("Choose call, video or other. Chat days are counted automatically.")
    now = timezone.now()
    today = timezone.localdate(now, timezone=user.tzinfo)
    if day > today:
        raise Refused("A conversation can't be logged for a future date.")
    started = (m.started_at or m.created_at).astimezone(user.tzinfo).date()
    if day < started - dt.timedelta(days=1):
        raise Refused("That date is before this mentorship began.")
    note = clean_text(note, what="note", max_chars=500, required=False)
    conversation, created = once(
        Conversation,
        author_field="logged_by",
        author=user,
        key=key,
        create=lambda: Conversation.objects.create(
            mentorship=m,
            kind=kind,
            day=day,
            note=note,
            logged_by=user,
            created_at=now,
            idempotency_key=key,
        ),
    )
    if not created:
        return Written(
            conversation,
            screening.replay(writer=user, text=conversation.note, source=conversation, at=now),
        )
    at = min(dt.datetime.combine(day, dt.time(12), tzinfo=user.tzinfo), now)
    _record_conversation(m, conversation, at)
    found = screening.screen(writer=user, source=conversation, field="note", at=now, m=m)
    return Written(conversation, found)


@transaction.atomic
def check_in(
    *, user: User, mentorship_id: int, rating: int, note: str = "", key: str = ""
) -> Written[CheckIn]:
    """A party's check-in (once per form ``key``)."""
    m = _party_mentorship(user, mentorship_id)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise Refused("Choose how it's going on a scale of 1 to 5.")
    note = clean_text(note, what="note", max_chars=NOTE_MAX_CHARS, required=False)
    now = timezone.now()
    item, created = once(
        CheckIn,
        author_field="author",
        author=user,
        key=key,
        create=lambda: CheckIn.objects.create(
            mentorship=m, author=user, rating=rating, note=note, created_at=now, idempotency_key=key
        ),
    )
    if not created:
        return Written(item, screening.replay(writer=user, text=item.note, source=item, at=now))
    record_activity(
        user=user,
        kind=ActivityKind.MENTOR_CHECK_IN,
        occurred_at=now,
        ref=Ref("mentorship.checkin", item.pk),
    )
    if user.pk == m.mentor_id:
        _touch_mentor(user.pk, now)
    found = screening.screen(writer=user, source=item, field="note", at=now, m=m)
    return Written(item, found)


@transaction.atomic
def raise_flag(
    *, user: User, mentorship_id: int, topic: str, priority: str, note: str = "", key: str = ""
) -> Written[Flag]:
    """A concern about the mentorship. Immediate flags e-mail every staff member at once.
    A resent form (same ``key``) answers the flag already raised and tells nobody twice."""
    m = _party_mentorship(user, mentorship_id, active=False)
    if topic not in FlagTopic.values:
        raise Refused("Choose what the concern is about.")
    if priority not in FlagPriority.values:
        raise Refused("Choose whether this needs attention now or can wait.")
    note = clean_text(note, what="note", max_chars=NOTE_MAX_CHARS, required=False)
    flag, created = once(
        Flag,
        author_field="raised_by",
        author=user,
        key=key,
        create=lambda: Flag.objects.create(
            mentorship=m,
            raised_by=user,
            topic=topic,
            priority=priority,
            note=note,
            idempotency_key=key,
        ),
    )
    if not created:
        return Written(
            flag, screening.replay(writer=user, text=flag.note, source=flag, at=timezone.now())
        )
    if priority == FlagPriority.IMMEDIATE:
        notify.notify_staff(
            f"IMMEDIATE flag #{flag.pk}: {flag.get_topic_display()}",
            f"{user.username} raised an immediate concern on mentorship #{m.pk}. "
            "Open the admin (Mentorship › Flags) now.",
        )
    # Addressed to staff (often about the other person): never told to the other party.
    found = screening.screen(writer=user, source=flag, field="note", at=timezone.now(), m=m)
    return Written(flag, found)


@transaction.atomic
def resolve_flag(*, actor: User, flag_id: int) -> Flag:
    if not account_policies.is_staff_member(actor):
        raise Forbidden("Only staff can resolve flags.")
    flag = Flag.objects.select_for_update().filter(pk=flag_id).first()
    if flag is None:
        raise NotFound("No such flag.")
    if flag.resolved_at is None:
        flag.resolved_at = timezone.now()
        flag.resolved_by = actor
        flag.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
    return flag


# --- safeguarding upkeep ------------------------------------------------------------------


def end_cross_band_mentorships(now: dt.datetime | None = None) -> int:
    """A teen who turns 18 leaves their teen mentorship (and vice versa): private spaces never
    cross bands. Exact and indexed thanks to ``User.adult_from``."""
    now = now or timezone.now()
    crossed = (
        Mentorship.objects.filter(status__in=CURRENT_STATUSES)
        .filter(
            Q(mentor__adult_from__lte=now, mentee__adult_from__gt=now)
            | Q(mentor__adult_from__gt=now, mentee__adult_from__lte=now)
        )
        .select_related("mentor", "mentee")
    )
    n = 0
    for m in crossed:
        with transaction.atomic():
            _end(m, by=None, reason=EndReason.AGED_OUT, note="", now=now)
            n += 1
    return n


# --- matching runs (auto-pairing and the staff screen) ------------------------------------
# Implemented next to their array loading in peerpath.mentorship.pairing; re-exported here so
# callers have one write API.
from peerpath.mentorship.pairing import (  # noqa: E402
    auto_pair,
    discard_run,
    publish_run,
    run_matching,
)

__all__ = ["auto_pair", "discard_run", "publish_run", "run_matching"]
