"""The buddy program: every new leader gets an experienced leader of their own age band for
their first weeks, and the two check in together after two weeks.

Writes of ``BuddyPair`` and the pure pairing; the reads (who is a newcomer, who may be a
buddy, a person's pairs) are in ``selectors/buddies.py``.

Pairing (``pair_new_leaders``, daily)
-------------------------------------
* **Newcomers**: people granted one of ``BUDDY_ROLES`` (award active, ``granted_at`` within the
  last ``NEWCOMER_DAYS``) with no ``BuddyPair`` for that role yet. One row per (person, role).
* **Buddies**: people holding one of ``EXPERIENCED_ROLES`` for at least ``EXPERIENCE_DAYS``,
  with room left (``BUDDY_CAPACITY`` minus their pairs still in the first weeks: active and
  not checked in yet; a pairing that has had its check-in stays, but frees the place).
* **Arcs** (who may buddy whom): not oneself, same age band now (``policies.can_be_buddies``,
  which also refuses suspended accounts), no block either way, and no earlier pairing of the
  two that ended (someone who ended a pairing is never handed the same person again).
* **Utility** of an arc = ``PAIRING_BASE + quality``; quality (0..``QUALITY_MAX``) prefers
  experience (days in the longest-held experienced role, saturating at a year), buddies with
  fewer current buddies, and Group Support Mentors on Track II (the seeds: Track II looks after
  new leaders). ``PAIRING_BASE`` exceeds the quality any assignment can gain by leaving a
  newcomer out, so the optimum pairs as many newcomers as possible and, among those
  assignments, has the best total quality. ``matching.engine.solve_assignment`` (min-cost flow)
  finds it exactly.
* Pairs are written in one transaction, capacity re-counted under a row lock on the buddies;
  the unique constraint (newcomer, role) makes a second run (or a concurrent one) write nothing
  new. Newcomers with no eligible buddy stay unpaired and are tried again the next day, until
  ``NEWCOMER_DAYS`` have passed.

The daily job (``upkeep``) ends cross-band pairs, pairs new leaders and sends the day's
reminders, in that order; the demo's history replays the same function day by day.

Check-ins and reminders
-----------------------
Either person records the check-in once (any time after pairing); it is due
``CHECK_IN_DAYS`` after pairing. The reminder is sent once without a stored marker (no model
field exists for it): the daily job passes its scheduled minute as ``now`` and reminds the pairs
whose ``check_in_due`` fell in ``(now - 1 day, now]``. Consecutive daily runs cover
consecutive, non-overlapping windows, so every overdue pair is reminded exactly once (a day the
job does not run is a day of reminders not sent; the page still shows the check-in as overdue).

Safeguarding
------------
A pair whose two people stop being in the same age band (a teen turns 18) is ended by
``end_cross_band_pairs`` (daily, before pairing; exact and indexed through ``User.adult_from``),
and until then the pages and ``record_check_in`` already refuse it. The unique constraint
means a newcomer is not paired again for the same role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.core.errors import Conflict, NotFound, Refused
from peerpath.core.text import clean_text
from peerpath.matching.engine import solve_assignment
from peerpath.notifications.services import notify
from peerpath.progression import policies
from peerpath.progression.models import BuddyPair
from peerpath.progression.selectors.buddies import (
    BUDDIES_PATH,
    BUDDY_CAPACITY,
    NOT_FOUND,
    Candidate,
    IntArray,
    Newcomer,
    active_counts,
    candidate_arcs,
    candidates,
    cross_band_pairs,
    newcomers,
    other_party,
    reminders_due,
    role_name,
)
from peerpath.safety import services as safety
from peerpath.safety.models import Channel

CHECK_IN_DAYS: Final = 14
NOTE_MAX_CHARS: Final = 1500
# Quality of a (newcomer, buddy) arc; see the module docstring.
EXPERIENCE_WEIGHT: Final = 40.0
EXPERIENCE_SATURATION_DAYS: Final = 365
ROOM_WEIGHT: Final = 30.0
TRACK_II_BONUS: Final = 20.0
QUALITY_MAX: Final = EXPERIENCE_WEIGHT + ROOM_WEIGHT + TRACK_II_BONUS
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def buddy_quality(
    experience_days: npt.ArrayLike, active: npt.ArrayLike, track_ii: npt.ArrayLike
) -> FloatArray:
    """Quality (0..QUALITY_MAX) of having each buddy: experience (saturating at a year),
    room left (fewer current buddies is better) and the Track II bonus. Vectorized."""
    days = np.clip(np.asarray(experience_days, dtype=np.float64), 0, EXPERIENCE_SATURATION_DAYS)
    load = np.clip(np.asarray(active, dtype=np.float64), 0, BUDDY_CAPACITY) / BUDDY_CAPACITY
    bonus = np.asarray(track_ii, dtype=np.bool_).astype(np.float64)
    quality: FloatArray = (
        EXPERIENCE_WEIGHT * days / EXPERIENCE_SATURATION_DAYS
        + ROOM_WEIGHT * (1.0 - load)
        + TRACK_II_BONUS * bonus
    )
    return quality


def pairing_base(n_newcomers: int) -> float:
    """A utility every chosen arc earns on top of its quality: larger than the quality all
    the other newcomers together could gain, so pairing one more newcomer always wins."""
    return float((n_newcomers + 1) * QUALITY_MAX)


def choose_pairs(
    rows: IntArray, cols: IntArray, quality: FloatArray, remaining: IntArray, n_newcomers: int
) -> BoolArray:
    """The optimal assignment over the candidate arcs ``(rows[k], cols[k])``: each newcomer
    row at most once, buddy column ``j`` at most ``remaining[j]`` times, as many newcomers as
    possible, then the highest total quality. Returns the mask of chosen arcs."""
    if rows.shape[0] == 0:
        return np.zeros(0, dtype=np.bool_)
    utility = quality + pairing_base(n_newcomers)
    return solve_assignment(rows, cols, utility, remaining)


def pair_new_leaders(*, now: dt.datetime | None = None) -> list[BuddyPair]:
    """Pair every unpaired new leader with the best available experienced leader (see the
    module docstring). Returns the pairs created; safe to run again at any time."""
    now = now or timezone.now()
    new = newcomers(now)
    pool = candidates(now) if new else []
    rows, cols = candidate_arcs(new, pool, now)
    if rows.shape[0] == 0:
        return []
    quality = buddy_quality(
        np.array([c.experience_days for c in pool], dtype=np.int64)[cols],
        np.array([c.active for c in pool], dtype=np.int64)[cols],
        np.array([c.track_ii for c in pool], dtype=np.bool_)[cols],
    )
    remaining = np.array([c.remaining for c in pool], dtype=np.int64)
    chosen = choose_pairs(rows, cols, quality, remaining, len(new))
    picks = sorted(zip(rows[chosen].tolist(), cols[chosen].tolist(), strict=True))
    return _write_pairs([(new[r], pool[c]) for r, c in picks], now)


@transaction.atomic
def _write_pairs(picks: Sequence[tuple[Newcomer, Candidate]], now: dt.datetime) -> list[BuddyPair]:
    buddy_ids = sorted({c.user.pk for _, c in picks})
    # Lock the buddies (in id order) and count their pairs again: a concurrent run waits
    # here and then sees these pairs, so nobody goes over capacity.
    list(User.objects.select_for_update().filter(pk__in=buddy_ids).order_by("pk").values("pk"))
    active = active_counts(buddy_ids)
    created: list[BuddyPair] = []
    for newcomer, candidate in picks:
        if active.get(candidate.user.pk, 0) >= BUDDY_CAPACITY:
            continue
        pair = BuddyPair(
            newcomer=newcomer.user,
            buddy=candidate.user,
            achievement=newcomer.achievement,
            status=BuddyPair.Status.ACTIVE,
            check_in_due=now + dt.timedelta(days=CHECK_IN_DAYS),
        )
        try:
            pair.full_clean()
            with transaction.atomic():
                pair.save()
        except (ValidationError, IntegrityError):
            continue  # paired meanwhile (another run): the constraint keeps one pair
        active[candidate.user.pk] = active.get(candidate.user.pk, 0) + 1
        created.append(pair)
        _announce(pair)
    return created


def _announce(pair: BuddyPair) -> None:
    role = role_name(pair)
    due = pair.check_in_due.strftime("%d %b %Y")
    notify(
        [pair.newcomer],
        "progression",
        "Meet your buddy",
        f"Welcome to your new role as {role}! {pair.buddy.username} is an experienced leader "
        f"and your buddy for the first weeks: say hello, ask anything. The two of you check in "
        f"together by {due}.\n\nYour buddies: {BUDDIES_PATH}",
        url=BUDDIES_PATH,
        source="progression:buddies",
    )
    notify(
        [pair.buddy],
        "progression",
        "You are someone's buddy",
        f"{pair.newcomer.username} has just become {role}, and you are their buddy for the "
        f"first weeks. Please say hello and check in together by {due}.\n\n"
        f"Your buddies: {BUDDIES_PATH}",
        url=BUDDIES_PATH,
        source="progression:buddies",
    )


def _locked_pair_for_party(pair: BuddyPair, user: User) -> BuddyPair:
    locked = (
        BuddyPair.objects.select_for_update(of=("self",))
        .select_related("newcomer", "buddy", "achievement")
        .filter(pk=pair.pk)
        .first()
    )
    if locked is None or user.pk not in (locked.newcomer_id, locked.buddy_id):
        raise NotFound(NOT_FOUND)
    return locked


@dataclass(frozen=True, slots=True)
class CheckedIn:
    pair: BuddyPair
    screening: safety.Screening  # help for the writer when the note holds crisis language


def check_in_space(pair: BuddyPair, writer: User) -> safety.Space:
    """A check-in note is private to the pair. The buddy (the experienced leader) answers
    for the newcomer's note, as a mentor does for a mentee; the buddy's own note goes to the
    safeguarding team alone. Both are of one age band (``record_check_in`` refuses a pair
    that is not), so a teen's alert never reaches an adult who is not staff."""
    responders = [pair.buddy] if writer.pk == pair.newcomer_id else []
    return safety.Space(
        channel=Channel.PROGRESSION,
        where="Buddy check-in",
        url=BUDDIES_PATH,
        responders=responders,
        private=True,
    )


