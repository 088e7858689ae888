"""Triggers: *when* a nudge fires, each one set-based query over everyone.

A trigger turns (parameters, now) into the situations that call for a message: a person
(person triggers) or a mentorship pair (pair triggers), a *window* that names the occasion
(the ledger sends once per rule, person and window), and the template variables. No trigger
loops over people: each is one or two queries whatever the community's size, and every one
reads only data from before ``now`` (time-travel safe).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils.http import urlencode

from peerpath.accounts.models import AccountType, User
from peerpath.activity.models import ActivityEvent, ActivityKind
from peerpath.events.models import Event, EventStatus, RSVPStatus
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
from peerpath.progression.models import Award, AwardState


@dataclass(frozen=True)
class Param:
    default: int
    low: int
    high: int
    help: str


@dataclass(frozen=True)
class Found:
    """One occasion: who it concerns, its window and its variables."""

    window: str
    person: tuple[int, str] | None = None
    mentee: tuple[int, str] | None = None
    mentor: tuple[int, str] | None = None
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Trigger:
    kind: str
    label: str
    pair: bool  # about a mentorship pair (mentee/mentor/both/staff) or a person
    params: Mapping[str, Param]
    variables: tuple[str, ...]
    find: Callable[[Mapping[str, int], dt.datetime], Iterator[Found]]
    words: Callable[[Mapping[str, int]], str]  # the merged parameters in plain words
    # The mentorships table's filter that lists a pair trigger's occasions for staff.
    staff_filter: Callable[[Mapping[str, int]], dict[str, str]] | None = None

    def merge(self, given: Any) -> dict[str, int]:
        """The rule's parameters over the trigger's defaults."""
        values: dict[str, Any] = given if isinstance(given, dict) else {}
        return {k: int(values.get(k, p.default)) for k, p in self.params.items()}

    def describe(self, given: Any) -> str:
        """When the trigger fires, in words ("after 7 days without a check-in…")."""
        return self.words(self.merge(given))

    def staff_url(self, given: Any) -> str:
        """The staff page a summary of this trigger links to (``{staff_url}``): pairs are
        looked after from the mentorships table, filtered to the trigger's occasions where
        it has a filter; people from the staff home. Staff never open a pair's space."""
        if not self.pair:
            return reverse("analytics:overview")
        query = self.staff_filter(self.merge(given)) if self.staff_filter else {}
        return reverse("partners:table") + (f"?{urlencode(query)}" if query else "")


def _n(count: int, unit: str) -> str:
    """A count with its unit: 1 day, 7 days."""
    return f"{count} {unit}{'' if count == 1 else 's'}"


COMMON_VARS: Final = ("name",)
PAIR_VARS: Final = ("mentee_name", "mentor_name", "other_name", "mentorship_url")


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


def _pair_rows(qs: QuerySet[Mentorship], *extra: str) -> Iterator[tuple[Any, ...]]:
    yield from qs.values_list(
        "pk", "mentee_id", "mentee__username", "mentor_id", "mentor__username", *extra
    ).iterator(chunk_size=5000)


def _pair(
    pk: int, mentee: tuple[int, str], mentor: tuple[int, str], window: str, **values: object
) -> Found:
    return Found(
        window=window,
        mentee=mentee,
        mentor=mentor,
        values={
            "mentee_name": mentee[1],
            "mentor_name": mentor[1],
            "mentorship_url": f"/mentorships/{pk}/",
            **values,
        },
    )


# --- person triggers ------------------------------------------------------------------------


def _joined(p: Mapping[str, int], now: dt.datetime) -> Iterator[Found]:
    since = now - dt.timedelta(hours=p["after_hours"])
    rows = User.objects.filter(
        is_active=True,
        date_joined__lte=since,
        date_joined__gt=now - _days(p["within_days"]),
    ).values_list("pk", "username")
    for pk, username in rows.iterator(chunk_size=5000):
        yield Found("joined", person=(pk, username))


