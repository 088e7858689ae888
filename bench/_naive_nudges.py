"""The baseline of bench/nudges.py: the same seeded rules decided one person at a time with
straightforward ORM queries (what a first version would do: for each person, for each rule,
ask the database). Staff-audience rules are left out (they are one summary per staff member).
Returns {(rule slug, user id, window): window}.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max

from peerpath.accounts.models import AccountType, User
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.mentorship.models import (
    CURRENT_STATUSES,
    CheckIn,
    Conversation,
    MenteeProfile,
    MentorRequest,
    Mentorship,
    MentorshipStatus,
    RequestStatus,
)
from peerpath.nudges.models import NudgeRule, NudgeSend
from peerpath.progression.models import Award, AwardState

D = dt.timedelta


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


def _last_contact(m: Mentorship, now: dt.datetime) -> dt.datetime:
    start = m.started_at or m.created_at
    c = CheckIn.objects.filter(mentorship=m, created_at__lte=now).aggregate(x=Max("created_at"))[
        "x"
    ]
    v = Conversation.objects.filter(mentorship=m, created_at__lte=now).aggregate(
        x=Max("created_at")
    )["x"]
    return max(t for t in (start, c, v) if t is not None)


def _pair_windows(rule: NudgeRule, p: dict[str, int], user: User, now: dt.datetime) -> list[str]:
    side = {"mentee": ["mentee"], "mentor": ["mentor"], "both": ["mentee", "mentor"]}[rule.audience]
    out: list[str] = []
    for role in side:
        for m in Mentorship.objects.filter(**{role: user}, status=MentorshipStatus.ACTIVE):
            if m.started_at is None or m.started_at > now:
                continue
            t = rule.trigger
            if t == "matched":
                a = D(days=p["after_days"])
                if now - a - D(days=p["grace_days"]) < m.started_at <= now - a:
                    out.append(f"m{m.pk}")
            elif t == "no_conversation":
                if (
                    m.started_at <= now - D(days=p["days"])
                    and not Conversation.objects.filter(mentorship=m, created_at__lte=now).exists()
                ):
                    out.append(f"m{m.pk}")
            elif t == "conversations_reached":
                n = p["count"]
                upto = Conversation.objects.filter(mentorship=m, created_at__lte=now).count()
                before = Conversation.objects.filter(
                    mentorship=m, created_at__lte=now - D(days=p["within_days"])
                ).count()
                if upto >= n > before:
                    out.append(f"m{m.pk}-{n}")
            elif t in ("chats_since_contact", "days_since_contact"):
                last = _last_contact(m, now)
                if t == "days_since_contact":
                    if last <= now - D(days=p["days"]):
                        out.append(f"m{m.pk}-{_stamp(last)}")
                else:
                    chats = ActivityEvent.objects.filter(
                        user_id=m.mentee_id,
                        kind=ActivityKind.ONE_TO_ONE_CHAT,
                        occurred_at__gt=last,
                        occurred_at__lte=now,
                    ).count()
                    if chats >= p["chats"]:
                        out.append(f"m{m.pk}-{_stamp(last)}")
    return out


def _person_windows(rule: NudgeRule, p: dict[str, int], user: User, now: dt.datetime) -> list[str]:
    t = rule.trigger
    if t == "joined":
        ok = now - D(days=p["within_days"]) < user.date_joined <= now - D(hours=p["after_hours"])
        return ["joined"] if ok and user.is_active else []
    if t == "no_mentor":
        if (
            user.account_type != AccountType.LISTENER
            or user.listener_since is None
            or user.listener_since > now - D(days=p["listener_days"])
            or user.listener_since <= now - D(days=p["within_days"])
            or Mentorship.objects.filter(mentee=user, status__in=CURRENT_STATUSES).exists()
            or MentorRequest.objects.filter(mentee=user, status=RequestStatus.OPEN).exists()
            or MenteeProfile.objects.filter(user=user, opted_out_at__isnull=False).exists()
        ):
            return []
        return [f"week-{now.astimezone(dt.UTC).strftime('%G-W%V')}"]
    if t == "request_pending":
        return [
            f"request-{r.pk}"
            for r in MentorRequest.objects.filter(
                mentee=user, status=RequestStatus.OPEN, created_at__lte=now - D(days=p["days"])
            )
        ]
    if t == "obligation_due":
        return [
            f"award-{a.pk}-{_stamp(a.obligation_due)}"
            for a in Award.objects.filter(
                user=user,
                state=AwardState.ACTIVE,
                obligation_due__gt=now,
                obligation_due__lte=now + D(days=p["days"]),
                achievement__obligation_training__isnull=False,
            )
            if a.obligation_due is not None
        ]
    return []


def naive_decisions(sample: list[int], now: dt.datetime) -> dict[tuple[str, int, str], str]:
    rules = [r for r in NudgeRule.objects.filter(is_active=True) if r.audience != "staff"]
    decided: dict[tuple[str, int, str], str] = {}
    for uid in sample:
        user = User.objects.get(pk=uid)
        mine: list[tuple[NudgeRule, Any]] = []
        for rule in rules:
            p = rule.merged_params()
            pair = rule.audience in ("mentee", "mentor", "both")
            windows = (_pair_windows if pair else _person_windows)(rule, p, user, now)
            ledger = list(NudgeSend.objects.filter(rule=rule, user=user))
            taken = {s.window for s in ledger}
            if rule.cap and len(ledger) >= rule.cap:
                continue
            if rule.cooldown_days:
                since = now - D(days=rule.cooldown_days)
                group = [rule.pk]
                if rule.group:
                    group = list(
                        NudgeRule.objects.filter(group=rule.group).values_list("pk", flat=True)
                    )
                if NudgeSend.objects.filter(
                    rule_id__in=group, user=user, created_at__gt=since
                ).exists() or any(r.pk in group for r, _ in mine):
                    continue
            fresh = sorted(w for w in windows if w not in taken)
            if rule.cooldown_days:
                fresh = fresh[:1]
            if rule.cap:
                fresh = fresh[: max(rule.cap - len(ledger), 0)]
            for w in fresh:
                decided[(rule.slug, uid, w)] = w
                mine.append((rule, w))
    return decided
