"""What the lexicon rules alone report of a message, for the look-alike tests (issue 17).

The look-alikes of each rules round ("i updated my will after the baby was born") were
written to keep the rules precise: they assert that no *rule* reports them. The learned
signals (:mod:`..crisis.model`, :mod:`..crisis.semantic`) are probabilistic and are held to
false-positive budgets over thousands of labelled lines instead (``test_model``,
``test_semantic``): a few look-alikes are reported by them, which is the price of their
recall on text nobody tuned on.
"""

from __future__ import annotations

from peerpath.safety.crisis import CrisisHit, detect
from peerpath.safety.crisis.model import MODEL_TERM
from peerpath.safety.crisis.semantic import EMBED_TERM


def rules_hit(text: str) -> CrisisHit | None:
    """``detect(text)`` when a rule reported (the learned signals are asked only when no
    rule did), else ``None``."""
    hit = detect(text)
    if hit is None or hit.term.startswith((MODEL_TERM, EMBED_TERM)):
        return None
    return hit
