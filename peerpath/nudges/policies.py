"""Who may see nudge rules and experiment results (pure)."""

from __future__ import annotations

from typing import Any

from peerpath.accounts import policies as account_policies
from peerpath.core.decisions import Decision


def can_view_nudges(user: Any) -> Decision:
    if not account_policies.is_staff_member(user):
        return Decision.deny("Only program staff can see nudge rules and experiments.")
    return Decision.allow()
