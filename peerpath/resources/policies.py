"""Who may do what with resources (pure)."""

from __future__ import annotations

from typing import Any

from peerpath.accounts.policies import is_staff_member
from peerpath.core.decisions import Decision


def can_add_resource(user: Any) -> Decision:
    if not is_staff_member(user):
        return Decision.deny("Only staff can add resources.")
    return Decision.allow()
