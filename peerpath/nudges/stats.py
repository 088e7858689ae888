"""Statistics of nudge experiments: deterministic assignment, rates, uplift with 95% CIs.

Pure (NumPy-free, no Django). The interval for a difference of two proportions is Newcombe's
hybrid score interval (Newcombe 1998, method 10), built from the two Wilson score intervals:
it behaves at small counts and rates near 0 or 1, where the textbook Wald interval does not.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


def bucket(salt: str, user_id: int) -> float:
    """A uniform number in [0, 1) fixed by (salt, person): the same person always lands in
    the same variant of the same experiment, and different experiments are independent."""
    digest = hashlib.blake2b(f"{salt}:{user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def assign(salt: str, user_id: int, keys: Sequence[str], weights: Sequence[float]) -> str:
    """The variant key for a person, by weight."""
    if not keys or len(keys) != len(weights):
        raise ValueError("assign needs one weight per variant")
    total = float(sum(weights))
    if total <= 0:
        raise ValueError("variant weights must add up to more than 0")
    x = bucket(salt, user_id) * total
    acc = 0.0
    for key, w in zip(keys, weights, strict=True):
        acc += float(w)
        if x < acc:
            return key
    return keys[-1]


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for one proportion ((0, 1) when n is 0)."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - half) / denom), min(1.0, (centre + half) / denom)


def diff_ci(s1: int, n1: int, s2: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """Difference p1 - p2 with Newcombe's hybrid score 95% interval: (diff, low, high)."""
    if n1 <= 0 or n2 <= 0:
        return 0.0, -1.0, 1.0
    p1, p2 = s1 / n1, s2 / n2
    l1, u1 = wilson(s1, n1, z)
    l2, u2 = wilson(s2, n2, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high


@dataclass(frozen=True)
class Arm:
    key: str
    label: str
    is_control: bool
    n: int
    successes: int

    @property
    def rate(self) -> float:
        return self.successes / self.n if self.n else 0.0

    @property
    def rate_label(self) -> str:
        return pct(self.rate)


@dataclass(frozen=True)
class Comparison:
    arm: Arm
    uplift: float  # rate difference against control, as a proportion
    low: float
    high: float
    verdict: str

    @property
    def known(self) -> bool:
        """False without a control or without people: the interval is all of -1 to 1."""
        return not (self.low <= -1.0 and self.high >= 1.0)

    @property
    def uplift_label(self) -> str:
        return points(self.uplift) if self.known else "unknown"

    @property
    def interval_label(self) -> str:
        return f"{points(self.low)} to {points(self.high)}" if self.known else "unknown"


def pct(x: float) -> str:
    """A proportion as a percentage with one decimal: "12.5%"."""
    return f"{x * 100:.1f}%"


def points(x: float) -> str:
    """A difference of proportions in percentage points: "+3.2 points"."""
    return f"{x * 100:+.1f} points"


def compare(arms: Sequence[Arm], *, min_sample: int, outcome: str) -> list[Comparison]:
    """Each non-control arm against the control, with a plain-words verdict."""
    control = next((a for a in arms if a.is_control), None)
    out: list[Comparison] = []
    for arm in arms:
        if arm.is_control:
            continue
        if control is None:
            out.append(Comparison(arm, 0.0, -1.0, 1.0, "No control group: uplift unknown."))
            continue
        d, low, high = diff_ci(arm.successes, arm.n, control.successes, control.n)
        smallest = min(arm.n, control.n)
        if smallest < min_sample:
            verdict = (
                f"Not enough data yet: {smallest} of the {min_sample} people needed in each "
                "group have finished their outcome window."
            )
        elif low > 0:
            verdict = (
                f"{arm.label} works: {outcome} went from {pct(control.rate)} without a "
                f"message to {pct(arm.rate)} ({points(d)}, 95% CI {points(low)} to "
                f"{points(high)})."
            )
        elif high < 0:
            verdict = (
                f"{arm.label} does worse than sending nothing: {pct(arm.rate)} against "
                f"{pct(control.rate)} ({points(d)}, 95% CI {points(low)} to {points(high)})."
            )
        else:
            verdict = (
                f"No clear difference yet: {pct(arm.rate)} against {pct(control.rate)} "
                f"({points(d)}, 95% CI {points(low)} to {points(high)} includes zero)."
            )
        out.append(Comparison(arm, d, low, high, verdict))
    return out