@transaction.atomic
def record_check_in(
    *, pair: BuddyPair, user: User, note: str, now: dt.datetime | None = None
) -> CheckedIn:
    """Either person records the two-week check-in, once, while the pairing is active (any
    time after it began). Someone else gets NotFound (like a missing pairing). The note is
    screened."""
    now = now or timezone.now()
    pair = _locked_pair_for_party(pair, user)
    if pair.status == BuddyPair.Status.ENDED:
        raise Conflict("This buddy pairing has ended.")
    if pair.checked_in_at is not None:
        raise Conflict("The check-in for this pairing is already recorded.")
    decision = policies.can_be_buddies(pair.newcomer, pair.buddy)
    if not decision:
        raise Refused(f"This pairing is paused: {decision.reason}", status=403)
    note = clean_text(note, what="note", max_chars=NOTE_MAX_CHARS, required=False)
    if not note:
        raise Refused("Write a few words about how the first weeks went.")
    pair.checked_in_at = now
    pair.check_in_note = note
    pair.full_clean()
    pair.save(update_fields=["checked_in_at", "check_in_note", "updated_at"])
    screening = safety.screen(
        writer=user, text=note, space=check_in_space(pair, user), source=pair, now=now
    )
    notify(
        [other_party(pair, user)],
        "progression",
        "Buddy check-in recorded",
        f"{user.username} recorded your buddy check-in. Thank you both!\n\n"
        f"Your buddies: {BUDDIES_PATH}",
        url=BUDDIES_PATH,
        source="progression:buddies",
    )
    return CheckedIn(pair, screening)


