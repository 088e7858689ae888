"""Human-readable reasons why a mentor suits a mentee.

One sentence per non-zero score component (see :func:`peerpath.matching.scores.score_components`),
always in the same order: language, topics, availability, text, load. Names come from the
caller (``topic_names[t]`` for topic column ``t``, ``language_names[l]`` for language
column ``l``) and are listed in column order, so the output is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from peerpath.matching.model import Mentees, Mentors
from peerpath.matching.scores import score_components

__all__ = ["explain"]


def _join(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _name(names: Sequence[str], idx: int, kind: str) -> str:
    return names[idx] if idx < len(names) else f"{kind} {idx}"


def explain(
    mentees: Mentees,
    i: int,
    mentors: Mentors,
    j: int,
    *,
    topic_names: Sequence[str],
    language_names: Sequence[str],
) -> list[str]:
    """Reasons for pairing mentee row ``i`` with mentor row ``j``, e.g.::

        ["both speak Spanish", "3 shared topics: anxiety, sleep, stress",
         "6 h overlapping availability per week", "similar goals and mentoring style",
         "has room for 3 more"]

    Reasons whose component is zero are omitted.
    """
    comps = score_components(mentees, mentors, np.array([i]), np.array([j]))
    reasons: list[str] = []

    if comps["language"][0] > 0:
        shared = np.flatnonzero(mentees.languages[i] & mentors.languages[j]).tolist()
        reasons.append(
            "both speak " + _join([_name(language_names, x, "language") for x in shared])
        )

    if comps["topic"][0] > 0:
        shared = np.flatnonzero(mentees.topics[i] & mentors.topics[j]).tolist()
        names = ", ".join(_name(topic_names, x, "topic") for x in shared)
        noun = "shared topic" if len(shared) == 1 else "shared topics"
        reasons.append(f"{len(shared)} {noun}: {names}")

    if comps["availability"][0] > 0:
        hours = int(np.count_nonzero(mentees.availability[i] & mentors.availability[j]))
        reasons.append(f"{hours} h overlapping availability per week")

    text = float(comps["text"][0])
    if text > 0:
        if text >= 0.5:
            reasons.append("very similar goals and mentoring style")
        elif text >= 0.2:
            reasons.append("similar goals and mentoring style")
        else:
            reasons.append("some overlap between goals and mentoring style")

    if comps["load"][0] > 0:
        room = int(mentors.remaining[j])
        if room > 0:
            reasons.append(f"has room for {room} more")
    return reasons
