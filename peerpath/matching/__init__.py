"""Mentor matching engine: pure NumPy + OR-Tools, no Django.

* :mod:`.features` - text hashing and weekly availability grids;
* :mod:`.model` - the people arrays, weights and results;
* :mod:`.scores` - exact pair scores; :mod:`.constraints` - hard constraints;
* :mod:`.pruning` - candidate generation (block scoring, top-k);
* :mod:`.engine` - the optimal capacitated assignment (min-cost flow), plus fast
  per-mentee suggestions;
* :mod:`.explain` - readable reasons for a pair;
* :mod:`.baselines` - greedy, Gale-Shapley and unpruned exact optimum, for comparison.

The Django side loads users into :class:`Mentees`/:class:`Mentors` arrays and stores the
pairs of the returned :class:`Matching`.
"""

from peerpath.matching.constraints import violations
from peerpath.matching.engine import match, suggest
from peerpath.matching.explain import explain
from peerpath.matching.features import (
    HOURS,
    availability_matrix,
    encode_text,
    shift_availability,
)
from peerpath.matching.model import Candidates, Matching, Mentees, Mentors, Weights
from peerpath.matching.pruning import candidates
from peerpath.matching.scores import pair_scores, score_components

__all__ = [
    "HOURS",
    "Candidates",
    "Matching",
    "Mentees",
    "Mentors",
    "Weights",
    "availability_matrix",
    "candidates",
    "encode_text",
    "explain",
    "match",
    "pair_scores",
    "score_components",
    "shift_availability",
    "suggest",
    "violations",
]