@transaction.atomic
def end_pair(*, pair: BuddyPair, user: User) -> BuddyPair:
    """Either person ends the pairing (they will not be paired with each other again)."""
    pair = _locked_pair_for_party(pair, user)
    if pair.status == BuddyPair.Status.ENDED:
        raise Conflict("This buddy pairing has already ended.")
    pair.status = BuddyPair.Status.ENDED
    pair.save(update_fields=["status", "updated_at"])
    notify(
        [other_party(pair, user)],
        "progression",
        "Your buddy pairing has ended",
        f"{user.username} ended your buddy pairing. Thank you for the time you gave it.",
        url=BUDDIES_PATH,
        source="progression:buddies",
    )
    return pair


@transaction.atomic
def end_cross_band_pairs(now: dt.datetime | None = None) -> int:
    """Safeguarding: end every pair that now crosses age bands (a teen turned 18). Returns
    how many ended; both people are told."""
    now = now or timezone.now()
    pairs = list(
        cross_band_pairs(now)
        .select_for_update(of=("self",))
        .select_related("newcomer", "buddy", "achievement")
        .order_by("pk")
    )
    if not pairs:
        return 0
    BuddyPair.objects.filter(pk__in=[p.pk for p in pairs]).update(
        status=BuddyPair.Status.ENDED, updated_at=now
    )
    for pair in pairs:
        notify(
            [pair.newcomer, pair.buddy],
            "progression",
            "Your buddy pairing has ended",
            "peerpath keeps teen and adult spaces separate, and one of you is now in a "
            "different age band, so your buddy pairing has ended. Thank you both for it.",
            url=BUDDIES_PATH,
            source="progression:buddies",
        )
    return len(pairs)


def send_check_in_reminders(now: dt.datetime | None = None) -> int:
    """Remind both people of each pair whose check-in fell due in ``(now - 1 day, now]``
    and is not recorded (once per pair when run daily; see the module docstring)."""
    now = now or timezone.now()
    pairs = list(reminders_due(now).select_related("newcomer", "buddy", "achievement"))
    with transaction.atomic():
        for pair in pairs:
            notify(
                [pair.newcomer, pair.buddy],
                "progression",
                "Time for your buddy check-in",
                "Your two-week buddy check-in is due. Have a short chat about how the new "
                "role is going, then either of you records it on the buddies page: "
                f"{BUDDIES_PATH}",
                url=BUDDIES_PATH,
                source="progression:buddies",
            )
    return len(pairs)


@dataclass(frozen=True, slots=True)
class Upkeep:
    ended: int
    paired: list[BuddyPair]
    reminded: int


def upkeep(now: dt.datetime) -> Upkeep:
    """The buddy program's day at ``now`` (the job's scheduled instant): end the pairs that
    now cross age bands, pair new leaders, remind the check-ins that fell due."""
    ended = end_cross_band_pairs(now)
    paired = pair_new_leaders(now=now)
    return Upkeep(ended, paired, send_check_in_reminders(now))