def _no_mentor(p: Mapping[str, int], now: dt.datetime) -> Iterator[Found]:
    week = now.astimezone(dt.UTC).strftime("%G-W%V")
    rows = (
        User.objects.filter(
            is_active=True,
            account_type=AccountType.LISTENER,
            listener_since__lte=now - _days(p["listener_days"]),
            listener_since__gt=now - _days(p["within_days"]),
        )
        .exclude(
            Exists(Mentorship.objects.filter(mentee_id=OuterRef("pk"), status__in=CURRENT_STATUSES))
        )
        .exclude(
            Exists(
                MentorRequest.objects.filter(mentee_id=OuterRef("pk"), status=RequestStatus.OPEN)
            )
        )
        .exclude(
            Exists(MenteeProfile.objects.filter(user_id=OuterRef("pk"), opted_out_at__isnull=False))
        )
        .values_list("pk", "username")
    )
    for pk, username in rows.iterator(chunk_size=5000):
        yield Found(f"week-{week}", person=(pk, username))


def _request_pending(p: Mapping[str, int], now: dt.datetime) -> Iterator[Found]:
    rows = MentorRequest.objects.filter(
        status=RequestStatus.OPEN, created_at__lte=now - _days(p["days"])
    ).values_list("pk", "mentee_id", "mentee__username", "created_at")
    for pk, uid, username, created in rows.iterator(chunk_size=5000):
        waited = (now - created).days
        yield Found(f"request-{pk}", person=(uid, username), values={"days": waited})


def _obligation_due(p: Mapping[str, int], now: dt.datetime) -> Iterator[Found]:
    rows = Award.objects.filter(
        state=AwardState.ACTIVE,
        obligation_due__gt=now,
        obligation_due__lte=now + _days(p["days"]),
        achievement__obligation_training__isnull=False,
    ).values_list(
        "pk",
        "user_id",
        "user__username",
        "obligation_due",
        "achievement__name",
        "achievement__obligation_training__name",
    )
    for pk, uid, username, due, role, training in rows.iterator(chunk_size=5000):
        if due is None:  # excluded by the filter; for the type checker
            continue
        yield Found(
            f"award-{pk}-{_stamp(due)}",
            person=(uid, username),
            values={
                "role": role,
                "training": training,
                "due_date": due.astimezone(dt.UTC).strftime("%d %b %Y"),
            },
        )


def _event_tomorrow(p: Mapping[str, int], now: dt.datetime) -> Iterator[Found]:
    """People with a confirmed place at a (not cancelled) event starting within the hours."""
    rows = (
        Event.objects.filter(
            status=EventStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(hours=p["hours"]),
            rsvps__status=RSVPStatus.CONFIRMED,
            rsvps__created_at__lte=now,
        )
        .values_list(
            "pk",
            "rsvps__user_id",
            "rsvps__user__username",
            "title",
            "starts_at",
            "room__name",
            "video_url",
        )
        .order_by("pk", "rsvps__user_id")
    )
    for pk, uid, username, title, starts_at, room, link in rows.iterator(chunk_size=5000):
        starts = starts_at.astimezone(dt.UTC)
        yield Found(
            f"event-{pk}",
            person=(uid, username),
            values={
                "event": title,
                "starts": f"{starts:%a} {starts.day} {starts:%b, %H:%M} UTC",
                "location": f"room {room}" if room else link,
                "event_url": f"/events/{pk}/",
            },
        )


# --- pair triggers --------------------------------------------------------------------------


def _matched(p: Mapping[str, int], now: dt.datetime) -> Iterator[Found]:
    after = _days(p["after_days"])
    qs = Mentorship.objects.filter(
        status=MentorshipStatus.ACTIVE,
        started_at__lte=now - after,
        started_at__gt=now - after - _days(p["grace_days"]),
    )
    for pk, me, men, mo, mon in _pair_rows(qs):
        yield _pair(pk, (me, men), (mo, mon), f"m{pk}", days=p["after_days"])


