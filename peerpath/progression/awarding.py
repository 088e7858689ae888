"""What the ladder decides for everyone at once: ``evaluate_ladder`` walks the achievements in
prerequisite order over the people's current standings (award states as columns) and decides
grants, hysteresis (the low-water bar and its grace period), lapses and obligations.

Pure: no Django, no database, like the evaluator it calls (``rules``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from peerpath.progression.rules import DAY, Bools, Facts, Floats, Rule, evaluate, in_audience, order

# Award states as small integers in the batch arrays.
NONE: Final = 0
ACTIVE: Final = 1
PENDING_TRAINING: Final = 2
LAPSED: Final = 3
REVOKED: Final = 4

# A staff revocation stands this long; then the ladder decides again as after a lapse: an
# automatic award is re-granted once its criteria are met, a role by application may be
# applied for again. So a revocation never blocks the rungs above it for good.
REVOCATION_DAYS: Final = 90


@dataclass(slots=True)
class Standing:
    """Current awards of one achievement, as columns over the facts' people."""

    state: npt.NDArray[np.int8]
    granted_at: Floats
    below_since: Floats
    obligation_due: Floats
    # Granted by staff: held whatever the criteria say (never put in grace or lapsed by them).
    by_staff: Bools | None = None
    # When a revoked award was revoked (NaN otherwise).
    revoked_at: Floats | None = None

    @classmethod
    def empty(cls, n: int) -> Standing:
        return cls(
            np.zeros(n, np.int8),
            np.full(n, np.nan),
            np.full(n, np.nan),
            np.full(n, np.nan),
            np.zeros(n, np.bool_),
            np.full(n, np.nan),
        )

    def copy(self) -> Standing:
        return Standing(
            self.state.copy(),
            self.granted_at.copy(),
            self.below_since.copy(),
            self.obligation_due.copy(),
            None if self.by_staff is None else self.by_staff.copy(),
            None if self.revoked_at is None else self.revoked_at.copy(),
        )

    def staff_mask(self) -> Bools:
        return self.by_staff if self.by_staff is not None else np.zeros(len(self.state), np.bool_)

    def revocation_over(self, now: float) -> Bools:
        """Revoked long enough ago (``REVOCATION_DAYS``) for the ladder to decide again."""
        if self.revoked_at is None:
            return np.zeros(len(self.state), np.bool_)
        since = np.where(np.isnan(self.revoked_at), -np.inf, now - self.revoked_at)
        over: Bools = (self.state == REVOKED) & (since >= REVOCATION_DAYS * DAY)
        return over


@dataclass(slots=True)
class Decisions:
    """What one achievement's evaluation decided for everyone."""

    slug: str
    eligible: Bools  # meets the full bar now (and the audience)
    before: Standing
    after: Standing
    # Transition masks (disjoint where it matters; each becomes an audit row).
    granted: Bools
    below: Bools  # fell below the low-water mark: grace began
    recovered: Bools  # back above it during grace
    lapsed: Bools
    pending_training: Bools
    obligation_met: Bools
    restored: Bools

    def changed(self) -> Bools:
        a, b = self.after, self.before
        out: Bools = (
            (a.state != b.state)
            | _neq(a.granted_at, b.granted_at)
            | _neq(a.below_since, b.below_since)
            | _neq(a.obligation_due, b.obligation_due)
        )
        return out


def _neq(a: Floats, b: Floats) -> Bools:
    same: Bools = (a == b) | (np.isnan(a) & np.isnan(b))
    return ~same


def evaluate_ladder(
    rules: Sequence[Rule], facts: Facts, standings: Mapping[str, Standing]
) -> list[Decisions]:
    """Decide every achievement for everyone, in prerequisite order.

    Automatic awards are granted at the full bar and kept while at the low-water bar; below
    it a grace period starts (``below_since``) and the award lapses once it has lasted
    ``grace_days``. An award granted by staff is kept whatever the criteria say (staff decided
    it); a staff revocation stands ``REVOCATION_DAYS``, then counts as a lapse. An obligation
    (training within D days of the grant) sets a deadline; at the deadline an unmet
    obligation turns the award to pending training, and completing the training restores it.
    ``facts.held`` / ``held_since`` are updated as decisions are made, so a badge earned now
    counts for the roles that need it in the same run.
    """
    now = facts.now
    out: list[Decisions] = []
    for rule in order(rules):
        before = standings.get(rule.slug) or Standing.empty(facts.n)
        after = before.copy()
        audience = in_audience(rule.audience, facts)
        full = evaluate(rule.criteria, facts).met & audience
        state = before.state
        active = state == ACTIVE
        granted = np.zeros(facts.n, np.bool_)
        below = np.zeros(facts.n, np.bool_)
        recovered = np.zeros(facts.n, np.bool_)
        lapsed = np.zeros(facts.n, np.bool_)
        if rule.automatic:
            low = (
                full
                if rule.low_water >= 1.0
                else evaluate(rule.criteria, facts, scale=rule.low_water).met & audience
            )
            # Revoked by staff stays revoked while the revocation stands; pending training is
            # handled by the obligation.
            open_to_grant = (state == NONE) | (state == LAPSED) | before.revocation_over(now)
            granted = full & open_to_grant
            staff = before.staff_mask()
            keep = active & (low | staff)
            recovered = keep & ~np.isnan(before.below_since)
            falling = active & ~low & ~staff
            below = falling & np.isnan(before.below_since)
            waited = np.where(np.isnan(before.below_since), 0.0, now - before.below_since)
            lapsed = falling & ~below & (waited >= rule.grace_days * DAY)
            if rule.grace_days == 0:
                lapsed = falling
                below = np.zeros(facts.n, np.bool_)
            after.state = np.where(granted, ACTIVE, np.where(lapsed, LAPSED, state)).astype(np.int8)
            after.granted_at = np.where(granted, now, before.granted_at)
            after.below_since = np.where(
                granted | recovered | lapsed, np.nan, np.where(below, now, before.below_since)
            )
        # Obligations: a deadline from the grant; pending training at the deadline; restored
        # when the training is done.
        pending = np.zeros(facts.n, np.bool_)
        met_ob = np.zeros(facts.n, np.bool_)
        restored = np.zeros(facts.n, np.bool_)
        if rule.obligation and rule.obligation_days:
            trained = facts.trained(rule.obligation)
            newly = granted & ~trained
            after.obligation_due = np.where(
                newly, now + rule.obligation_days * DAY, after.obligation_due
            )
            owed = ~np.isnan(after.obligation_due)
            is_active = after.state == ACTIVE
            met_ob = owed & trained & is_active
            restored = (after.state == PENDING_TRAINING) & trained
            pending = is_active & owed & ~trained & (now >= after.obligation_due)
            after.obligation_due = np.where(met_ob | restored, np.nan, after.obligation_due)
            after.state = np.where(
                restored, ACTIVE, np.where(pending, PENDING_TRAINING, after.state)
            ).astype(np.int8)
            # An award already pending stays pending (its deadline kept for the message).
        held_now = after.state == ACTIVE
        facts.held[rule.slug] = held_now
        facts.held_since[rule.slug] = np.where(held_now, after.granted_at, np.nan)
        out.append(
            Decisions(
                slug=rule.slug,
                eligible=full,
                before=before,
                after=after,
                granted=granted,
                below=below,
                recovered=recovered,
                lapsed=lapsed,
                pending_training=pending,
                obligation_met=met_ob,
                restored=restored,
            )
        )
    return out
