"""The matching engine's data: the people arrays (:class:`Mentees`, :class:`Mentors`), the
component :class:`Weights`, and what the engine returns (:class:`Candidates`,
:class:`Matching`). See :mod:`peerpath.matching.engine` for the model."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from peerpath.matching.features import HOURS

AVAILABILITY_CAP_HOURS = 12
"""Weekly overlapping hours at which the availability component saturates at 1."""

COMPONENTS: tuple[str, ...] = ("topic", "language", "availability", "text", "load")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
F32Array = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Weights:
    """Non-negative component weights (at least one positive); only their ratios matter."""

    topic: float = 3.0
    language: float = 2.0
    availability: float = 2.0
    text: float = 1.0
    load: float = 1.0

    def __post_init__(self) -> None:
        values = self.as_tuple()
        if not all(np.isfinite(v) and v >= 0 for v in values):
            raise ValueError("weights must be finite and >= 0")
        if sum(values) <= 0:
            raise ValueError("at least one weight must be > 0")

    def as_tuple(self) -> tuple[float, float, float, float, float]:
        """Weights in :data:`COMPONENTS` order."""
        return (
            float(self.topic),
            float(self.language),
            float(self.availability),
            float(self.text),
            float(self.load),
        )

    @property
    def total(self) -> float:
        return float(sum(self.as_tuple()))


def _coerce(obj: object, name: str, dtype: Any, ndim: int) -> None:
    arr = np.ascontiguousarray(getattr(obj, name), dtype=dtype)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    object.__setattr__(obj, name, arr)


@dataclass(frozen=True)
class _People:
    ids: IntArray
    band: npt.NDArray[np.int8]
    topics: BoolArray
    languages: BoolArray
    availability: BoolArray
    text: F32Array

    def __post_init__(self) -> None:
        _coerce(self, "ids", np.int64, 1)
        _coerce(self, "band", np.int8, 1)
        _coerce(self, "topics", np.bool_, 2)
        _coerce(self, "languages", np.bool_, 2)
        _coerce(self, "availability", np.bool_, 2)
        _coerce(self, "text", np.float32, 2)
        n = self.ids.shape[0]
        for name in ("band", "topics", "languages", "availability", "text"):
            if getattr(self, name).shape[0] != n:
                raise ValueError(f"{name} has {getattr(self, name).shape[0]} rows, expected {n}")
        if self.availability.shape[1] != HOURS:
            raise ValueError(f"availability must have {HOURS} columns")
        if n and np.unique(self.ids).shape[0] != n:
            raise ValueError("ids must be unique")

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    # Lazily prepared float versions for the matrix products (cached on the instance;
    # cached_property writes to __dict__ directly, which frozen dataclasses allow).
    @cached_property
    def topics_f(self) -> F32Array:
        return self.topics.astype(np.float32)

    @cached_property
    def topic_count(self) -> FloatArray:
        return np.asarray(np.count_nonzero(self.topics, axis=1), dtype=np.float64)

    @cached_property
    def languages_f(self) -> F32Array:
        return self.languages.astype(np.float32)

    @cached_property
    def availability_f(self) -> F32Array:
        return self.availability.astype(np.float32)

    @cached_property
    def text_unit(self) -> F32Array:
        """Text rows with unit (or zero) length; re-normalised only if the caller's are not."""
        t = self.text
        norms = np.sqrt(np.einsum("ij,ij->i", t, t, dtype=np.float64))
        bad = (norms > 0) & (np.abs(norms - 1.0) > 1e-5)
        if not bad.any():
            return t
        out = t.astype(np.float64)
        out[bad] /= norms[bad, None]
        return out.astype(np.float32)


@dataclass(frozen=True)
class Mentees(_People):
    """Listeners looking for a mentor; ``priority`` (>= 0) is added to their match utility."""

    priority: F32Array

    def __post_init__(self) -> None:
        super().__post_init__()
        _coerce(self, "priority", np.float32, 1)
        if self.priority.shape[0] != len(self):
            raise ValueError("priority must have one entry per mentee")
        if not np.all(np.isfinite(self.priority)) or np.any(self.priority < 0):
            raise ValueError("priority must be finite and >= 0")


@dataclass(frozen=True)
class Mentors(_People):
    """Mentors; ``remaining = max(capacity - active, 0)`` new mentees may be assigned."""

    capacity: npt.NDArray[np.int32]
    active: npt.NDArray[np.int32]

    def __post_init__(self) -> None:
        super().__post_init__()
        _coerce(self, "capacity", np.int32, 1)
        _coerce(self, "active", np.int32, 1)
        if self.capacity.shape[0] != len(self) or self.active.shape[0] != len(self):
            raise ValueError("capacity and active must have one entry per mentor")

    @cached_property
    def remaining(self) -> IntArray:
        return np.maximum(self.capacity.astype(np.int64) - self.active.astype(np.int64), 0)

    @cached_property
    def load(self) -> FloatArray:
        """The load component: ``1 - active/capacity`` clipped to [0, 1]; 0 if capacity 0."""
        cap = self.capacity.astype(np.float64)
        act = np.maximum(self.active.astype(np.float64), 0.0)
        out = np.zeros(cap.shape[0], dtype=np.float64)
        pos = cap > 0
        out[pos] = np.clip(1.0 - act[pos] / cap[pos], 0.0, 1.0)
        return out


@dataclass(frozen=True)
class Matching:
    """Chosen pairs (sorted by mentee index), their scores (0..100, without priority)."""

    mentee_idx: IntArray
    mentor_idx: IntArray
    score: FloatArray
    total_utility: float
    n_candidates: int
    seconds: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.mentee_idx.shape[0])


@dataclass(frozen=True)
class Candidates:
    """Candidate arcs: mentee rows, mentor cols and their scores (0..100, no priority)."""

    rows: IntArray
    cols: IntArray
    score: FloatArray
    k: dict[int, int] = field(default_factory=dict)
    """The ``k`` used per band (``-1`` = complete block)."""