def _with_last_contact(now: dt.datetime) -> QuerySet[Mentorship]:
    """Active pairs annotated with ``last_contact``: the pair's latest check-in (by either
    side) or conversation (logged, or a chat day), or the start if there was none since."""
    checkin = (
        CheckIn.objects.filter(mentorship_id=OuterRef("pk"), created_at__lte=now)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    talk = (
        Conversation.objects.filter(mentorship_id=OuterRef("pk"), created_at__lte=now)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return Mentorship.objects.filter(
        status=MentorshipStatus.ACTIVE, started_at__isnull=False, started_at__lte=now
    ).annotate(
        last_contact=Greatest(
            F("started_at"),
            Coalesce(Subquery(checkin, output_field=DateTimeField()), F("started_at")),
            Coalesce(Subquery(talk, output_field=DateTimeField()), F("started_at")),
            output_field=DateTimeField(),
        )
    )


def _chats_since_contact(p: Mapping[str, int], now: dt.datetime) -> Iterator[Found]:
    n = p["chats"]
    # The n-th chat after the last contact: present means at least n chats since.
    nth = (
        ActivityEvent.objects.filter(
            user_id=OuterRef("mentee_id"),
            kind=ActivityKind.ONE_TO_ONE_CHAT,
            occurred_at__gt=OuterRef("last_contact"),
            occurred_at__lte=now,
        )
        .order_by("occurred_at")
        .values("occurred_at")[n - 1 : n]
    )
    qs = (
        _with_last_contact(now)
        .annotate(nth_chat=Subquery(nth, output_field=DateTimeField()))
        .filter(nth_chat__isnull=False)
    )
    for pk, me, men, mo, mon, last in _pair_rows(qs, "last_contact"):
        yield _pair(pk, (me, men), (mo, mon), f"m{pk}-{_stamp(last)}", chats=n)


def _days_since_contact(p: Mapping[str, int], now: dt.datetime) -> Iterator[Found]:
    qs = _with_last_contact(now).filter(last_contact__lte=now - _days(p["days"]))  # type: ignore[misc]
    for pk, me, men, mo, mon, last in _pair_rows(qs, "last_contact"):
        yield _pair(
            pk,
            (me, men),
            (mo, mon),
            f"m{pk}-{_stamp(last)}",
            days=(now - last).days,
        )


def _no_conversation(p: Mapping[str, int], now: dt.datetime) -> Iterator[Found]:
    qs = Mentorship.objects.filter(
        status=MentorshipStatus.ACTIVE, started_at__lte=now - _days(p["days"])
    ).exclude(
        Exists(Conversation.objects.filter(mentorship_id=OuterRef("pk"), created_at__lte=now))
    )
    for pk, me, men, mo, mon in _pair_rows(qs):
        yield _pair(pk, (me, men), (mo, mon), f"m{pk}", days=p["days"])


def _conversations_reached(p: Mapping[str, int], now: dt.datetime) -> Iterator[Found]:
    n = p["count"]
    recent = now - _days(p["within_days"])
    qs = (
        Mentorship.objects.filter(status=MentorshipStatus.ACTIVE)
        .annotate(
            upto_now=Count("conversations", filter=Q(conversations__created_at__lte=now)),
            upto_recent=Count("conversations", filter=Q(conversations__created_at__lte=recent)),
        )
        .filter(upto_now__gte=n, upto_recent__lt=n)
    )
    for pk, me, men, mo, mon, count in _pair_rows(qs, "upto_now"):
        yield _pair(pk, (me, men), (mo, mon), f"m{pk}-{n}", count=count)


def _trigger(
    kind: str,
    label: str,
    find: Callable[[Mapping[str, int], dt.datetime], Iterator[Found]],
    *,
    pair: bool,
    params: Mapping[str, Param],
    words: Callable[[Mapping[str, int]], str],
    variables: tuple[str, ...] = (),
    staff_filter: Callable[[Mapping[str, int]], dict[str, str]] | None = None,
) -> Trigger:
    base = COMMON_VARS + (PAIR_VARS if pair else ())
    return Trigger(kind, label, pair, params, base + variables, find, words, staff_filter)


def _joined_words(p: Mapping[str, int]) -> str:
    when = (
        "when someone joins"
        if p["after_hours"] == 0
        else f"{_n(p['after_hours'], 'hour')} after joining"
    )
    return f"{when} (people who joined in the last {_n(p['within_days'], 'day')})"


TRIGGERS: Final[dict[str, Trigger]] = {
    t.kind: t
    for t in (
        _trigger(
            "joined",
            "Joined the community",
            _joined,
            pair=False,
            words=_joined_words,
            params={
                "after_hours": Param(0, 0, 24 * 30, "Hours after joining."),
                "within_days": Param(3, 1, 30, "Only people who joined this recently."),
            },
        ),
        _trigger(
            "no_mentor",
            "Listener without a mentor",
            _no_mentor,
            pair=False,
            words=lambda p: (
                f"after {_n(p['listener_days'], 'day')} as a listener without a mentor or an "
                f"open request (listeners of the last {_n(p['within_days'], 'day')}), "
                "once a week"
            ),
            params={
                "listener_days": Param(7, 0, 365, "Days since becoming a listener."),
                "within_days": Param(
                    90, 1, 3650, "Only people who became listeners this recently."
                ),
            },
        ),
        _trigger(
            "request_pending",
            "Mentor request pending",
            _request_pending,
            pair=False,
            words=lambda p: f"after a mentor request has waited {_n(p['days'], 'day')}",
            params={"days": Param(5, 1, 60, "Days the request has waited.")},
            variables=("days",),
        ),
        _trigger(
            "obligation_due",
            "Required training due",
            _obligation_due,
            pair=False,
            words=lambda p: f"{_n(p['days'], 'day')} before a required training is due",
            params={"days": Param(1, 1, 60, "Days before the deadline.")},
            variables=("role", "training", "due_date"),
        ),
        _trigger(
            "matched",
            "Days after a match",
            _matched,
            pair=True,
            words=lambda p: (
                f"{_n(p['after_days'], 'day')} after a match (still sent up to "
                f"{_n(p['grace_days'], 'day')} late)"
            ),
            params={
                "after_days": Param(3, 0, 365, "Days after the mentorship started."),
                "grace_days": Param(3, 1, 30, "Still sent this many days late (first run)."),
            },
            variables=("days",),
        ),
        _trigger(
            "chats_since_contact",
            "One-to-one chats since the last mentor check-in",
            _chats_since_contact,
            pair=True,
            words=lambda p: (
                f"after {_n(p['chats'], 'one-to-one chat')} since the last check-in or conversation"
            ),
            params={"chats": Param(10, 1, 1000, "Chats since the last check-in.")},
            variables=("chats",),
        ),
        _trigger(
            "days_since_contact",
            "Days since the last mentorship contact",
            _days_since_contact,
            pair=True,
            words=lambda p: f"after {_n(p['days'], 'day')} without a check-in or conversation",
            params={"days": Param(14, 1, 365, "Days since the last check-in or conversation.")},
            variables=("days",),
            staff_filter=lambda p: {"no_contact_days": str(p["days"])},
        ),
        _trigger(
            "no_conversation",
            "No conversation since the match",
            _no_conversation,
            pair=True,
            words=lambda p: f"{_n(p['days'], 'day')} after a match with no conversation logged",
            params={"days": Param(7, 1, 365, "Days after the match.")},
            variables=("days",),
            staff_filter=lambda p: {"conversations": "0"},
        ),
        _trigger(
            "conversations_reached",
            "Conversations reached",
            _conversations_reached,
            pair=True,
            words=lambda p: (
                f"when a pair reaches {_n(p['count'], 'conversation')} within "
                f"{_n(p['within_days'], 'day')}"
            ),
            params={
                "count": Param(3, 1, 100, "Conversations logged."),
                "within_days": Param(14, 1, 90, "Reached within this many days."),
            },
            variables=("count",),
        ),
        _trigger(
            "event_tomorrow",
            "Event coming up (reminder)",
            _event_tomorrow,
            pair=False,
            words=lambda p: f"{_n(p['hours'], 'hour')} before an event the person has a place at",
            params={"hours": Param(24, 1, 168, "Hours before the event starts.")},
            variables=("event", "starts", "location", "event_url"),
        ),
    )
}
